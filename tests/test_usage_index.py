"""The in-memory usage index (backend/usage_index.py) behind organization-wide reports: every
window of a returning guest, versions that move with each ingest, the fallback to SQL, and the
warm-up that builds it before the first request."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

import backend.usage_index
from backend.hierarchy import Scope
from backend.reports import DateWindow, usage_by_campaign, usage_by_date, usage_totals
from backend.usage import Usage
from backend.usage_index import warm_up
from tests.factories import ORG, backdate, load_hierarchy, message, record

# (guest, day of March 2026, outcome, credits) of cmp-org, all at c-pune (Asia/Kolkata).
VISITS = [
    ("g-1", 2, "PROCESSED", "1"),
    ("g-1", 2, "FAILED", "0.5"),  # twice on one day: one visit, two messages
    ("g-1", 4, "PROCESSED", "1"),
    ("g-2", 4, "SKIPPED", "0"),
    ("g-1", 7, "PROCESSED", "2"),
    ("g-3", 7, "PROCESSED", "0.1234"),
]


def expected(start: date, end: date) -> Usage:
    inside = [v for v in VISITS if start <= date(2026, 3, v[1]) <= end]
    return Usage(
        targeted_guests=len({guest for guest, *_ in inside}),
        processed=sum(1 for v in inside if v[2] == "PROCESSED"),
        credits_e4=sum(int(float(v[3]) * 10_000 + 0.5) for v in inside),
    )


async def record_visits() -> None:
    await record(
        *(
            message(
                f"m-{n}",
                guest_id=guest,
                sent_at=f"2026-03-{day:02}T{10 + n}:00:00+05:30",
                outcome=outcome,
                credits=credits,
            )
            for n, (guest, day, outcome, credits) in enumerate(VISITS)
        )
    )


async def test_every_window_of_returning_guests_is_exact(db: str) -> None:
    await load_hierarchy()
    await record_visits()
    org = Scope(ORG, None)
    days = [date(2026, 2, 27) + timedelta(days=n) for n in range(12)]
    for start in days:
        for end in days[days.index(start) :]:
            window = DateWindow(start, end)
            usage = (await usage_by_campaign(["cmp-org"], org, window)).get("cmp-org")
            want = expected(start, end)
            assert (usage or Usage(0, 0, 0)) == want, window
            assert await usage_totals(["cmp-org", "cmp-west"], org, window) == want, window
    whole = await usage_by_campaign(["cmp-org"], org, None)
    assert whole["cmp-org"] == expected(date.min, date.max)
    by_day = (await usage_by_date(["cmp-org"], org, None))["cmp-org"]
    assert [(r.date.day, r.usage) for r in by_day] == [
        (day, expected(date(2026, 3, day), date(2026, 3, day))) for day in range(2, 8)
    ]


async def test_each_ingest_moves_the_versions_and_the_numbers(db: str) -> None:
    """Late messages for earlier days, new guests and restatements all show at once."""
    await load_hierarchy()
    await record_visits()
    org = Scope(ORG, None)
    march = DateWindow(date(2026, 3, 1), date(2026, 3, 31))
    assert (await usage_by_campaign(["cmp-org"], org, march))["cmp-org"] == Usage(3, 4, 46_234)
    # g-2 again on the 3rd (between its and g-1's visits), a new guest on the 1st, and m-0
    # restated as failed and refunded.
    await record(
        message("late-1", guest_id="g-2", sent_at="2026-03-03T09:00:00+05:30"),
        message("late-2", guest_id="g-9", sent_at="2026-03-01T09:00:00+05:30", credits="3"),
        message(
            "m-0",
            guest_id="g-1",
            sent_at="2026-03-02T10:00:00+05:30",
            outcome="FAILED",
            credits="0",
            reported_at="2026-03-20T00:00:00+00:00",
        ),
    )
    assert (await usage_by_campaign(["cmp-org"], org, march))["cmp-org"] == Usage(4, 5, 76_234)
    third_to_fourth = DateWindow(date(2026, 3, 3), date(2026, 3, 4))
    assert (await usage_by_campaign(["cmp-org"], org, third_to_fourth))["cmp-org"] == Usage(
        2, 2, 20_000
    )


async def test_a_campaign_spanning_centuries_is_answered_by_sql(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Day offsets are 16 bits (179 years): beyond that the report still answers, from SQL."""
    await load_hierarchy()
    await record(
        message("old", guest_id="g-1", sent_at="2000-06-01T10:00:00+05:30"),
        message("new", guest_id="g-1", sent_at="2001-06-01T10:00:00+05:30", credits="2"),
        message("mid", guest_id="g-2", sent_at="2026-03-01T10:00:00+05:30"),
    )
    # Rows stored before the ledger's bounds existed may lie centuries apart.
    await backdate("old", "1850-06-01T10:00:00+05:30")
    await backdate("new", "2100-06-01T10:00:00+05:30")
    org = Scope(ORG, None)
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        assert (await usage_by_campaign(["cmp-org"], org, None))["cmp-org"] == Usage(2, 3, 40_000)
    assert any("COUNT(DISTINCT guest_key)" in r.getMessage() for r in caplog.records)
    recent = DateWindow(date(2026, 1, 1), date(2026, 12, 31))
    assert (await usage_by_campaign(["cmp-org"], org, recent))["cmp-org"] == Usage(1, 1, 10_000)
    assert await usage_totals(["cmp-org"], org, recent) == Usage(1, 1, 10_000)


async def test_the_warm_up_builds_every_campaign_before_the_first_report(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    await load_hierarchy()
    await record_visits()
    await warm_up()
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        usage = await usage_by_campaign(["cmp-org", "cmp-west", "cmp-nyc"], Scope(ORG, None), None)
    statements = [r.getMessage() for r in caplog.records if r.name == "tortoise.db_client"]
    # Only the versions are read: nothing is rebuilt.
    assert len(statements) == 1 and "ledger_version" in statements[0], statements
    assert usage == {"cmp-org": expected(date.min, date.max)}


async def test_single_centers_have_their_own_indexes_within_a_bound(
    db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(backend.usage_index, "MAX_CENTERS", 1)
    await load_hierarchy()
    await record(
        message("p-1", center_id="c-pune", guest_id="g-1"),
        message("m-1", center_id="c-mumbai", guest_id="g-1", credits="2"),
        message("m-2", center_id="c-mumbai", guest_id="g-2", outcome="SKIPPED", credits="0"),
    )
    pune, mumbai = Scope(ORG, frozenset({"c-pune"})), Scope(ORG, frozenset({"c-mumbai"}))
    assert await usage_by_campaign(["cmp-org"], pune, None) == {"cmp-org": Usage(1, 1, 10_000)}
    assert await usage_by_campaign(["cmp-org"], mumbai, None) == {"cmp-org": Usage(2, 1, 20_000)}
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        # Pune was dropped to keep one center: it is read again, and still right.
        assert await usage_totals(["cmp-org"], pune, None) == Usage(1, 1, 10_000)
    assert any("center_id" in r.getMessage() for r in caplog.records)
    assert await usage_by_campaign(["cmp-org"], Scope(ORG, None), None) == {
        "cmp-org": Usage(2, 2, 30_000)
    }
