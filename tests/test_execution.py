"""The executor's short paths for plain scalar fields and for plain objects of them
(backend/api/execution.py) must answer and fail exactly as graphql-core's own path does, and
must actually be taken."""

from __future__ import annotations

import gc
import weakref
from decimal import Decimal
from typing import Any

import pytest
import strawberry
from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from backend.api.execution import ReportExecutionContext
from backend.api.schema import schema as report_schema


@strawberry.type
class Region:
    name: str


@strawberry.type
class Place:
    city: str
    code: int
    nickname: str | None
    broken: int  # holds a string in some rows
    region: Region = strawberry.field(default_factory=lambda: Region(name="west"))

    @strawberry.field
    def shout(self) -> str:
        return self.city.upper()


@strawberry.type
class Row:
    place: Place
    maybe_place: Place | None
    count: int
    name: str
    maybe: int | None
    amount: Decimal
    broken: int  # holds a string: the Int scalar refuses it
    missing: int  # holds None: a non-null field without a value

    @strawberry.field
    def doubled(self, factor: int = 2) -> int:
        return self.count * factor


@strawberry.type
class Query:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [
            Row(
                place=Place(city=f"city {n}", code=n, nickname=None if n % 2 else "n", broken=n),
                maybe_place=None if n % 3 else Place(city="c", code=0, nickname="x", broken=0),
                count=n,
                name=f"row {n}",
                maybe=None if n % 2 else n,
                amount=Decimal("1.5"),
                broken=n,
                missing=n,
            )
            for n in range(5)
        ]

    @strawberry.field
    def bad_rows(self) -> list[Row | None]:
        return [
            Row(
                place=Place(city="a", code=1, nickname=None, broken="x"),  # type: ignore[arg-type]
                maybe_place=None,
                count=1,
                name="ok",
                maybe=1,
                amount=Decimal(1),
                broken="x",  # type: ignore[arg-type]
                missing=1,
            ),
            Row(
                place=None,  # type: ignore[arg-type]
                maybe_place=None,
                count=2,
                name="ok",
                maybe=2,
                amount=Decimal(2),
                broken=2,
                missing=None,  # type: ignore[arg-type]
            ),
        ]


QUERIES = [
    "{ rows { count name maybe amount doubled factor3: doubled(factor: 3) } }",
    "{ rows { place { city code } maybePlace { city } } }",
    "{ rows { place { town: city city code: code } } }",
    "{ rows { place { city nickname } } }",
    "{ rows { place { __typename city } p2: place { shout code } } }",
    "{ rows { place { city } place { code } } }",
    "{ rows { place { ...P } } } fragment P on Place { city }",
    "{ rows { place { city @skip(if: true) code } } }",
    "{ badRows { place { city broken } } }",
    "{ badRows { count place { city } } }",
    "{ rows { count } badRows { count broken } }",
    "{ badRows { name missing } }",
    "{ rows { ...F } } fragment F on Row { count name }",
    "{ rows { count @skip(if: true) name @include(if: false) maybe } }",
    "{ rows { count name amount place { city code } } }",
    "{ rows { n: name count c: count place { town: city } } }",
    "{ rows { count count } }",
    "{ rows { count __typename } }",
    "{ rows @include(if: true) { count } }",
    "{ badRows { count name } }",
    "{ badRows { count place { city } } }",
    "{ rows { name maybePlace { city } } }",
    "{ rows { place { city region { name } } } }",
    "{ rows { place { region { name __typename } } } }",
]


def answer(executor: type[Executor], query: str) -> Any:
    schema = strawberry.Schema(query=Query, execution_context_class=executor)
    result = schema.execute_sync(query)
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
def test_the_short_path_answers_and_fails_as_graphql_core_does(query: str) -> None:
    assert answer(ReportExecutionContext, query) == answer(
        StrawberryGraphQLCoreExecutionContext, query
    )


def test_errors_are_still_reported() -> None:
    data, errors = answer(ReportExecutionContext, "{ badRows { broken missing } }")
    assert data == {"badRows": [None, None]}
    assert [path for _, path in errors] == [["badRows", 0, "broken"], ["badRows", 1, "missing"]]


def _recording(monkeypatch: pytest.MonkeyPatch, executor: type[Any]) -> list[str]:
    """The names of the fields `executor.execute_field` is called for, in order."""
    names: list[str] = []
    original = executor.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, *rest: Any) -> Any:
        names.append(details[0].node.name.value)
        return original(self, parent_type, source, details, *rest)

    monkeypatch.setattr(executor, "execute_field", counting)
    return names


@pytest.fixture
def generic_fields(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the fields that went graphql-core's whole way, in the order they did."""
    return _recording(monkeypatch, StrawberryGraphQLCoreExecutionContext)


def test_plain_scalars_skip_graphql_cores_field_execution(generic_fields: list[str]) -> None:
    data, errors = answer(ReportExecutionContext, "{ rows { count name maybe doubled } }")
    assert not errors and len(data["rows"]) == 5
    # The list, the resolver field of each row, and `maybe` where it is null.
    assert sorted(generic_fields) == sorted(["rows", *["doubled"] * 5, *["maybe"] * 2])


def test_plain_objects_skip_graphql_cores_field_execution(generic_fields: list[str]) -> None:
    data, errors = answer(
        ReportExecutionContext, "{ rows { place { city code } maybePlace { code } } }"
    )
    assert not errors and data["rows"][0]["place"] == {"city": "city 0", "code": 0}
    # The list, and `maybePlace` where it is null (rows 1, 2, 4).
    assert sorted(generic_fields) == sorted(["rows", *["maybePlace"] * 3])


@pytest.fixture
def executed_fields(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the fields this executor was asked to execute, short path or not."""
    return _recording(monkeypatch, ReportExecutionContext)


def test_plain_lists_are_answered_without_executing_their_items(
    executed_fields: list[str],
) -> None:
    data, errors = answer(ReportExecutionContext, "{ rows { count amount place { city } } }")
    assert not errors and data["rows"][4] == {
        "count": 4,
        "amount": "1.5",
        "place": {"city": "city 4"},
    }
    assert executed_fields == ["rows"]
    data, errors = answer(ReportExecutionContext, "{ rows { place { region { name } } } }")
    assert not errors and data["rows"][0] == {"place": {"region": {"name": "west"}}}
    assert executed_fields == ["rows", "rows"]


def test_a_list_with_a_null_value_takes_graphql_cores_path(executed_fields: list[str]) -> None:
    data, errors = answer(ReportExecutionContext, "{ rows { count maybe } }")
    assert not errors and [row["maybe"] for row in data["rows"]] == [0, None, 2, None, 4]
    assert executed_fields == ["rows", *["count", "maybe"] * 5]


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
