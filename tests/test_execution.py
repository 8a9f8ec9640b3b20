"""The schema's executor (backend/api/execution.py) is graphql-core's own, freed by reference
counting when its operation is done, so a request's variables do not wait for the cycle
collector."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest
import strawberry

from backend.api.execution import ReportExecutionContext
from backend.api.schema import schema as report_schema


def test_the_report_schema_uses_it() -> None:
    assert report_schema.execution_context_class is ReportExecutionContext


@strawberry.type
class EchoQuery:
    @strawberry.field
    def echo(self, words: list[str]) -> int:
        return len(words)

    @strawberry.field
    async def echo_later(self, words: list[str]) -> int:
        return len(words)


@pytest.mark.parametrize("field", ["echo", "echoLater"])
@pytest.mark.parametrize("released", [True, False])
async def test_a_finished_executor_is_freed_without_the_cycle_collector(
    field: str, released: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[weakref.ref[Any]] = []
    build = ReportExecutionContext.build.__func__  # type: ignore[attr-defined]

    def remembering(cls: Any, *args: Any, **kwargs: Any) -> Any:
        executor = build(cls, *args, **kwargs)
        built.append(weakref.ref(executor))
        return executor

    monkeypatch.setattr(ReportExecutionContext, "build", classmethod(remembering))
    if not released:  # the control: graphql-core's executor as it is
        monkeypatch.setattr(ReportExecutionContext, "_release", lambda self: None)
    schema = strawberry.Schema(query=EchoQuery, execution_context_class=ReportExecutionContext)
    query = f"query ($words: [String!]!) {{ {field}(words: $words) }}"
    gc.disable()
    try:
        result = await schema.execute(query, variable_values={"words": ["a"] * 1000})
        assert result.data == {field: 1000}
        del result
        # With the cycle broken, reference counting alone frees the executor and its variables.
        assert (built[0]() is None) is released
    finally:
        gc.enable()


def test_it_overrides_only_graphql_cores_documented_entry_point() -> None:
    # graphql-core documents `build` and `execute_operation` of an executor class; the methods
    # that execute and complete fields are not public, and change between its releases.
    public = {name for name in vars(ReportExecutionContext) if not name.startswith("_")}
    assert public == {"execute_operation"}
