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

from backend.api.context import Context
from backend.api.schema import schema
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
    principal, zone_id, center_id, centers = scope
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
    expected = expected_flow(await raw_rows(), filtered[1], centers, window)
    assert got == expected


async def seed_march() -> None:
    """1 Mar: g-1 by cmp-org (2) and cmp-west (0.8) at Pune, g-2 by cmp-org FAILED (1);
    3 Mar: g-1 by cmp-promo at Mumbai (0.5); 28 Feb: g-3 by cmp-org (4); cmp-nyc in New York
    on 2 Mar (its own calendar): g-1 (1)."""
    await load_hierarchy(campaigns=[PROMO])
    await record(
        message("a", "cmp-org", guest_id="g-1", credits="2"),
        message("b", "cmp-west", guest_id="g-1", credits="0.8"),
        message("c", "cmp-org", guest_id="g-2", outcome="FAILED", credits="1"),
        message("d", "cmp-promo", "c-mumbai", "g-1", "2026-03-03T09:00:00+05:30", credits="0.5"),
        message("e", "cmp-org", guest_id="g-3", sent_at="2026-02-28T10:00:00+05:30", credits="4"),
        message("f", "cmp-nyc", "c-nyc", "g-1", "2026-03-02T23:30:00-05:00", credits="1"),
    )


async def flow(
    window: tuple[str, str] | None, principal: Principal | None = None, **more: Any
) -> dict[str, Any]:
    variables: dict[str, Any] = dict(more)
    if window is not None:
        variables["dateRange"] = {"start": window[0], "end": window[1]}
    return answered(await execute(QUERY_FLOW, variables, principal=principal or Principal(ORG)))


async def test_date_breakdown_is_zero_filled_and_counts_a_guest_once_a_day(db: str) -> None:
    await seed_march()
    got = await flow(("2026-03-01", "2026-03-05"))
    assert got["dateBreakdown"] == [
        (date(2026, 3, 1), (2, 2, Decimal("3.8"))),  # g-1 reached by two campaigns: once
        (date(2026, 3, 2), (1, 1, Decimal("1"))),
        (date(2026, 3, 3), (1, 1, Decimal("0.5"))),
        (date(2026, 3, 4), (0, 0, Decimal(0))),
        (date(2026, 3, 5), (0, 0, Decimal(0))),
    ]
    assert got["byChannel"] == [
        ("SMS", (2, 2, Decimal("3.5"))),  # cmp-org and cmp-promo: g-1 once
        ("EMAIL", (1, 1, Decimal("1"))),
        ("WHATSAPP", (1, 1, Decimal("0.8"))),
    ]
    assert got["byCreditSource"] == [
        ("cs-ao", (2, 2, Decimal("3.8"))),
        ("cs-sms", (1, 2, Decimal("1.5"))),
    ]
    # Without a window: first to last date with messages.
    everything = await flow(None)
    assert [d for d, _ in everything["dateBreakdown"]] == [
        date(2026, 2, 28) + timedelta(days=i) for i in range(4)
    ]
    assert everything["previousPeriod"] is None


async def test_previous_period_is_the_window_of_the_same_length_just_before(db: str) -> None:
    await seed_march()
    # 2-3 March (two days): the previous period is 28 Feb-1 Mar.
    got = await flow(("2026-03-02", "2026-03-03"))
    assert got["previousPeriod"] == (3, 3, Decimal("7.8"))
    assert got["totals"] == (1, 2, Decimal("1.5"))
    # One day, 1 March: the previous period is 28 February alone.
    assert (await flow(("2026-03-01", "2026-03-01")))["previousPeriod"] == (1, 1, Decimal(4))
    # Filters and scope apply to it as to the window.
    west = await flow(("2026-03-02", "2026-03-03"), Principal(ORG, zone_id="zone-w"))
    assert west["previousPeriod"] == (3, 3, Decimal("7.8"))
    nyc = await flow(("2026-03-02", "2026-03-03"), Principal(ORG, center_id="c-nyc"))
    assert nyc["previousPeriod"] == (0, 0, Decimal(0))
    assert nyc["totals"] == (1, 1, Decimal(1))
    email = await flow(("2026-03-02", "2026-03-03"), filter={"channels": ["EMAIL"]})
    assert email["previousPeriod"] == (0, 0, Decimal(0))
    assert email["totals"] == (1, 1, Decimal(1))


async def test_a_center_principal_sees_only_its_center(db: str) -> None:
    await seed_march()
    got = await flow(("2026-03-01", "2026-03-03"), Principal(ORG, center_id="c-mumbai"))
    assert got["byChannel"] == [("SMS", (1, 1, Decimal("0.5")))]
    assert got["byCreditSource"] == [("cs-sms", (1, 1, Decimal("0.5")))]
    assert [n for _, n in got["dateBreakdown"]] == [
        (0, 0, Decimal(0)),
        (0, 0, Decimal(0)),
        (1, 1, Decimal("0.5")),
    ]
    # Another zone's center is answered as one that does not exist.
    result = await schema_error(Principal(ORG, center_id="c-mumbai"), centerId="c-nyc")
    assert result == await schema_error(Principal(ORG, center_id="c-mumbai"), centerId="c-none")


async def schema_error(principal: Principal, **variables: Any) -> tuple[str, str]:
    result = await schema.execute(
        QUERY_FLOW,
        variable_values=variables,
        context_value=Context(request=None, response=None, principal=principal),
    )
    assert result.errors
    error = result.errors[0]
    code = getattr(error.original_error, "code", "")
    return str(code), error.message.replace(variables.get("centerId", ""), "?")


async def test_an_all_time_span_longer_than_a_window_may_be_is_refused(db: str) -> None:
    await seed_march()
    await record(message("old", guest_id="g-9", sent_at="2012-01-01T10:00:00+05:30"))
    result = await schema.execute(
        "{ campaigns { dateBreakdown { date } } }",
        context_value=Context(request=None, response=None, principal=Principal(ORG)),
    )
    assert result.errors
    assert getattr(result.errors[0].original_error, "code", "") == "DATE_RANGE_TOO_LONG"
