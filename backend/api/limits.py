"""Depth and cost limits, checked after validation and before any resolver runs.

The cost model, in the spirit of GitHub's and Shopify's: every object field costs 1; a
`campaigns` connection multiplies what it selects by its page size (`first`, default 50); a
`dateBreakdown` costs one point per week of its window (a year when the window is not literal);
a `centerBreakdown` costs 10. Introspection (`__schema`, `__type`) is free, so GraphiQL works.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from backend.campaigns import DEFAULT_PAGE_SIZE

MAX_DEPTH = 10
# The largest request body: a full `recordMessages` batch (10,000 messages of ~300 bytes)
# fits with room to spare; anything larger is refused with 413 before it is read whole.
MAX_REQUEST_BYTES = 8 * 1024 * 1024
MAX_COST = 10_000
CENTER_BREAKDOWN_COST = 10
UNKNOWN_WINDOW_DAYS = 366


class _Measure:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]):
        self.fragments = fragments
        self.variables = variables

    def _fields(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str]
    ) -> Iterator[FieldNode]:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self._fields(fragment.selection_set, seen | {name})

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                value: ValueNode = argument.value
                return value_from_ast_untyped(value, self.variables)
        return None

    def depth(self, selection_set: SelectionSetNode | None) -> int:
        deepest = 0
        for field in self._fields(selection_set, frozenset()):
            if field.name.value.startswith("__"):
                continue
            deepest = max(deepest, 1 + self.depth(field.selection_set))
        return deepest

    def cost(self, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for field in self._fields(selection_set, frozenset()):
            name = field.name.value
            if name.startswith("__") or field.selection_set is None:
                continue
            inner = self.cost(field.selection_set)
            if name == "campaigns":
                first = self._argument(field, "first")
                size = first if isinstance(first, int) and first >= 0 else DEFAULT_PAGE_SIZE
                total += 1 + max(size, 1) * inner
            elif name == "dateBreakdown":
                total += 1 + math.ceil(self._window_days(field) / 7)
            elif name == "centerBreakdown":
                total += CENTER_BREAKDOWN_COST
            else:
                total += 1 + inner
        return total

    def _window_days(self, field: FieldNode) -> int:
        window = self._argument(field, "dateRange")
        try:
            start = date.fromisoformat(window["start"])
            end = date.fromisoformat(window["end"])
            return max(1, (end - start).days + 1)
        except (TypeError, KeyError, ValueError):
            return UNKNOWN_WINDOW_DAYS


def _limit_error(message: str, code: str, **limits: int) -> ExecutionResult:
    return ExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": code, **limits})]
    )


class QueryLimits(SchemaExtension):
    """Refuses operations deeper than MAX_DEPTH or costlier than MAX_COST, naming the limit."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            operation = next(
                (
                    o
                    for o in operations
                    if context.operation_name is None
                    or (o.name is not None and o.name.value == context.operation_name)
                ),
                None,
            )
            if operation is not None:
                measure = _Measure(fragments, context.variables or {})
                depth = measure.depth(operation.selection_set)
                cost = measure.cost(operation.selection_set)
                if depth > MAX_DEPTH:
                    context.result = _limit_error(
                        f"The query is {depth} levels deep; at most {MAX_DEPTH} are allowed.",
                        "QUERY_TOO_DEEP",
                        maxDepth=MAX_DEPTH,
                        depth=depth,
                    )
                elif cost > MAX_COST:
                    context.result = _limit_error(
                        f"The query would cost {cost} points; at most {MAX_COST} are allowed. "
                        "Ask for smaller pages or shorter breakdown windows.",
                        "QUERY_TOO_COSTLY",
                        maxCost=MAX_COST,
                        cost=cost,
                    )
        yield
