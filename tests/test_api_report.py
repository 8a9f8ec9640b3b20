"""The numbers of §3 through the schema, on small hand-computed fixtures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backend.principal import Principal
from tests.factories import ORG, load_hierarchy, message, record
from tests.graphql_client import execute

ORG_PRINCIPAL = Principal(ORG)

QUERY_REPORT = """
query Report($dateRange: DateRange, $zoneId: ID, $centerId: ID, $filter: CampaignFilter,
             $orderBy: CampaignOrder, $first: Int, $after: String) {
  campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId, filter: $filter,
            orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name type createdFrom channel status creditSource { id name }
      targetedGuests processed creditsConsumed
    } }
  }
}
"""

QUERY_DRILLDOWNS = """
query Drilldowns($id: ID!, $dateRange: DateRange, $own: DateRange) {
  campaign(id: $id, dateRange: $dateRange) {
    targetedGuests processed creditsConsumed
    centerBreakdown { center { id name } targetedGuests processed creditsConsumed }
    dateBreakdown(dateRange: $own) { date targetedGuests processed creditsConsumed }
  }
}
"""


async def seed_march() -> None:
    """cmp-org in March 2026 (Asia/Kolkata centers):
    1 Mar  pune   g-1 PROCESSED 2      | pune  g-2 FAILED 1
    2 Mar  pune   g-1 PROCESSED 2      | mumbai g-1 SKIPPED 0
    4 Mar  mumbai g-3 PROCESSED 0.5
    cmp-west on 1 Mar: pune g-1 PROCESSED 0.8
    """
    await load_hierarchy()
    await record(
        message("a", guest_id="g-1", credits="2"),
        message("b", guest_id="g-2", outcome="FAILED", credits="1"),
        message("c", guest_id="g-1", sent_at="2026-03-02T09:00:00+05:30", credits="2"),
        message(
            "d",
            center_id="c-mumbai",
            guest_id="g-1",
            sent_at="2026-03-02T09:00:00+05:30",
            outcome="SKIPPED",
            credits="0",
        ),
        message(
            "e",
            center_id="c-mumbai",
            guest_id="g-3",
            sent_at="2026-03-04T09:00:00+05:30",
            credits="0.5",
        ),
        message("f", campaign_id="cmp-west", guest_id="g-1", credits="0.8"),
    )


def numbers(node: dict[str, Any]) -> tuple[int, int, Decimal]:
    return node["targetedGuests"], node["processed"], Decimal(node["creditsConsumed"])


async def test_campaign_numbers_and_totals(db: str) -> None:
    await seed_march()
    data = await execute(QUERY_REPORT, principal=ORG_PRINCIPAL)
    nodes = {e["node"]["id"]: e["node"] for e in data["campaigns"]["edges"]}
    assert numbers(nodes["cmp-org"]) == (3, 3, Decimal("5.5"))
    assert numbers(nodes["cmp-west"]) == (1, 1, Decimal("0.8"))
    assert numbers(nodes["cmp-nyc"]) == (0, 0, Decimal(0))
    # g-1 is reached by both campaigns and counts once in the totals.
    assert numbers(data["campaigns"]["totals"]) == (3, 4, Decimal("6.3"))
    assert data["campaigns"]["totalCount"] == 3
    assert nodes["cmp-org"]["creditSource"] == {"id": "cs-ao", "name": "Always-On credits"}


async def test_the_window_limits_every_number(db: str) -> None:
    await seed_march()
    window = {"start": "2026-03-02", "end": "2026-03-03"}
    data = await execute(QUERY_REPORT, {"dateRange": window}, principal=ORG_PRINCIPAL)
    nodes = {e["node"]["id"]: e["node"] for e in data["campaigns"]["edges"]}
    assert numbers(nodes["cmp-org"]) == (1, 1, Decimal("2"))
    assert numbers(nodes["cmp-west"]) == (0, 0, Decimal(0))


async def test_center_breakdown_counts_distinct_guests_per_center(db: str) -> None:
    await seed_march()
    data = await execute(QUERY_DRILLDOWNS, {"id": "cmp-org"}, principal=ORG_PRINCIPAL)
    rows = [(r["center"]["id"], *numbers(r)) for r in data["campaign"]["centerBreakdown"]]
    # g-1 is at both centers: the rows add up to 4 guests, the campaign has 3.
    assert rows == [
        ("c-pune", 2, 2, Decimal("5")),
        ("c-mumbai", 2, 1, Decimal("0.5")),
    ]
    assert numbers(data["campaign"]) == (3, 3, Decimal("5.5"))


async def test_date_breakdown_is_zero_filled_and_counts_guests_per_day(db: str) -> None:
    await seed_march()
    data = await execute(QUERY_DRILLDOWNS, {"id": "cmp-org"}, principal=ORG_PRINCIPAL)
    rows = [(r["date"], *numbers(r)) for r in data["campaign"]["dateBreakdown"]]
    assert rows == [
        ("2026-03-01", 2, 1, Decimal("3")),
        ("2026-03-02", 1, 1, Decimal("2")),
        ("2026-03-03", 0, 0, Decimal("0")),
        ("2026-03-04", 1, 1, Decimal("0.5")),
    ]


async def test_a_breakdown_window_overrides_the_inherited_one(db: str) -> None:
    await seed_march()
    variables = {
        "id": "cmp-org",
        "dateRange": {"start": "2026-03-01", "end": "2026-03-01"},
        "own": {"start": "2026-02-28", "end": "2026-03-02"},
    }
    data = await execute(QUERY_DRILLDOWNS, variables, principal=ORG_PRINCIPAL)
    assert numbers(data["campaign"]) == (2, 1, Decimal("3"))
    assert [r["date"] for r in data["campaign"]["dateBreakdown"]] == [
        "2026-02-28",
        "2026-03-01",
        "2026-03-02",
    ]
    assert [r["center"]["id"] for r in data["campaign"]["centerBreakdown"]] == ["c-pune"]


async def test_narrowing_to_a_center_restricts_every_number(db: str) -> None:
    await seed_march()
    data = await execute(QUERY_REPORT, {"centerId": "c-mumbai"}, principal=ORG_PRINCIPAL)
    nodes = {e["node"]["id"]: e["node"] for e in data["campaigns"]["edges"]}
    assert set(nodes) == {"cmp-org", "cmp-west"}  # cmp-nyc does not reach Mumbai
    assert numbers(nodes["cmp-org"]) == (2, 1, Decimal("0.5"))


FILTERS = [
    ({"channels": ["WHATSAPP"]}, ["cmp-west"]),
    ({"types": ["SCHEDULED"]}, ["cmp-nyc"]),
    ({"createdFrom": ["ZONE", "CENTER"]}, ["cmp-west", "cmp-nyc"]),
    ({"statuses": ["PROCESSED"]}, ["cmp-nyc"]),
    ({"creditSourceIds": ["cs-sms"]}, ["cmp-nyc"]),
    ({"nameContains": "BIRTH"}, ["cmp-org"]),
    ({"withActivity": True}, ["cmp-org", "cmp-west"]),
]


@pytest.mark.parametrize(("filter_", "expected"), FILTERS)
async def test_filters(db: str, filter_: dict[str, Any], expected: list[str]) -> None:
    await seed_march()
    data = await execute(QUERY_REPORT, {"filter": filter_}, principal=ORG_PRINCIPAL)
    assert [e["node"]["id"] for e in data["campaigns"]["edges"]] == expected
    assert data["campaigns"]["totalCount"] == len(expected)


async def test_default_order_is_credits_descending(db: str) -> None:
    await seed_march()
    data = await execute(QUERY_REPORT, principal=ORG_PRINCIPAL)
    assert [e["node"]["id"] for e in data["campaigns"]["edges"]] == [
        "cmp-org",
        "cmp-west",
        "cmp-nyc",
    ]


ORDER_FIELDS = [
    "NAME",
    "TYPE",
    "CREATED_FROM",
    "TARGETED_GUESTS",
    "PROCESSED",
    "CREDITS_CONSUMED",
    "CHANNEL",
    "CREDIT_SOURCE",
    "STATUS",
]


@pytest.mark.parametrize("field", ORDER_FIELDS)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_paging_visits_every_campaign_once_under_each_order(
    db: str, field: str, direction: str
) -> None:
    await load_hierarchy(
        campaigns=[
            {
                "id": f"cmp-{i:02}",
                "organizationId": ORG,
                "name": f"Campaign {i % 4}",
                "type": "ALWAYS_ON",
                "createdFrom": "ORGANIZATION",
                "ownerId": ORG,
                "channel": ["SMS", "EMAIL"][i % 2],
                "creditSourceId": "cs-ao",
                "status": "LIVE",
            }
            for i in range(9)
        ]
    )
    await record(
        *(
            message(f"m-{i}", campaign_id=f"cmp-{i:02}", guest_id=f"g-{i % 3}", credits=str(i % 3))
            for i in range(9)
        )
    )
    seen: list[str] = []
    after = None
    order = {"field": field, "direction": direction}
    while True:
        data = await execute(
            QUERY_REPORT, {"orderBy": order, "first": 2, "after": after}, principal=ORG_PRINCIPAL
        )
        page = data["campaigns"]
        seen += [e["node"]["id"] for e in page["edges"]]
        assert len(page["edges"]) <= 2
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    full = await execute(QUERY_REPORT, {"orderBy": order, "first": 200}, principal=ORG_PRINCIPAL)
    assert seen == [e["node"]["id"] for e in full["campaigns"]["edges"]]
    assert sorted(seen) == sorted({*seen}) and len(seen) == 12


async def test_one_campaign_narrowed_to_a_center(db: str) -> None:
    await seed_march()
    query = """query($id: ID!, $centerId: ID) { campaign(id: $id, centerId: $centerId) {
        targetedGuests processed creditsConsumed centerBreakdown { center { id } } } }"""
    data = await execute(query, {"id": "cmp-org", "centerId": "c-mumbai"}, principal=ORG_PRINCIPAL)
    assert numbers(data["campaign"]) == (2, 1, Decimal("0.5"))
    assert [r["center"]["id"] for r in data["campaign"]["centerBreakdown"]] == ["c-mumbai"]
    data = await execute(query, {"id": "cmp-nyc", "centerId": "c-mumbai"}, principal=ORG_PRINCIPAL)
    assert data["campaign"] is None
