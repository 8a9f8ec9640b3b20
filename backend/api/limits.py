"""Depth, cost and input-size limits, checked after validation and before any resolver runs, and
before graphql-core coerces a single variable.

The cost model, in the spirit of GitHub's and Shopify's: every object field costs 1; a
`campaigns` connection costs REPORT_COST for the report it computes over every matched campaign
(whatever the page size) plus what it selects times its page size (`first`, default 50); a
`campaign` costs CAMPAIGN_COST; a `dateBreakdown` costs one point per week of its *effective*
window (its own `dateRange`, else the one its campaign inherited, else a year: a campaign's
all-time span is not known before it runs); a `centerBreakdown` costs 10; a credit account's
`statement` a point a week of its window (plus what it selects), its `transactions` what a
transaction selects times `first`; a connection's fields over every matched campaign
(`byChannel`, `byCreditSource`, `dateBreakdown`, `previousPeriod`) REPORT_COST each, once per
connection; `messageOverlap` OVERLAP_COST and a point a day of its window. What the cost cannot
know (all-time spans, the number of centers) the response's row budget bounds as rows are made
(`Context.charge_rows`, RESPONSE_TOO_LARGE). Aliases are priced each: every aliased
report does its own work. Introspection (`__schema`, `__type`) is free, so GraphiQL works.

The measure visits each fragment once (memoised by name), so its work is linear in the size of
the document however fragments spread into one another; the figures it computes may be huge
(a fragment spread twice per level doubles the cost), which only means the query is refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from backend.campaigns import DEFAULT_PAGE_SIZE
from backend.reports import MAX_WINDOW_DAYS

MAX_DEPTH = 10
# The largest request body: a full `recordMessages` batch (10,000 messages of ~300 bytes)
# fits with room to spare; anything larger is refused with 413 before it is read whole.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
MAX_COST = 10_000
REPORT_COST = 500
CAMPAIGN_COST = 10
CENTER_BREAKDOWN_COST = 10
# `Campaign.costExplanation` groups the campaign's messages in SQL (two passes over them, no
# in-memory arrays): a page of campaigns asking for it pays for each pass.
COST_EXPLANATION_COST = 50
UNKNOWN_WINDOW_DAYS = 366
# A `campaigns` connection's fields over every matched campaign (backend/flows.py), priced once
# whatever the page size: each is another pass like the report's; `dateBreakdown` adds a point
# per week of the connection's window (a year when it has none), as a campaign's does.
CONNECTION_REPORTS = {
    "byChannel": REPORT_COST,
    "byCreditSource": REPORT_COST,
    "previousPeriod": REPORT_COST,
    "dateBreakdown": REPORT_COST,
}
# `messageOverlap` sorts every message of its window in scope: the report's price plus a point
# per day of the window (its `dateRange` is required); `topPairs` what a pair selects times
# `first`.
OVERLAP_COST = REPORT_COST
DEFAULT_TOP_PAIRS = 10
# A list given in variables (or nested in one) may hold at most this many items; only the
# batch of `recordMessages` may be longer (it has its own limit, MAX_BATCH_SIZE).
MAX_LIST_ITEMS = 1_000
_UNBOUNDED_LISTS = {("recordMessages", "messages")}


@dataclass(frozen=True)
class _Measured:
    depth: int
    cost: int
    # The cost of a connection's fields over every matched campaign (CONNECTION_REPORTS):
    # paid once, not once per campaign of the page as what its edges select.
    once: int = 0


class _Measure:
    """Depth and cost of one operation; each fragment measured once per window it inherits."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]):
        self.fragments = fragments
        self.variables = variables
        self._done: dict[tuple[str, int | None, bool], _Measured] = {}
        self._measuring: set[tuple[str, int | None, bool]] = set()

    def measure(
        self, selection_set: SelectionSetNode | None, window: int | None, connection: bool = False
    ) -> _Measured:
        """`window`: the days of the date range the enclosing campaign fields inherit (None:
        no range, all time); `connection`: the selection is a `campaigns` connection's own."""
        depth = cost = once = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found = self._field(selection, window, connection)
            elif isinstance(selection, InlineFragmentNode):
                found = self.measure(selection.selection_set, window, connection)
            elif isinstance(selection, FragmentSpreadNode):
                found = self._fragment(selection.name.value, window, connection)
            else:  # pragma: no cover - graphql-core has no other selection
                continue
            depth = max(depth, found.depth)
            cost += found.cost
            once += found.once
        return _Measured(depth, cost, once)

    def _fragment(self, name: str, window: int | None, connection: bool) -> _Measured:
        key = (name, window, connection)
        done = self._done.get(key)
        if done is not None:
            return done
        fragment = self.fragments.get(name)
        if fragment is None or key in self._measuring:  # validation refuses both
            return _Measured(0, 0)
        self._measuring.add(key)
        done = self._done[key] = self.measure(fragment.selection_set, window, connection)
        self._measuring.discard(key)
        return done

    def _field(self, field: FieldNode, window: int | None, connection: bool) -> _Measured:
        name = field.name.value
        if name.startswith("__"):
            return _Measured(0, 0)
        if name in ("campaigns", "campaign", "messageOverlap"):
            window = self._window_days(field)
        inner = self.measure(field.selection_set, window, connection=name == "campaigns")
        depth = 1 + inner.depth
        if connection and name in CONNECTION_REPORTS:
            once = CONNECTION_REPORTS[name] + inner.cost
            if name == "dateBreakdown":
                once += math.ceil((window or UNKNOWN_WINDOW_DAYS) / 7)
            return _Measured(depth, 0, once)
        if field.selection_set is None:
            return _Measured(depth, 0)
        if name == "campaigns":
            first = self._argument(field, "first")
            size = first if isinstance(first, int) and first >= 0 else DEFAULT_PAGE_SIZE
            return _Measured(depth, REPORT_COST + max(size, 1) * inner.cost + inner.once)
        if name == "messageOverlap":
            days = window or MAX_WINDOW_DAYS  # its range is required; a bad one never runs
            return _Measured(depth, OVERLAP_COST + days + inner.cost)
        if name == "topPairs":  # the overlap's pairs, each with two campaigns
            first = self._argument(field, "first")
            size = first if isinstance(first, int) and first >= 0 else DEFAULT_TOP_PAIRS
            return _Measured(depth, 1 + max(size, 1) * inner.cost)
        if name == "campaign":
            return _Measured(depth, CAMPAIGN_COST + inner.cost)
        if name == "dateBreakdown":
            days = self._window_days(field) or window or UNKNOWN_WINDOW_DAYS
            return _Measured(depth, 1 + math.ceil(days / 7))
        if name == "centerBreakdown":
            return _Measured(depth, CENTER_BREAKDOWN_COST)
        if name == "costExplanation":
            return _Measured(depth, COST_EXPLANATION_COST + inner.cost)
        if name == "statement":  # a credit account's: a row a day, priced like dateBreakdown
            days = self._window_days(field) or UNKNOWN_WINDOW_DAYS
            return _Measured(depth, 1 + math.ceil(days / 7) + inner.cost)
        if name == "transactions":  # a credit account's page
            first = self._argument(field, "first")
            size = first if isinstance(first, int) and first >= 0 else DEFAULT_PAGE_SIZE
            return _Measured(depth, 1 + max(size, 1) * inner.cost)
        return _Measured(depth, 1 + inner.cost)

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                value: ValueNode = argument.value
                return value_from_ast_untyped(value, self.variables)
        return None

    def _window_days(self, field: FieldNode) -> int | None:
        """The days of the field's own `dateRange`; None without one. A range the resolver
        will refuse is priced as the longest it could be (it never runs)."""
        window = self._argument(field, "dateRange")
        if window is None or window is Undefined:  # absent, null, or an omitted variable
            return None
        try:
            start = date.fromisoformat(window["start"])
            end = date.fromisoformat(window["end"])
            return max(1, (end - start).days + 1)
        except (TypeError, KeyError, ValueError):
            return MAX_WINDOW_DAYS


def _limit_error(message: str, code: str, **limits: int) -> ExecutionResult:
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code, **limits})]
    )


def _longest_list(value: Any) -> int:
    """The most items of any list in a JSON value, without recursion (a value may nest as deep
    as the JSON parser allows)."""
    longest = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            longest = max(longest, len(item))
            if longest > MAX_LIST_ITEMS:
                return longest
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return longest


def _unbounded_variables(operation: OperationDefinitionNode) -> set[str]:
    """Variables given whole to an argument that takes a long list (the message batch)."""
    names: set[str] = set()
    pending: list[SelectionSetNode] = [operation.selection_set]
    while pending:
        selection_set = pending.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                for argument in selection.arguments or ():
                    key = (selection.name.value, argument.name.value)
                    if key in _UNBOUNDED_LISTS and isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)
            inner = getattr(selection, "selection_set", None)
            if isinstance(inner, SelectionSetNode):
                pending.append(inner)
    return names


def _longest_literal_list(operation: OperationDefinitionNode) -> int:
    """Lists written into the document are bounded by its token limit; counted anyway, so the
    limit reads the same whichever way a client sends a list."""
    longest = 0
    pending: list[Any] = [operation.selection_set]
    while pending:
        node = pending.pop()
        if isinstance(node, SelectionSetNode):
            for selection in node.selections:
                if (
                    isinstance(selection, FieldNode)
                    and (selection.name.value, "messages") not in _UNBOUNDED_LISTS
                ):
                    pending.extend(a.value for a in selection.arguments or ())
                inner = getattr(selection, "selection_set", None)
                if isinstance(inner, SelectionSetNode):
                    pending.append(inner)
        elif isinstance(node, ListValueNode):
            longest = max(longest, len(node.values))
            pending.extend(node.values)
        elif isinstance(node, ObjectValueNode):
            pending.extend(f.value for f in node.fields)
    return longest


def chosen_operation(
    definitions: Iterator[Any] | list[Any], operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    return next(
        (
            o
            for o in operations
            if operation_name is None or (o.name is not None and o.name.value == operation_name)
        ),
        None,
    )


class QueryLimits(SchemaExtension):
    """Refuses operations deeper than MAX_DEPTH, costlier than MAX_COST or with lists longer
    than MAX_LIST_ITEMS, naming the limit, before variables are coerced."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            operation = chosen_operation(list(document.definitions), context.operation_name)
            if operation is not None:
                context.result = self._refusal(
                    operation,
                    {
                        d.name.value: d
                        for d in document.definitions
                        if isinstance(d, FragmentDefinitionNode)
                    },
                    context.variables or {},
                )
        yield

    @staticmethod
    def _refusal(
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> ExecutionResult | None:
        unbounded = _unbounded_variables(operation)
        longest = max(
            [_longest_literal_list(operation)]
            + [_longest_list(v) for name, v in variables.items() if name not in unbounded]
        )
        if longest > MAX_LIST_ITEMS:
            return _limit_error(
                f"A list in this request holds {longest} items or more; at most "
                f"{MAX_LIST_ITEMS} are allowed (only a recordMessages batch may be longer).",
                "LIST_TOO_LONG",
                maxListItems=MAX_LIST_ITEMS,
            )
        # Measured after the lists, whose length bounds the variables the measure reads.
        measured = _Measure(fragments, variables).measure(operation.selection_set, None)
        if measured.depth > MAX_DEPTH:
            return _limit_error(
                f"The query is {measured.depth} levels deep; at most {MAX_DEPTH} are allowed.",
                "QUERY_TOO_DEEP",
                maxDepth=MAX_DEPTH,
                depth=measured.depth,
            )
        if measured.cost > MAX_COST:
            return _limit_error(
                f"The query would cost {measured.cost} points; at most {MAX_COST} are allowed. "
                "Ask for smaller pages, fewer reports or shorter breakdown windows.",
                "QUERY_TOO_COSTLY",
                maxCost=MAX_COST,
                cost=min(measured.cost, 10**18),
            )
        return None
