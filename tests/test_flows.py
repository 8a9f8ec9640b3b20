"""Where credits go: the connection's byChannel, byCreditSource, dateBreakdown and
previousPeriod, through the schema, must equal a direct computation over the raw message rows
(by the upstream guest ids) for random messages, windows, filters and scopes, whether the
engine's arrays answer or SQL does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import connections

from backend.engine.store import UsageStore
from backend.models import Guest, IngestBatch, Message, UsageCell, UsageVisit
from backend.principal import Principal
from backend.usage import e4_to_credits
from tests.factories import ORG, campaign, load_hierarchy, message, record
from tests.graphql_client import execute

# cmp-org SMS/cs-ao (every center), cmp-west WhatsApp/cs-ao (zone-w), cmp-nyc Email/cs-sms
# (c-nyc), and cmp-promo SMS/cs-sms (zone-w): each channel and source but two has two campaigns.
PROMO = campaign("cmp-promo", "Spring promo", "SCHEDULED", "ZONE", "zone-w", "SMS", source="cs-sms")
CAMPAIGN_CENTERS = {
    "cmp-org": ["c-pune", "c-mumbai", "c-nyc", "c-goa"],
    "cmp-west": ["c-pune", "c-mumbai"],
    "cmp-nyc": ["c-nyc"],
    "cmp-promo": ["c-pune", "c-mumbai"],
}
CHANNEL = {"cmp-org": "SMS", "cmp-west": "WHATSAPP", "cmp-nyc": "EMAIL", "cmp-promo": "SMS"}
SOURCE = {"cmp-org": "cs-ao", "cmp-west": "cs-ao", "cmp-nyc": "cs-sms", "cmp-promo": "cs-sms"}
SOURCE_NAMES = {"cs-ao": "Always-On credits", "cs-sms": "SMS credits"}
CAMPAIGNS = sorted(CAMPAIGN_CENTERS)
FIRST_DAY = date(2026, 3, 5)
START = datetime(2026, 3, 5, tzinfo=UTC)
ZONE_W = frozenset({"c-pune", "c-mumbai"})

QUERY_FLOW = """
query Flow($dateRange: DateRange, $zoneId: ID, $centerId: ID, $filter: CampaignFilter) {
  campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId, filter: $filter,
            first: 1) {
    totals { targetedGuests processed creditsConsumed }
    byChannel { channel targetedGuests processed creditsConsumed }
    byCreditSource { creditSource { id name } targetedGuests processed creditsConsumed }
    dateBreakdown { date targetedGuests processed creditsConsumed }
    previousPeriod { targetedGuests processed creditsConsumed }
  }
}
"""


@dataclass(frozen=True)
class Row:
    campaign_id: str
    center_id: str
    guest_id: str
    day: date
    processed: bool
    credits_e4: int


Numbers = tuple[int, int, Decimal]


def numbers(rows: Iterable[Row]) -> Numbers:
    chosen = list(rows)
    return (
        len({r.guest_id for r in chosen}),
        sum(r.processed for r in chosen),
        e4_to_credits(sum(r.credits_e4 for r in chosen)),
    )


def read(node: dict[str, Any]) -> Numbers:
    return node["targetedGuests"], node["processed"], Decimal(node["creditsConsumed"])


async def raw_rows() -> list[Row]:
    found = await connections.get("default").execute_query_dict(
        "SELECT campaign_id, center_id, guest_id, business_date, outcome, credits_e4 FROM message"
    )
    return [
        Row(
            r["campaign_id"],
            r["center_id"],
            r["guest_id"],
            r["business_date"]
            if isinstance(r["business_date"], date)
            else date.fromisoformat(str(r["business_date"])),
            r["outcome"] == "PROCESSED",
            int(r["credits_e4"]),
        )
        for r in found
    ]


def expected_flow(
    rows: list[Row],
    campaigns: set[str],
    centers: frozenset[str] | None,
    window: tuple[date, date] | None,
) -> dict[str, Any]:
    """Straight from the rows: what each field of QUERY_FLOW must hold."""

    def chosen(span: tuple[date, date] | None) -> list[Row]:
        return [
            r
            for r in rows
            if r.campaign_id in campaigns
            and (centers is None or r.center_id in centers)
            and (span is None or span[0] <= r.day <= span[1])
        ]

    current = chosen(window)

    def split(key: Callable[[Row], str]) -> list[tuple[str, Numbers]]:
        groups: dict[str, list[Row]] = {}
        for row in current:
            groups.setdefault(key(row), []).append(row)
        found = [(k, numbers(g)) for k, g in groups.items()]
        return sorted(found, key=lambda item: (-item[1][2], item[0]))

    days: list[tuple[date, Numbers]] = []
    span = window or (
        (min(r.day for r in current), max(r.day for r in current)) if current else None
    )
    if span is not None:
        day = span[0]
        while day <= span[1]:
            days.append((day, numbers(r for r in current if r.day == day)))
            day += timedelta(days=1)
    previous = None
    if window is not None:
        length = (window[1] - window[0]).days + 1
        before = (window[0] - timedelta(days=length), window[0] - timedelta(days=1))
        previous = numbers(chosen(before))
    return {
        "totals": numbers(current),
        "byChannel": split(lambda r: CHANNEL[r.campaign_id]),
        "byCreditSource": split(lambda r: SOURCE[r.campaign_id]),
        "dateBreakdown": days,
        "previousPeriod": previous,
    }


def answered(data: dict[str, Any]) -> dict[str, Any]:
    connection = data["campaigns"]
    previous = connection["previousPeriod"]
    return {
        "totals": read(connection["totals"]),
        "byChannel": [(r["channel"], read(r)) for r in connection["byChannel"]],
        "byCreditSource": [
            (r["creditSource"]["id"], read(r)) for r in connection["byCreditSource"]
        ],
        "dateBreakdown": [
            (date.fromisoformat(r["date"]), read(r)) for r in connection["dateBreakdown"]
        ],
        "previousPeriod": None if previous is None else read(previous),
    }


@pytest.fixture(params=["arrays", "sql"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The engine's arrays answer, or (as for a campaign they cannot hold) SQL does."""
    if request.param == "sql":

        async def no_arrays(self: UsageStore, campaign_ids: Any) -> None:
            return None

        monkeypatch.setattr(UsageStore, "usages", no_arrays)
    return str(request.param)


async def reset() -> None:
    for model in (Message, Guest, IngestBatch, UsageVisit, UsageCell):
        await model.all().delete()
    # Rows deleted behind the ledger's back: move the versions as a void would.
    await connections.get("default").execute_query(
        "UPDATE campaign SET ledger_version = ledger_version + 1"
    )
    if not await connections.get("default").execute_query_dict("SELECT id FROM campaign"):
        await load_hierarchy(campaigns=[PROMO])


# (principal, zoneId, centerId, the centers that leaves)
SCOPES = [
    (Principal(ORG), None, None, None),
    (Principal(ORG), "zone-us", None, frozenset({"c-nyc"})),
    (Principal(ORG), None, "c-pune", frozenset({"c-pune"})),
    (Principal(ORG, zone_id="zone-w"), None, None, ZONE_W),
    (Principal(ORG, zone_id="zone-w"), None, "c-mumbai", frozenset({"c-mumbai"})),
    (Principal(ORG, center_id="c-nyc"), None, None, frozenset({"c-nyc"})),
]
FILTERS: list[tuple[dict[str, Any] | None, set[str]]] = [
    (None, set(CAMPAIGNS)),
    ({"channels": ["SMS"]}, {"cmp-org", "cmp-promo"}),
    ({"creditSourceIds": ["cs-sms"]}, {"cmp-nyc", "cmp-promo"}),
    # Activity is judged in the window; the splits of active campaigns are those of all.
    ({"withActivity": True}, set(CAMPAIGNS)),
]

messages_strategy = st.lists(
    st.tuples(
        st.sampled_from(CAMPAIGNS),
        st.integers(0, 3),  # which of the campaign's centers
        st.sampled_from(["g-1", "g-2", "g-3", "g-4"]),
        st.integers(0, 4 * 24 - 1),  # hour within four days, over New York's DST change
        st.sampled_from(["PROCESSED", "FAILED", "SKIPPED"]),
        st.sampled_from(["0", "0.1", "1.2345", "2", "7"]),
    ),
    # Dense enough that guests meet several campaigns on one day.
    min_size=10,
    max_size=50,
)
windows = st.one_of(
    st.none(),
    st.tuples(st.integers(-2, 5), st.integers(0, 3)).map(
        lambda t: (FIRST_DAY + timedelta(t[0]), FIRST_DAY + timedelta(t[0] + t[1]))
    ),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=messages_strategy,
    window=windows,
    scope=st.sampled_from(SCOPES),
    filtered=st.sampled_from(FILTERS),
)
async def test_flow_equals_a_direct_computation(
    db: str,
    engine: str,
    rows: list[tuple[str, int, str, int, str, str]],
    window: tuple[date, date] | None,
    scope: tuple[Principal, str | None, str | None, frozenset[str] | None],
    filtered: tuple[dict[str, Any] | None, set[str]],
) -> None:
    await reset()
    batch = []
    for number, (campaign_id, center, guest, hour, outcome, credits) in enumerate(rows):
        centers = CAMPAIGN_CENTERS[campaign_id]
        sent = (START + timedelta(hours=hour)).isoformat()
        batch.append(
            message(
                f"m-{number}",
                campaign_id,
                centers[center % len(centers)],
                guest,
                sent_at=sent,
                outcome=outcome,
                credits=credits,
            )
        )
    principal, zone_id, center_id, scope_centers = scope
    variables: dict[str, Any] = {"zoneId": zone_id, "centerId": center_id, "filter": filtered[0]}
    if window is not None:
        variables["dateRange"] = {"start": str(window[0]), "end": str(window[1])}
    # In two batches with a report between them, so the arrays built on the first must
    # follow the second.
    half = len(batch) // 2
    await record(*batch[:half])
    await execute(QUERY_FLOW, variables, principal=principal)
    await record(*batch[half:])

    got = answered(await execute(QUERY_FLOW, variables, principal=principal))
    expected = expected_flow(await raw_rows(), filtered[1], scope_centers, window)
    assert got == expected
