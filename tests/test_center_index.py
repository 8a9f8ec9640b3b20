"""The center indexes behind the center drilldown (backend/center_index.py): every window and
scope against a direct computation, the background build and the SQL answers while it is
stale, the memory bound, campaigns it cannot hold, and a build that fails."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from tortoise import connections

import backend.center_index
from backend.center_index import center_indexes
from backend.hierarchy import Scope
from backend.reports import DateWindow, usage_by_center
from backend.usage import Usage
from tests.factories import ORG, backdate, load_hierarchy, message, record
from tests.test_reports_property import direct as direct_usage

CAMPAIGNS = ["cmp-org", "cmp-west", "cmp-nyc"]
# (campaign, center, guest, local sent time, outcome, credits): returning guests, one guest at
# two centers on one day, and New York messages late in the evening of the DST change (their
# business date is the New York one, a day before India's).
MESSAGES = [
    ("cmp-org", "c-pune", "g-1", "2026-03-02T10:00:00+05:30", "PROCESSED", "1"),
    ("cmp-org", "c-pune", "g-1", "2026-03-02T18:00:00+05:30", "FAILED", "0.5"),
    ("cmp-org", "c-mumbai", "g-1", "2026-03-02T11:00:00+05:30", "PROCESSED", "1"),
    ("cmp-org", "c-pune", "g-1", "2026-03-04T10:00:00+05:30", "PROCESSED", "1"),
    ("cmp-org", "c-pune", "g-2", "2026-03-04T12:00:00+05:30", "SKIPPED", "0"),
    ("cmp-org", "c-nyc", "g-2", "2026-03-07T23:30:00-05:00", "PROCESSED", "2"),
    ("cmp-org", "c-nyc", "g-3", "2026-03-08T23:30:00-04:00", "PROCESSED", "0.1234"),
    ("cmp-org", "c-goa", "g-3", "2026-03-06T09:00:00+05:30", "FAILED", "0.0001"),
    ("cmp-west", "c-mumbai", "g-4", "2026-03-03T10:00:00+05:30", "PROCESSED", "3"),
    ("cmp-west", "c-mumbai", "g-4", "2026-03-05T10:00:00+05:30", "PROCESSED", "3"),
    ("cmp-west", "c-pune", "g-5", "2026-03-05T10:00:00+05:30", "PROCESSED", "1.5"),
    ("cmp-nyc", "c-nyc", "g-6", "2026-03-08T08:00:00-04:00", "PROCESSED", "1"),
]
SCOPES = [
    None,
    frozenset({"c-pune"}),
    frozenset({"c-pune", "c-mumbai"}),
    frozenset({"c-nyc", "c-goa"}),
]


async def record_all(rows: list[tuple[str, ...]] = MESSAGES, prefix: str = "m") -> None:
    await record(
        *(
            message(f"{prefix}-{n}", campaign, center, guest, sent, outcome, credits)
            for n, (campaign, center, guest, sent, outcome, credits) in enumerate(rows)
        )
    )


async def direct(scope: frozenset[str] | None, window: DateWindow | None) -> dict[Any, Usage]:
    """Per (campaign, center), straight from the raw rows, by the upstream guest ids."""
    return await direct_usage(("campaign_id", "center_id"), scope, window)


async def by_center(scope: frozenset[str] | None, window: DateWindow | None) -> dict[Any, Usage]:
    found = await usage_by_center(CAMPAIGNS, Scope(ORG, scope), window)
    rows = {(c, r.center_id): r.usage for c, breakdown in found.items() for r in breakdown}
    for breakdown in found.values():  # most credits first, then center id
        assert breakdown == sorted(breakdown, key=lambda r: (-r.usage.credits_e4, r.center_id))
    return rows


async def indexed_campaigns() -> set[str]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT id, ledger_version FROM campaign"
    )
    versions = {row["id"]: int(row["ledger_version"]) for row in rows if row["id"] in CAMPAIGNS}
    return set(center_indexes().built(versions))


async def test_every_window_and_scope_equals_a_direct_computation(db: str) -> None:
    await load_hierarchy()
    await record_all()
    assert await by_center(None, None) == await direct(None, None)  # from SQL, and queued
    await center_indexes().idle()
    assert await indexed_campaigns() == set(CAMPAIGNS)
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(10)]
    for start in days:
        for end in days[days.index(start) :]:
            window = DateWindow(start, end)
            for scope in SCOPES:
                assert await by_center(scope, window) == await direct(scope, window), (
                    window,
                    scope,
                )
    for scope in SCOPES:
        assert await by_center(scope, None) == await direct(scope, None), scope
    # g-1 at Pune on the 2nd (twice) and the 4th: once for Pune; also at Mumbai on the 2nd.
    march = DateWindow(date(2026, 3, 1), date(2026, 3, 31))
    got = await by_center(None, march)
    assert got[("cmp-org", "c-pune")] == Usage(2, 2, 25_000)
    assert got[("cmp-org", "c-mumbai")] == Usage(1, 1, 10_000)
    # The New York evening of 8 March (DST) is the 8th there, the 9th in India.
    nyc_eighth = await by_center(
        frozenset({"c-nyc"}), DateWindow(date(2026, 3, 8), date(2026, 3, 8))
    )
    assert nyc_eighth
    assert nyc_eighth == {
        ("cmp-org", "c-nyc"): Usage(1, 1, 1_234),
        ("cmp-nyc", "c-nyc"): Usage(1, 1, 10_000),
    }


async def test_sql_answers_while_an_ingest_has_made_the_index_stale(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    await load_hierarchy()
    await record_all()
    await by_center(None, None)
    await center_indexes().idle()
    march = DateWindow(date(2026, 3, 1), date(2026, 3, 31))

    def statements() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "tortoise.db_client"]

    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        before = await by_center(None, march)
    # Only the versions are read: the breakdown comes from memory.
    assert len(statements()) == 1 and "ledger_version" in statements()[0], statements()
    # A late message for an earlier day from a new guest, and a restatement of m-0.
    await record(
        message("late", "cmp-org", "c-pune", "g-9", "2026-03-01T10:00:00+05:30", credits="4"),
        message(
            "m-0",
            "cmp-org",
            "c-pune",
            "g-1",
            "2026-03-02T10:00:00+05:30",
            outcome="FAILED",
            credits="0",
            reported_at="2026-03-20T00:00:00+00:00",
        ),
    )
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        stale = await by_center(None, march)
    # SQL for cmp-org alone: the others did not change and still come from memory.
    (sql,) = [s for s in statements() if "GROUP BY campaign_id, center_id" in s]
    assert sql.endswith("['cmp-org', datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)]")
    assert stale == await direct(None, march) != before
    assert stale[("cmp-org", "c-pune")] == Usage(3, 2, 55_000)
    await center_indexes().idle()
    assert await indexed_campaigns() == set(CAMPAIGNS)
    assert await by_center(None, march) == stale


async def test_memory_is_bounded_least_recently_asked_dropped_first(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_hierarchy()
    await record_all()
    # Visits: (guest, center, day) pairs: cmp-org has 7, cmp-west 3, cmp-nyc 1.
    monkeypatch.setattr(backend.center_index, "MAX_VISITS", 9)
    scope = Scope(ORG, None)
    for campaign_id in ("cmp-nyc", "cmp-org", "cmp-west"):
        await usage_by_center([campaign_id], scope, None)
        await center_indexes().idle()
    assert await indexed_campaigns() == {"cmp-west"}
    await usage_by_center(["cmp-nyc"], scope, None)
    await center_indexes().idle()
    assert await indexed_campaigns() == {"cmp-west", "cmp-nyc"}
    assert await by_center(None, None) == await direct(None, None)


async def test_a_campaign_spanning_centuries_stays_on_sql(db: str) -> None:
    await load_hierarchy()
    await record(
        message("old", guest_id="g-1", sent_at="2000-06-01T10:00:00+05:30"),
        message("new", guest_id="g-1", sent_at="2001-06-01T10:00:00+05:30", credits="2"),
    )
    # Rows stored before the ledger's bounds existed may lie centuries apart.
    await backdate("old", "1850-06-01T10:00:00+05:30")
    await backdate("new", "2100-06-01T10:00:00+05:30")
    await by_center(None, None)
    await center_indexes().idle()
    assert await indexed_campaigns() == {"cmp-west", "cmp-nyc"}  # empty ones are held
    assert await by_center(None, None) == {("cmp-org", "c-pune"): Usage(1, 2, 30_000)}
    await center_indexes().idle()  # not queued again at the same version
    assert await indexed_campaigns() == {"cmp-west", "cmp-nyc"}


async def test_a_failed_build_is_logged_and_sql_keeps_answering(
    db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await load_hierarchy()
    await record_all()

    def broken(*_: Any) -> Any:
        raise ConnectionError("database went away")

    monkeypatch.setattr(backend.center_index, "build", broken)
    with caplog.at_level(logging.WARNING, logger="backend.center_index"):
        assert await by_center(None, None) == await direct(None, None)
        await center_indexes().idle()
    assert any("failed" in r.getMessage() for r in caplog.records)
    assert await indexed_campaigns() == set()
    assert await by_center(None, None) == await direct(None, None)
