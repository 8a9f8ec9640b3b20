"""The cost limit prices the connection's fields over every matched campaign once per
connection (not per campaign of the page), and messageOverlap by its window: expensive
combinations are refused with QUERY_TOO_COSTLY before anything runs; windows are bounded."""

from __future__ import annotations

from typing import Any

import pytest

from backend.api.limits import MAX_COST, OVERLAP_COST, REPORT_COST
from backend.reports import MAX_WINDOW_DAYS
from tests.factories import load_hierarchy, message, record, token
from tests.graphql_client import http_client, post

TEN_YEARS = '{start: "2016-01-01", end: "2025-12-31"}'  # 3,653 days, 522 weeks
FLOW = (
    "totals { creditsConsumed } byChannel { channel creditsConsumed } "
    "byCreditSource { creditSource { name } creditsConsumed } "
    "dateBreakdown { date creditsConsumed } previousPeriod { creditsConsumed }"
)


async def ask(query: str) -> dict[str, Any]:
    secret = await token()
    async with http_client() as client:
        response = await post(client, query, token=secret)
    body: dict[str, Any] = response.json()
    return body


def code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else None


async def test_the_flow_beside_a_full_page_is_answered(db: str) -> None:
    # Were the flow's fields priced per campaign of the page, 200 campaigns would cost
    # 200 x 2,000 points.
    await load_hierarchy()
    await record(message("a"))
    body = await ask(
        f'{{ campaigns(first: 200, dateRange: {{start: "2026-01-01", end: "2026-12-31"}}) '
        f"{{ {FLOW} edges {{ node {{ id creditSource {{ name }} }} }} }} }}"
    )
    assert "errors" not in body, body
    assert len(body["data"]["campaigns"]["dateBreakdown"]) == 365


async def test_each_aliased_split_is_priced(db: str) -> None:
    await load_hierarchy()

    def splits(count: int) -> str:
        fields = " ".join(f"s{i}: byChannel {{ channel }}" for i in range(count))
        return f"{{ campaigns(first: 1) {{ {fields} }} }}"

    most = (MAX_COST - REPORT_COST) // REPORT_COST
    assert code(await ask(splits(most + 1))) == "QUERY_TOO_COSTLY"
    assert code(await ask(splits(most))) is None


@pytest.mark.parametrize(
    "query",
    [
        # Ten connections, each with a ten-year day-by-day flow: 10 x (500 + 500 + 522).
        "{ "
        + " ".join(
            f"c{i}: campaigns(first: 0, dateRange: {TEN_YEARS}) {{ dateBreakdown {{ date }} }}"
            for i in range(10)
        )
        + " }",
        # The same through a fragment spread into each connection.
        "{ "
        + " ".join(
            f"c{i}: campaigns(first: 0, dateRange: {TEN_YEARS}) {{ ...F }}" for i in range(7)
        )
        + " } fragment F on CampaignConnection { byChannel { channel } byCreditSource "
        "{ creditSource { id } } previousPeriod { processed } }",
        # Three overlaps over ten years: 3 x (500 + 3,653).
        "{ "
        + " ".join(f"o{i}: messageOverlap(dateRange: {TEN_YEARS}) {{ guests }}" for i in range(3))
        + " }",
        # 200 pairs, each campaign with its breakdown over the overlap's ten years.
        f"{{ messageOverlap(dateRange: {TEN_YEARS}) {{ topPairs(first: 200) "
        "{ campaignA { dateBreakdown { date } } guests } } }",
    ],
    ids=["connection breakdowns", "fragments", "overlaps", "pairs with breakdowns"],
)
async def test_expensive_combinations_are_refused(db: str, query: str) -> None:
    await load_hierarchy()
    body = await ask(query)
    assert code(body) == "QUERY_TOO_COSTLY", body
    assert body["errors"][0]["extensions"]["cost"] > MAX_COST


async def test_one_overlap_over_the_longest_window_is_answered(db: str) -> None:
    await load_hierarchy()
    assert OVERLAP_COST + MAX_WINDOW_DAYS < MAX_COST
    body = await ask(
        f"{{ messageOverlap(dateRange: {TEN_YEARS}) {{ guests topPairs {{ guests }} }} }}"
    )
    assert body == {"data": {"messageOverlap": {"guests": 0, "topPairs": []}}}


@pytest.mark.parametrize(
    ("date_range", "expected"),
    [
        ('{start: "2016-01-01", end: "2026-01-10"}', "DATE_RANGE_TOO_LONG"),
        ('{start: "2026-03-02", end: "2026-03-01"}', "INVALID_DATE_RANGE"),
    ],
)
async def test_overlap_windows_are_bounded(db: str, date_range: str, expected: str) -> None:
    await load_hierarchy()
    assert code(await ask(f"{{ messageOverlap(dateRange: {date_range}) {{ guests }} }}")) == (
        expected
    )


async def test_more_pairs_than_a_page_holds_is_an_error(db: str) -> None:
    await load_hierarchy()
    body = await ask(
        '{ messageOverlap(dateRange: {start: "2026-03-01", end: "2026-03-02"}) '
        "{ topPairs(first: 201) { guests } } }"
    )
    assert code(body) == "PAGE_SIZE_TOO_LARGE"
