"""The reports read derived data (integer guest keys, covering indexes); on random messages and
random windows and scopes, they must equal a direct computation over the raw message rows. The
messages arrive in two batches with a report between them, so the engine's arrays are built on
the first and must follow the second."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tortoise import connections

from backend.hierarchy import Scope
from backend.models import Guest, IngestBatch, Message, UsageCell, UsageVisit
from backend.reports import (
    DateWindow,
    usage_by_campaign,
    usage_by_center,
    usage_by_date,
    usage_totals,
)
from backend.sql import placeholders
from backend.usage import Usage
from tests.factories import ORG, load_hierarchy, message, record

CAMPAIGN_CENTERS = {
    "cmp-org": ["c-pune", "c-mumbai", "c-nyc", "c-goa"],
    "cmp-west": ["c-pune", "c-mumbai"],
    "cmp-nyc": ["c-nyc"],
}
CAMPAIGNS = sorted(CAMPAIGN_CENTERS)
FIRST_DAY = date(2026, 3, 5)
START = datetime(2026, 3, 5, tzinfo=UTC)

messages_strategy = st.lists(
    st.tuples(
        st.sampled_from(CAMPAIGNS),
        st.integers(0, 3),  # which of the campaign's centers
        st.sampled_from(["g-1", "g-2", "g-3", "g-4", "g-5"]),
        st.integers(0, 6 * 24 - 1),  # hour within six days, around New York's DST change
        st.sampled_from(["PROCESSED", "FAILED", "SKIPPED"]),
        st.sampled_from(["0", "0.1", "1.2345", "2"]),
    ),
    max_size=40,
)
windows = st.one_of(
    st.none(),
    st.tuples(st.integers(-1, 6), st.integers(0, 4)).map(
        lambda t: DateWindow(FIRST_DAY + timedelta(t[0]), FIRST_DAY + timedelta(t[0] + t[1]))
    ),
)
scopes = st.sampled_from(
    [None, frozenset({"c-pune"}), frozenset({"c-pune", "c-mumbai"}), frozenset({"c-nyc", "c-goa"})]
)


async def direct(
    keys: tuple[str, ...], scope: frozenset[str] | None, window: DateWindow | None
) -> dict[tuple[Any, ...], Usage]:
    """Straight from the raw rows, by the upstream guest ids."""
    connection = connections.get("default")
    dialect = str(connection.capabilities.dialect)
    clauses, values = ["1 = 1"], []
    if scope is not None:
        clauses.append(f"center_id IN ({', '.join(placeholders(dialect, len(scope)))})")
        values += sorted(scope)
    if window is not None:
        start, end = placeholders(dialect, 2, start=len(values) + 1)
        clauses.append(f"business_date BETWEEN {start} AND {end}")
        values += [window.start, window.end]
    selected = "".join(f"{k}, " for k in keys)
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    rows = await connection.execute_query_dict(
        f"SELECT {selected}COUNT(DISTINCT guest_id) AS t, "
        "SUM(CASE WHEN outcome = 'PROCESSED' THEN 1 ELSE 0 END) AS p, SUM(credits_e4) AS c "
        f"FROM message WHERE {' AND '.join(clauses)}{group}",
        values,
    )
    return {
        tuple(str(row[k]) for k in keys): Usage(
            int(row["t"]), int(row["p"] or 0), int(row["c"] or 0)
        )
        for row in rows
        if row["c"] is not None
    }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=messages_strategy, window=windows, center_ids=scopes)
async def test_reports_equal_a_direct_computation(
    db: str,
    rows: list[tuple[str, int, str, int, str, str]],
    window: DateWindow | None,
    center_ids: frozenset[str] | None,
) -> None:
    for model in (Message, Guest, IngestBatch, UsageVisit, UsageCell):
        await model.all().delete()
    # Messages and derived rows deleted behind the ledger's back: move the versions as a void
    # would, so every process reloads the campaigns rather than catching up.
    await connections.get("default").execute_query(
        "UPDATE campaign SET ledger_version = ledger_version + 1"
    )
    if not await connections.get("default").execute_query_dict("SELECT id FROM campaign"):
        await load_hierarchy()
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
    scope = Scope(ORG, center_ids)
    # In two batches with a report between them, so the second lands on derived data already
    # built (in any day order: late messages for earlier days included), and the first batch's
    # first message is restated with the last row's outcome and credits.
    half = len(batch) // 2
    await record(*batch[:half])
    await usage_by_campaign(CAMPAIGNS, scope, window)
    await usage_by_center(CAMPAIGNS, scope, window)
    if half:
        restated = {
            **batch[0],
            "outcome": batch[-1]["outcome"],
            "credits": batch[-1]["credits"],
            "reportedAt": (START + timedelta(days=30)).isoformat(),
        }
        batch = [*batch, restated]
    await record(*batch[half:])

    by_campaign = await usage_by_campaign(CAMPAIGNS, scope, window)
    assert by_campaign == {
        k[0]: v for k, v in (await direct(("campaign_id",), center_ids, window)).items()
    }

    totals = await usage_totals(CAMPAIGNS, scope, window)
    expected_totals = (await direct((), center_ids, window)).get((), Usage(0, 0, 0))
    assert totals == expected_totals

    expected_centers = await direct(("campaign_id", "center_id"), center_ids, window)
    by_center = await usage_by_center(CAMPAIGNS, scope, window)
    assert {
        (c, r.center_id): r.usage for c, rs in by_center.items() for r in rs
    } == expected_centers

    by_date = await usage_by_date(CAMPAIGNS, scope, window)
    expected_dates = await direct(("campaign_id", "business_date"), center_ids, window)
    got_dates = {
        (c, str(r.date)): r.usage
        for c, rs in by_date.items()
        for r in rs
        if r.usage != Usage(0, 0, 0)
    }
    assert got_dates == expected_dates
