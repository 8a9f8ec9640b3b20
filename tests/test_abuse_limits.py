"""Adversarial requests against the API's guards: fragment bombs, huge variables before
authentication, lists past their cap, breakdowns priced by the window they really cover."""

from __future__ import annotations

import time

import pytest

from backend.api import context as context_module
from backend.api.limits import MAX_COST, MAX_LIST_ITEMS, REPORT_COST
from backend.api.view import MAX_ANONYMOUS_BODY_BYTES
from tests.factories import load_hierarchy, message, record, token
from tests.graphql_client import http_client, post


def fragment_bomb(levels: int, leaf: str = "id name") -> str:
    """F(n) spreads F(n-1) twice: a naive walk does 2^levels work."""
    fragments = [f"fragment F0 on Campaign {{ {leaf} }}"]
    fragments += [
        f"fragment F{i} on Campaign {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f'{{ campaign(id: "x") {{ ...F{levels} }} }} ' + " ".join(fragments)


@pytest.mark.parametrize(
    ("leaf", "refused_with"),
    [
        # Scalars merge at execution: the query is cheap and answered.
        ("id name", None),
        # An object field costs a point for every time it would be executed: 2^40 points.
        ("id creditSource { name }", "QUERY_TOO_COSTLY"),
        # Aliases are counted as executed too: 2^40 of them.
        ("id a: name", "GRAPHQL_VALIDATION_FAILED"),
    ],
    ids=["scalars", "objects", "aliases"],
)
async def test_a_fragment_bomb_is_measured_in_linear_time(
    db: str, leaf: str, refused_with: str | None
) -> None:
    await load_hierarchy()
    secret = await token()
    async with http_client() as client:
        # Warm up (the first request pays for imports and caches), then the bomb: 2^40 steps
        # if each spread were walked again; the guards must answer at once.
        await post(client, "{ viewer { canWrite } }", token=secret)
        started = time.perf_counter()
        response = await post(client, fragment_bomb(40, leaf), token=secret)
        elapsed = time.perf_counter() - started
    body = response.json()
    if refused_with is None:
        assert body == {"data": {"campaign": None}}
    else:
        assert body["errors"][0]["extensions"]["code"] == refused_with
    # Not a speed test: 2^40 steps take hours, a walk linear in the document milliseconds;
    # a generous ceiling tells the two apart on any machine.
    assert elapsed < 10


async def test_a_small_fragment_tree_still_costs_what_it_selects(db: str) -> None:
    await load_hierarchy()
    secret = await token()
    async with http_client() as client:
        response = await post(client, fragment_bomb(3), token=secret)
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["campaign"] is None  # no such campaign: a valid, cheap query


@pytest.mark.parametrize("with_token", [False, True])
async def test_a_huge_list_variable_is_refused_before_coercion(db: str, with_token: bool) -> None:
    await load_hierarchy()
    secret = await token() if with_token else None
    ids = [f"cs-{i}" for i in range(MAX_LIST_ITEMS + 1)]
    query = "query($a: [ID!]) { campaigns(first: 1, filter: {creditSourceIds: $a}) { totalCount } }"
    async with http_client() as client:
        response = await post(client, query, {"a": ids}, token=secret)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == ("LIST_TOO_LONG" if with_token else "UNAUTHENTICATED")
    if with_token:
        assert error["extensions"]["maxListItems"] == MAX_LIST_ITEMS


async def test_a_list_at_the_cap_is_answered(db: str) -> None:
    await load_hierarchy()
    secret = await token()
    ids = [f"cs-{i}" for i in range(MAX_LIST_ITEMS)]
    query = "query($a: [ID!]) { campaigns(first: 1, filter: {creditSourceIds: $a}) { totalCount } }"
    async with http_client() as client:
        response = await post(client, query, {"a": ids}, token=secret)
    assert response.json() == {"data": {"campaigns": {"totalCount": 0}}}


async def test_a_list_nested_deep_in_a_variable_is_found(db: str) -> None:
    await load_hierarchy()
    secret = await token()
    nested: object = list(range(MAX_LIST_ITEMS + 5))
    for _ in range(900):  # deeper than Python's recursion limit allows a recursive walk
        nested = [nested]
    query = "query($a: [ID!]) { campaigns(first: 1, filter: {creditSourceIds: $a}) { totalCount } }"
    async with http_client() as client:
        response = await post(client, query, {"a": nested}, token=secret)
    assert response.json()["errors"][0]["extensions"]["code"] == "LIST_TOO_LONG"


async def test_anonymous_requests_get_only_introspection(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        schema = await post(client, "{ __schema { queryType { name } } }")
        report = await post(client, "{ campaigns { totalCount } }")
        typename = await post(client, "{ __typename viewer { canWrite } }")
    assert schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    for refused in (report, typename):
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert refused.json()["data"] is None


async def test_a_large_anonymous_body_is_refused_unparsed(db: str) -> None:
    async with http_client() as client:
        response = await client.post(
            "/graphql",
            content=b'{"query": "{ __typename }", "variables": {"a": "'
            + b"x" * MAX_ANONYMOUS_BODY_BYTES
            + b'"}}',
            headers={"Content-Type": "application/json"},
        )
        # Not even JSON: refused for its size, so it was never parsed.
        garbage = await client.post(
            "/graphql",
            content=b"[" * (MAX_ANONYMOUS_BODY_BYTES + 1),
            headers={"Content-Type": "application/json"},
        )
    for refused in (response, garbage):
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


YEARS = '{start: "2016-12-01", end: "2026-11-30"}'


@pytest.mark.parametrize(
    "query",
    [
        # Inherited from the report's window: ten years a campaign.
        f"{{ campaigns(first: 178, dateRange: {YEARS}) "
        "{ edges { node { dateBreakdown { date processed } } } } }",
        # Inherited from single campaigns' windows, through a fragment: 20 x 522 weeks.
        "{ "
        + " ".join(
            f'c{i}: campaign(id: "cmp-org", dateRange: {YEARS}) {{ ...D }}' for i in range(20)
        )
        + " } fragment D on Campaign { dateBreakdown { date } }",
    ],
    ids=["report window", "campaign window"],
)
async def test_breakdowns_are_priced_by_their_effective_window(db: str, query: str) -> None:
    await load_hierarchy()
    secret = await token()
    async with http_client() as client:
        response = await post(client, query, token=secret)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY", error
    assert error["extensions"]["cost"] > MAX_COST


async def test_a_breakdown_over_a_short_inherited_window_is_cheap(db: str) -> None:
    await load_hierarchy()
    secret = await token()
    query = (
        '{ campaigns(first: 50, dateRange: {start: "2026-03-01", end: "2026-03-31"}) '
        "{ edges { node { dateBreakdown { date processed } } } } }"
    )
    async with http_client() as client:
        response = await post(client, query, token=secret)
    body = response.json()
    assert "errors" not in body, body


async def test_each_aliased_report_is_priced(db: str) -> None:
    await load_hierarchy()
    secret = await token()

    def reports(count: int) -> str:
        return (
            "{ "
            + " ".join(
                f'r{i}: campaigns(zoneId: "zone-w", first: 0) {{ totals {{ processed }} }}'
                for i in range(count)
            )
            + " }"
        )

    most = (MAX_COST - 1) // (REPORT_COST + 2)
    async with http_client() as client:
        refused = await post(client, reports(most + 1), token=secret)
        answered = await post(client, reports(most), token=secret)
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert "errors" not in answered.json(), answered.json()


async def test_a_response_past_the_row_budget_is_refused_with_a_code(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # All-time breakdowns cannot be priced before they run: the row budget stops them.
    await load_hierarchy()
    await record(
        message("early", sent_at="2020-01-01T10:00:00+05:30"),
        message("late", sent_at="2026-01-01T10:00:00+05:30"),
    )
    secret = await token()
    query = '{ campaign(id: "cmp-org") { dateBreakdown { date } } }'
    async with http_client() as client:
        answered = await post(client, query, token=secret)
        monkeypatch.setattr(context_module, "MAX_RESPONSE_ROWS", 2_000)
        refused = await post(client, query, token=secret)
    days = answered.json()["data"]["campaign"]["dateBreakdown"]
    assert len(days) == 2_193  # zero-filled, 2020-01-01 to 2026-01-01
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert refused.json()["data"] == {"campaign": None}
