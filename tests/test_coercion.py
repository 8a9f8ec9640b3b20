"""Compiled variable coercion (backend/api/coercion.py) must coerce exactly as graphql-core does,
give every error back to graphql-core, and actually be used by the report schema."""

from __future__ import annotations

import copy
from typing import Any

import graphql.execution.executor as graphql_executor
import pytest
from graphql import build_schema, parse
from graphql.execution.values import VariableValues, get_variable_values

import backend.api.coercion as coercion
from backend.api.coercion import coercer_for, compiled_variable_values
from backend.api.schema import schema as report_schema

RECORD = (
    "mutation ($messages: [MessageInput!]!) { recordMessages(messages: $messages) { received } }"
)
REPORT = (
    "query ($range: DateRange, $filter: CampaignFilter, $first: Int) "
    "{ campaigns(dateRange: $range, filter: $filter, first: $first) { totalCount } }"
)


def _message(n: int, **changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "externalId": f"m-{n}",
        "campaignId": "cmp-1",
        "centerId": n,  # an ID may arrive as an integer
        "guestId": f"g-{n % 7}",
        "sentAt": "2026-03-01T23:30:00+05:30",
        "outcome": "PROCESSED",
        "credits": "1.2500",
    }
    if n % 3 == 0:
        message["reportedAt"] = "2026-03-02T00:00:00Z"
    message.update(changes)
    return {k: v for k, v in message.items() if v is not _DROP}


_DROP = object()

VALID: list[tuple[str, dict[str, Any]]] = [
    (RECORD, {"messages": [_message(n) for n in range(50)]}),
    (RECORD, {"messages": _message(1)}),  # a single object is a list of one
    (RECORD, {"messages": []}),
    (RECORD, {"messages": [_message(1, reportedAt=None)]}),
    (REPORT, {"range": {"start": "2026-01-01", "end": "2026-01-31"}, "first": 10}),
    (REPORT, {"range": None, "filter": {"channels": "SMS", "nameContains": "spa"}}),
    (REPORT, {"filter": {"statuses": ["LIVE", "PAUSED"], "withActivity": True}}),
]

INVALID: list[tuple[str, dict[str, Any]]] = [
    (RECORD, {}),  # the variable is missing
    (RECORD, {"messages": None}),
    (RECORD, {"messages": [_message(1), None]}),
    (RECORD, {"messages": [_message(1, externalId=_DROP)]}),
    (RECORD, {"messages": [_message(1, extra="x")]}),
    (RECORD, {"messages": [_message(1, outcome="LOST")]}),
    (RECORD, {"messages": [_message(1, outcome=1)]}),
    (RECORD, {"messages": [_message(1, campaignId=1.5)]}),
    (RECORD, {"messages": [_message(1, sentAt="yesterday")]}),
    (RECORD, {"messages": [_message(1, guestId=5)]}),  # String refuses an integer
    (RECORD, {"messages": [_message(1, campaignId=None)]}),
    (RECORD, {"messages": ["not an object"]}),
    (RECORD, {"messages": [_message(n, outcome="NOPE") for n in range(80)]}),  # error cap
    (REPORT, {"range": {"start": "2026-13-01", "end": "2026-01-31"}}),
    (REPORT, {"first": "ten"}),
    (REPORT, {"filter": {"channels": ["SMS", "PIGEON"]}}),
    (REPORT, {"filter": {"statuses": ["ACTIVE"]}}),
]


def _stock(query: str, variables: dict[str, Any]) -> Any:
    definitions = parse(query).definitions[0].variable_definitions  # type: ignore[attr-defined]
    return get_variable_values(report_schema._schema, definitions, copy.deepcopy(variables), 50)


def _compiled(query: str, variables: dict[str, Any]) -> Any:
    definitions = parse(query).definitions[0].variable_definitions  # type: ignore[attr-defined]
    return compiled_variable_values(
        report_schema._schema, definitions, copy.deepcopy(variables), 50
    )


@pytest.mark.parametrize(("query", "variables"), VALID)
def test_valid_variables_coerce_as_graphql_core_does(
    query: str, variables: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _stock(query, variables)
    assert isinstance(expected, VariableValues)
    # The compiled path must not fall back to graphql-core for valid input.
    monkeypatch.setattr(coercion, "get_variable_values", _refuse)
    got = _compiled(query, variables)
    assert isinstance(got, VariableValues)
    assert got.coerced == expected.coerced
    assert {k: v.value for k, v in got.sources.items()} == {
        k: v.value for k, v in expected.sources.items()
    }
    assert {k: str(v.signature.type) for k, v in got.sources.items()} == {
        k: str(v.signature.type) for k, v in expected.sources.items()
    }


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("fell back to graphql-core")


@pytest.mark.parametrize(("query", "variables"), INVALID)
def test_invalid_variables_fail_with_graphql_cores_errors(
    query: str, variables: dict[str, Any]
) -> None:
    expected = _stock(query, variables)
    got = _compiled(query, variables)
    assert isinstance(expected, list) and isinstance(got, list)
    assert [e.message for e in got] == [e.message for e in expected]


def test_the_coerced_batch_holds_parsed_values() -> None:
    got = _compiled(RECORD, {"messages": [_message(3)]})
    assert isinstance(got, VariableValues)
    (message,) = got.coerced["messages"]
    assert message["centerId"] == "3"
    assert message["sentAt"].utcoffset().total_seconds() == 5.5 * 3600
    assert str(message["credits"]) == "1.2500"
    assert message["reportedAt"] is not None


def test_recursive_and_one_of_inputs_are_left_to_graphql_core() -> None:
    schema = build_schema(
        """
        input Tree { value: Int!, children: [Tree!] }
        input Pick @oneOf { a: Int, b: String }
        input Flat { value: Int! }
        type Query { tree(t: Tree): Int, pick(p: Pick): Int, flat(f: Flat): Int }
        """
    )
    args = schema.query_type.fields  # type: ignore[union-attr]
    assert coercer_for(args["tree"].args["t"].type) is None
    assert coercer_for(args["pick"].args["p"].type) is None
    assert coercer_for(args["flat"].args["f"].type) is not None
    query = "query ($t: Tree, $p: Pick) { tree(t: $t) pick(p: $p) }"
    definitions = parse(query).definitions[0].variable_definitions  # type: ignore[attr-defined]
    for variables in (
        {"t": {"value": 1, "children": [{"value": 2}]}, "p": {"a": 1}},
        {"t": {"value": 1}, "p": {"a": 1, "b": "x"}},
    ):
        expected = get_variable_values(schema, definitions, variables)
        got = compiled_variable_values(schema, definitions, variables)
        if isinstance(expected, list):
            assert [e.message for e in got] == [e.message for e in expected]  # type: ignore[union-attr]
        else:
            assert got.coerced == expected.coerced  # type: ignore[union-attr]


async def test_the_report_schema_coerces_through_the_compiled_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[dict[str, Any]] = []

    def spy(schema: Any, nodes: Any, inputs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(inputs)
        return compiled_variable_values(schema, nodes, inputs, *args, **kwargs)

    stock = graphql_executor.get_variable_values  # type: ignore[attr-defined]
    monkeypatch.setattr("backend.api.execution.compiled_variable_values", spy)
    # No database: the resolver fails on the missing context, after the variables were coerced.
    result = await report_schema.execute(
        RECORD, variable_values={"messages": [_message(1)]}, context_value=None
    )
    assert seen == [{"messages": [_message(1)]}]
    assert result.errors
    # The swap lasts for the build only.
    assert graphql_executor.get_variable_values is stock  # type: ignore[attr-defined]
