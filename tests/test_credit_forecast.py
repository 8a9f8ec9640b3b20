"""The runway forecast (§9): exact days left, and a range from replaying the last 28 days from
each of their days (backend/accounts/forecast.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from backend.accounts.forecast import BURN_DAYS, forecast_of, runway
from backend.accounts.transactions import record_transactions
from backend.principal import Principal
from tests.factories import ORG, load_hierarchy, message, record
from tests.graphql_client import execute

TODAY = date(2026, 6, 15)
CREDIT = 10_000  # one credit in ten-thousandths


def test_a_constant_burn_gives_the_exact_date_and_no_range() -> None:
    found = forecast_of(100 * CREDIT, [2 * CREDIT] * BURN_DAYS, TODAY)
    assert (found.daily_burn, found.days_left) == (2 * CREDIT, 50)
    assert found.runs_out_on == found.runs_out_earliest == found.runs_out_latest
    assert found.runs_out_on == TODAY + timedelta(days=50)


def test_days_left_is_exact_and_unrounded() -> None:
    # 1 credit over 28 days, a balance of 1.5: 42 days, though the burn shows as 0.0357.
    found = forecast_of(15_000, [0] * 27 + [CREDIT], TODAY)
    assert (found.daily_burn, found.days_left) == (357, 42)


def test_the_daily_burn_is_rounded_half_even() -> None:
    assert forecast_of(CREDIT, [14] + [0] * 27, TODAY).daily_burn == 0  # 0.5 -> 0
    assert forecast_of(CREDIT, [42] + [0] * 27, TODAY).daily_burn == 2  # 1.5 -> 2
    assert forecast_of(CREDIT, [70] + [0] * 27, TODAY).daily_burn == 2  # 2.5 -> 2


def test_a_weekly_pattern_runs_out_within_its_range() -> None:
    """Quiet weekends and a Monday blast: continuing the same weeks, the real run-out day lies
    between the earliest and the latest, and so does runsOutOn."""
    week = [30, 5, 5, 5, 5, 0, 0]
    daily = [credits * CREDIT for credits in week * 4]
    for balance in range(1, 200, 7):
        found = forecast_of(balance * CREDIT, daily, TODAY)
        real = TODAY + timedelta(days=runway(balance * CREDIT, daily))
        assert found.runs_out_earliest is not None and found.runs_out_latest is not None
        assert found.runs_out_earliest <= real <= found.runs_out_latest, balance
        assert found.runs_out_on is not None
        assert found.runs_out_earliest <= found.runs_out_on <= found.runs_out_latest
    # The range is real: a balance of 20 lasts from 0 days (starting on a Monday) to 6.
    found = forecast_of(20 * CREDIT, daily, TODAY)
    assert (found.runs_out_earliest, found.runs_out_latest) == (TODAY, TODAY + timedelta(days=6))


def test_an_overdrawn_account_runs_out_today() -> None:
    for balance in (0, -5 * CREDIT):
        found = forecast_of(balance, [CREDIT] * BURN_DAYS, TODAY)
        assert found.days_left == 0
        assert found.runs_out_on == found.runs_out_earliest == found.runs_out_latest == TODAY


def test_without_consumption_there_is_no_runway() -> None:
    found = forecast_of(5 * CREDIT, [0] * BURN_DAYS, TODAY)
    assert (found.daily_burn, found.days_left, found.runs_out_on) == (0, None, None)
    assert (found.runs_out_earliest, found.runs_out_latest) == (None, None)


def test_a_runway_past_the_calendar_has_no_date() -> None:
    found = forecast_of(10**13, [1] + [0] * 27, TODAY)
    assert found.days_left == 2**31 - 1
    assert found.runs_out_on is None and found.runs_out_latest is None


@given(
    balance=st.integers(1, 10**9),
    daily=st.lists(st.integers(0, 10**6), min_size=BURN_DAYS, max_size=BURN_DAYS).filter(any),
)
def test_runs_out_on_always_lies_within_the_range(balance: int, daily: list[int]) -> None:
    found = forecast_of(balance, daily, TODAY)
    assert found.days_left == balance * BURN_DAYS // sum(daily)
    assert found.runs_out_earliest is not None and found.runs_out_on is not None
    assert found.runs_out_latest is not None
    assert found.runs_out_earliest <= found.runs_out_on <= found.runs_out_latest
    assert found.runs_out_earliest <= TODAY + timedelta(days=runway(balance, daily))
    assert TODAY + timedelta(days=runway(balance, daily)) <= found.runs_out_latest


FORECAST = """
query { creditAccount(creditSourceId: "cs-ao") {
  balance forecast { dailyBurn daysLeft runsOutOn runsOutEarliest runsOutLatest } } }
"""


async def test_the_api_forecasts_from_the_28_days_before_today(db: str) -> None:
    """2 credits a day over the 28 days before today (Asia/Kolkata, the organization's zone),
    5 more today (in the balance, not in the burn), and 3 on the day before those 28 days."""
    await load_hierarchy()
    zone = ZoneInfo("Asia/Kolkata")
    today = datetime.now(zone).date()

    def noon(days_ago: int) -> str:
        return datetime.combine(today - timedelta(days=days_ago), time(12), zone).isoformat()

    early_today = datetime.combine(today, time(0, 1), zone).isoformat()
    await record(
        *(message(f"m-{n}", guest_id=f"g-{n}", sent_at=noon(n), credits="2") for n in range(1, 29)),
        message("m-old", sent_at=noon(29), credits="3"),
        message("m-today", sent_at=early_today, credits="5"),
    )
    await record_transactions(
        [
            {
                "externalId": "t-1",
                "creditSourceId": "cs-ao",
                "kind": "PURCHASE",
                "credits": "164",
                "occurredAt": noon(40),
            }
        ],
        organization_id=ORG,
        actor="test",
    )
    data = await execute(FORECAST, principal=Principal(ORG))
    account = data["creditAccount"]
    on = (today + timedelta(days=50)).isoformat()  # 100 left at 2 a day
    assert account == {
        "balance": "100.0000",
        "forecast": {
            "dailyBurn": "2.0000",
            "daysLeft": 50,
            "runsOutOn": on,
            "runsOutEarliest": on,
            "runsOutLatest": on,
        },
    }
