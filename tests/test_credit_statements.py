"""Statements reconcile exactly (§9) and read the report's own numbers: on random messages and
transactions, closing = opening + purchased + granted + adjusted + expired - consumed, each
day's closing is the next day's opening, `consumed` is the report's creditsConsumed for the
window, and every figure equals a direct computation over the raw rows."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import connections

from backend.accounts import consumption as consumption_module
from backend.accounts.consumption import consumption
from backend.accounts.statements import account_of, statement
from backend.accounts.transactions import record_transactions
from backend.hierarchy import load_hierarchy as hierarchy_of
from backend.models import CreditTransaction, Guest, IngestBatch, Message, UsageCell, UsageVisit
from backend.principal import Principal
from backend.reports import DateWindow
from tests.factories import ORG, load_hierarchy, message, record
from tests.graphql_client import execute

START = datetime(2026, 3, 5, tzinfo=UTC)
FIRST_DAY = date(2026, 3, 5)
KOLKATA = ZoneInfo("Asia/Kolkata")
# The accounts of tests/factories.py: cs-ao pays for cmp-org (SMS) and cmp-west (WhatsApp),
# cs-sms for cmp-nyc (Email, New York).
CAMPAIGN_CENTERS = {"cmp-org": ["c-pune", "c-nyc"], "cmp-west": ["c-mumbai"], "cmp-nyc": ["c-nyc"]}
KIND_SIGNS = {"PURCHASE": 1, "GRANT": 1, "EXPIRY": -1, "ADJUSTMENT": -1}

messages = st.lists(
    st.tuples(
        st.sampled_from(sorted(CAMPAIGN_CENTERS)),
        st.integers(0, 1),
        st.integers(0, 8 * 24 - 1),  # hour within eight days
        st.sampled_from(["0", "0.1", "1.2345", "7"]),
    ),
    max_size=25,
)
transactions = st.lists(
    st.tuples(
        st.sampled_from(["cs-ao", "cs-sms"]),
        st.sampled_from(sorted(KIND_SIGNS)),
        st.integers(0, 8 * 24 - 1),
        st.sampled_from(["0.0001", "3", "12.5", "40"]),
        st.booleans(),  # an adjustment's sign
    ),
    max_size=12,
)
windows = st.tuples(st.integers(-1, 7), st.integers(0, 5)).map(
    lambda t: DateWindow(FIRST_DAY + timedelta(t[0]), FIRST_DAY + timedelta(t[0] + t[1]))
)

STATEMENT = """
query($source: ID!, $window: DateRange!) {
  creditAccount(creditSourceId: $source) {
    statement(dateRange: $window) {
      openingBalance purchased granted adjusted expired consumed closingBalance
      consumedByChannel { channel credits }
      consumedByCampaign { campaign { id creditsConsumed } credits }
      days { date opening credited consumed closing }
    }
  }
}
"""
REPORT = """
query($window: DateRange!, $sources: [ID!]) {
  campaigns(dateRange: $window, filter: {creditSourceIds: $sources}) {
    totals { creditsConsumed }
  }
}
"""


async def _fresh() -> None:
    for model in (Message, Guest, IngestBatch, CreditTransaction, UsageVisit, UsageCell):
        await model.all().delete()
    # Deleted behind the ledger's back: move the versions as a void would.
    await connections.get("default").execute_query(
        "UPDATE campaign SET ledger_version = ledger_version + 1"
    )
    if not await connections.get("default").execute_query_dict("SELECT id FROM campaign"):
        await load_hierarchy()


def _when(hour: int) -> datetime:
    return START + timedelta(hours=hour)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=messages, moved=transactions, window=windows)
async def test_statements_reconcile_on_random_data(
    db: str,
    sent: list[tuple[str, int, int, str]],
    moved: list[tuple[str, str, int, str, bool]],
    window: DateWindow,
) -> None:
    await _fresh()
    half = len(sent) // 2
    batch = [
        message(
            f"m-{n}",
            campaign,
            CAMPAIGN_CENTERS[campaign][center % len(CAMPAIGN_CENTERS[campaign])],
            f"g-{n % 3}",
            sent_at=_when(hour).isoformat(),
            credits=credits,
        )
        for n, (campaign, center, hour, credits) in enumerate(sent)
    ]
    await record(*batch[:half])  # the index is built between the two halves
    await statement(await _account("cs-ao"), window)
    await record(*batch[half:])
    rows = [
        {
            "externalId": f"t-{n}",
            "creditSourceId": source,
            "kind": kind,
            "credits": ("-" if KIND_SIGNS[kind] < 0 and not (kind == "ADJUSTMENT" and up) else "")
            + credits,
            "occurredAt": _when(hour).isoformat(),
        }
        for n, (source, kind, hour, credits, up) in enumerate(moved)
    ]
    if rows:
        await record_transactions(rows, organization_id=ORG, actor="test")
    variables: dict[str, Any] = {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat()}
    }
    report_total = Decimal(0)
    for source in ("cs-ao", "cs-sms"):
        data = await execute(STATEMENT, {**variables, "source": source}, principal=Principal(ORG))
        found = data["creditAccount"]["statement"]
        numbers = {k: Decimal(v) for k, v in found.items() if isinstance(v, str)}
        assert numbers["closingBalance"] == (
            numbers["openingBalance"] + numbers["purchased"] + numbers["granted"]
            + numbers["adjusted"] + numbers["expired"] - numbers["consumed"]
        )  # fmt: skip
        assert numbers["expired"] <= 0
        days = found["days"]
        assert [d["date"] for d in days] == [d.isoformat() for d in window.dates()]
        assert Decimal(days[0]["opening"]) == numbers["openingBalance"]
        assert Decimal(days[-1]["closing"]) == numbers["closingBalance"]
        for today, tomorrow in itertools.pairwise(days):
            assert today["closing"] == tomorrow["opening"]
        for day in days:
            assert Decimal(day["closing"]) == (
                Decimal(day["opening"]) + Decimal(day["credited"]) - Decimal(day["consumed"])
            )
        assert sum(Decimal(c["credits"]) for c in found["consumedByChannel"]) == numbers["consumed"]
        assert (
            sum(Decimal(c["credits"]) for c in found["consumedByCampaign"]) == numbers["consumed"]
        )
        for row in found["consumedByCampaign"]:
            assert row["credits"] == row["campaign"]["creditsConsumed"]
        # The report's credits for the same window at organization scope.
        report = await execute(REPORT, {**variables, "sources": [source]}, principal=Principal(ORG))
        assert Decimal(report["campaigns"]["totals"]["creditsConsumed"]) == numbers["consumed"]
        report_total += numbers["consumed"]
        # And a direct computation over the raw rows.
        assert numbers == _direct(source, window, batch, rows)
    everything = await execute(REPORT, {**variables, "sources": None}, principal=Principal(ORG))
    assert Decimal(everything["campaigns"]["totals"]["creditsConsumed"]) == report_total


async def _account(source: str) -> Any:
    found = await account_of(await hierarchy_of(ORG), source)
    assert found is not None
    return found


CENTER_ZONES = {"c-pune": KOLKATA, "c-mumbai": KOLKATA, "c-nyc": ZoneInfo("America/New_York")}
CAMPAIGN_SOURCES = {"cmp-org": "cs-ao", "cmp-west": "cs-ao", "cmp-nyc": "cs-sms"}


def _direct(
    source: str, window: DateWindow, sent: list[dict[str, Any]], moved: list[dict[str, Any]]
) -> dict[str, Decimal]:
    """The statement from the raw rows: messages on their center's date, transactions on the
    organization's (Asia/Kolkata)."""
    totals = dict.fromkeys(
        ["openingBalance", "purchased", "granted", "adjusted", "expired", "consumed"], Decimal(0)
    )
    for m in sent:
        if CAMPAIGN_SOURCES[m["campaignId"]] != source:
            continue
        day = datetime.fromisoformat(m["sentAt"]).astimezone(CENTER_ZONES[m["centerId"]]).date()
        if day < window.start:
            totals["openingBalance"] -= Decimal(m["credits"])
        elif day <= window.end:
            totals["consumed"] += Decimal(m["credits"])
    names = {"PURCHASE": "purchased", "GRANT": "granted", "ADJUSTMENT": "adjusted"}
    for t in moved:
        if t["creditSourceId"] != source:
            continue
        day = datetime.fromisoformat(t["occurredAt"]).astimezone(KOLKATA).date()
        if day < window.start:
            totals["openingBalance"] += Decimal(t["credits"])
        elif day <= window.end:
            totals[names.get(t["kind"], "expired")] += Decimal(t["credits"])
    totals["closingBalance"] = (
        totals["openingBalance"] + totals["purchased"] + totals["granted"]
        + totals["adjusted"] + totals["expired"] - totals["consumed"]
    )  # fmt: skip
    return totals


async def test_a_transaction_counts_on_the_organizations_date(db: str) -> None:
    """23:30 in New York on 1 March is 2 March in Kolkata, the organization's time zone."""
    await load_hierarchy()
    await record_transactions(
        [
            {
                "externalId": "t-late",
                "creditSourceId": "cs-sms",
                "kind": "GRANT",
                "credits": "10",
                "occurredAt": "2026-03-01T23:30:00-05:00",
            }
        ],
        organization_id=ORG,
        actor="test",
    )
    found = await statement(
        await _account("cs-sms"), DateWindow(date(2026, 3, 1), date(2026, 3, 2))
    )
    assert [(d.date.day, d.credited) for d in found.days] == [(1, 0), (2, 100_000)]


async def test_sql_answers_as_the_index_does(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQL path (for campaigns the arrays cannot hold) gives the same consumption."""
    await load_hierarchy()
    await record(
        message("m-1", sent_at="2026-03-01T10:00:00+05:30", credits="1.5"),
        message("m-2", sent_at="2026-03-03T10:00:00+05:30", credits="2"),
        message("m-3", "cmp-west", "c-mumbai", sent_at="2026-03-05T10:00:00+05:30", credits="4"),
        message("m-4", "cmp-west", "c-mumbai", sent_at="2026-03-02T10:00:00+05:30", credits="8"),
    )
    ids = ["cmp-org", "cmp-west", "cmp-nyc"]
    from_index = await consumption(ids, date(2026, 3, 2), date(2026, 3, 4))

    async def unindexable(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(consumption_module.usage_store(), "usages", unindexable)
    from_sql = await consumption(ids, date(2026, 3, 2), date(2026, 3, 4))
    assert from_sql == from_index
    assert (from_index.before, from_index.days, from_index.after) == (
        15_000,
        [80_000, 20_000, 0],
        40_000,
    )
    assert from_index.by_campaign == {"cmp-org": 20_000, "cmp-west": 80_000}
