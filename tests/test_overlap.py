"""Query.messageOverlap, through the schema, against a direct Python computation over the raw
message rows (by the upstream guest ids) for random messages, windows and scopes; another
organization's messages to guests with the same ids never count."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import combinations
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import connections

from backend.models import Guest, IngestBatch, Message, UsageCell, UsageVisit
from backend.principal import Principal
from backend.usage import e4_to_credits
from tests.factories import ORG, campaign, load_hierarchy, message, record
from tests.graphql_client import execute
from tests.test_flows import SCOPES

PROMO = campaign("cmp-promo", "Spring promo", "SCHEDULED", "ZONE", "zone-w", "SMS", source="cs-sms")
CAMPAIGN_CENTERS = {
    "cmp-org": ["c-pune", "c-mumbai", "c-nyc", "c-goa"],
    "cmp-west": ["c-pune", "c-mumbai"],
    "cmp-nyc": ["c-nyc"],
    "cmp-promo": ["c-pune", "c-mumbai"],
    "cmp-x": ["c-x"],  # the other organization's
}
CAMPAIGNS = sorted(CAMPAIGN_CENTERS)
FIRST_DAY = date(2026, 3, 5)
START = datetime(2026, 3, 5, tzinfo=UTC)

QUERY_OVERLAP = """
query Overlap($dateRange: DateRange!, $zoneId: ID, $centerId: ID, $first: Int) {
  messageOverlap(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId) {
    guests extraMessages extraCredits
    topPairs(first: $first) { campaignA { id } campaignB { id } guests }
  }
}
"""


def _instant(value: Any) -> datetime:
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found.astimezone(UTC)


async def expected_overlap(
    organization: str, centers: frozenset[str] | None, window: tuple[date, date], first: int
) -> dict[str, Any]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT organization_id, campaign_id, center_id, guest_id, business_date, sent_at, "
        "external_id, credits_e4 FROM message"
    )
    days: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        day = row["business_date"]
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        if row["organization_id"] != organization or not window[0] <= day <= window[1]:
            continue
        if centers is not None and row["center_id"] not in centers:
            continue
        days[(row["guest_id"], str(day))].append(row)
    guests: set[str] = set()
    extra_messages = extra_credits = 0
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (guest, _), messages in days.items():
        campaigns = sorted({m["campaign_id"] for m in messages})
        if len(campaigns) < 2:
            continue
        guests.add(guest)
        messages.sort(key=lambda m: (_instant(m["sent_at"]), m["external_id"], m["center_id"]))
        extra_messages += len(messages) - 1
        extra_credits += sum(int(m["credits_e4"]) for m in messages[1:])
        for pair in combinations(campaigns, 2):
            pairs[pair].add(guest)
    top = sorted(pairs.items(), key=lambda item: (-len(item[1]), item[0]))[:first]
    return {
        "guests": len(guests),
        "extraMessages": extra_messages,
        "extraCredits": e4_to_credits(extra_credits),
        "topPairs": [(a, b, len(g)) for (a, b), g in top],
    }


def answered(data: dict[str, Any]) -> dict[str, Any]:
    overlap = data["messageOverlap"]
    return {
        "guests": overlap["guests"],
        "extraMessages": overlap["extraMessages"],
        "extraCredits": Decimal(overlap["extraCredits"]),
        "topPairs": [
            (p["campaignA"]["id"], p["campaignB"]["id"], p["guests"]) for p in overlap["topPairs"]
        ],
    }


async def reset() -> None:
    for model in (Message, Guest, IngestBatch, UsageVisit, UsageCell):
        await model.all().delete()
    if not await connections.get("default").execute_query_dict("SELECT id FROM campaign"):
        await load_hierarchy(campaigns=[PROMO])


messages_strategy = st.lists(
    st.tuples(
        st.sampled_from(CAMPAIGNS),
        st.integers(0, 3),  # which of the campaign's centers
        st.sampled_from(["g-1", "g-2", "g-3"]),
        # Every six hours over four days: many messages to one guest share an instant, and
        # the external id decides which came first.
        st.integers(0, 4 * 4 - 1).map(lambda quarter: quarter * 6),
        st.integers(0, 9),  # a prefix that orders external ids unlike the rows
        st.sampled_from(["PROCESSED", "FAILED", "SKIPPED"]),
        st.sampled_from(["0", "0.1", "1.2345", "2", "7"]),
    ),
    min_size=25,
    max_size=60,
)
windows = st.tuples(st.integers(-1, 4), st.integers(0, 3)).map(
    lambda t: (FIRST_DAY + timedelta(t[0]), FIRST_DAY + timedelta(t[0] + t[1]))
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=messages_strategy,
    window=windows,
    scope=st.sampled_from(SCOPES),
    first=st.sampled_from([1, 2, 10]),
)
async def test_overlap_equals_a_direct_computation(
    db: str,
    rows: list[tuple[str, int, str, int, int, str, str]],
    window: tuple[date, date],
    scope: tuple[Principal, str | None, str | None, frozenset[str] | None],
    first: int,
) -> None:
    await reset()
    batch = []
    for number, (campaign_id, center, guest, hour, prefix, outcome, credits) in enumerate(rows):
        centers = CAMPAIGN_CENTERS[campaign_id]
        batch.append(
            message(
                f"x{prefix}-{number}",
                campaign_id,
                centers[center % len(centers)],
                guest,
                sent_at=(START + timedelta(hours=hour)).isoformat(),
                outcome=outcome,
                credits=credits,
            )
        )
    await record(*batch)
    principal, zone_id, center_id, scope_centers = scope
    variables = {
        "dateRange": {"start": str(window[0]), "end": str(window[1])},
        "zoneId": zone_id,
        "centerId": center_id,
        "first": first,
    }
    got = answered(await execute(QUERY_OVERLAP, variables, principal=principal))
    assert got == await expected_overlap(ORG, scope_centers, window, first)


async def test_the_first_message_of_a_day_is_the_earliest_then_by_external_id(db: str) -> None:
    await load_hierarchy(campaigns=[PROMO])
    # g-1 on 1 March (Asia/Kolkata): cmp-org and cmp-west at the same instant, cmp-promo later.
    # "a" was recorded last but its id comes first: it is the first message; "b" and "c" extra.
    await record(
        message("b", "cmp-org", guest_id="g-1", credits="2"),
        message("c", "cmp-promo", "c-mumbai", "g-1", "2026-03-01T18:00:00+05:30", credits="3"),
        message("a", "cmp-west", guest_id="g-1", credits="5"),
        # g-2 got two messages from one campaign that day: no overlap.
        message("d", "cmp-org", guest_id="g-2"),
        message("e", "cmp-org", guest_id="g-2", sent_at="2026-03-01T11:00:00+05:30"),
        # g-3 got cmp-org and cmp-west on different days: no overlap either.
        message("f", "cmp-org", guest_id="g-3"),
        message("g", "cmp-west", guest_id="g-3", sent_at="2026-03-02T10:00:00+05:30"),
    )
    variables = {"dateRange": {"start": "2026-03-01", "end": "2026-03-02"}, "first": 10}
    data = await execute(QUERY_OVERLAP, variables, principal=Principal(ORG))
    assert answered(data) == {
        "guests": 1,
        "extraMessages": 2,
        "extraCredits": Decimal(5),
        "topPairs": [
            ("cmp-org", "cmp-promo", 1),
            ("cmp-org", "cmp-west", 1),
            ("cmp-promo", "cmp-west", 1),
        ],
    }
    # An explicit null is the default, ten pairs; one asks for the first pair only.
    variables["first"] = None
    data = await execute(QUERY_OVERLAP, variables, principal=Principal(ORG))
    assert len(data["messageOverlap"]["topPairs"]) == 3
    variables["first"] = 1
    data = await execute(QUERY_OVERLAP, variables, principal=Principal(ORG))
    assert answered(data)["topPairs"] == [("cmp-org", "cmp-promo", 1)]
    # The window ends before the overlap's day: nothing.
    variables["dateRange"] = {"start": "2026-02-28", "end": "2026-02-28"}
    data = await execute(QUERY_OVERLAP, variables, principal=Principal(ORG))
    assert data["messageOverlap"]["guests"] == 0
    assert data["messageOverlap"]["topPairs"] == []
