"""The runway forecast (§9): how long the balance lasts at the recent burn, and a range.

`dailyBurn` is the credits consumed over the 28 complete business days before today (the
organization's time zone) ÷ 28, rounded half-even to 4 places. `daysLeft` is 0 for a balance
≤ 0, null when nothing was consumed in those days, else ⌊balance x 28 ÷ consumed⌋, exactly;
`runsOutOn` is today + `daysLeft`.

The range replays the last 28 days. Starting from each of the 28 days in turn and repeating the
28 days' consumption day by day, it counts the whole days the balance covers (the last day
whose cumulative consumption is still ≤ the balance); the earliest and latest of those 28
runways give `runsOutEarliest` and `runsOutLatest`. A constant burn gives the same runway from
every start, so earliest = on = latest; a weekly pattern (quiet weekends, a Monday blast) is
one of the replays, so its real run-out lies within the range; and `runsOutOn` always lies
within it (on average over the starts, the cumulative consumption after k days is k x the
daily burn). All in integers of ten-thousandths: nothing is rounded. An overdrawn account
runs out today on all three dates.

A runway past the calendar's end (9999-12-31) gives null dates; `daysLeft` is capped at GraphQL's
largest Int, 2,147,483,647.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from backend.accounts.consumption import consumptions
from backend.accounts.statements import Account

BURN_DAYS = 28
MAX_DAYS_LEFT = 2**31 - 1


@dataclass(frozen=True)
class Forecast:
    daily_burn: int  # ten-thousandths, rounded half-even
    days_left: int | None
    runs_out_on: date | None
    runs_out_earliest: date | None
    runs_out_latest: date | None


def _half_even(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2):
        quotient += 1
    return quotient


def _after(today: date, days: int | None) -> date | None:
    if days is None or days > (date.max - today).days:
        return None
    return today + timedelta(days=days)


def runway(balance: int, daily: list[int]) -> int:
    """Whole days `balance` covers when `daily` repeats from its first day: the largest k
    whose first k days consume no more than the balance. `daily` sums to more than 0."""
    cycle = sum(daily)
    cycles, left = divmod(balance, cycle)
    covered = 0
    for credits in daily:
        if credits > left:
            break
        left -= credits
        covered += 1
    return cycles * len(daily) + covered


def forecast_of(balance: int, daily: list[int], today: date) -> Forecast:
    """The forecast from the balance now and the consumption of each of the BURN_DAYS days
    before today, oldest first."""
    consumed = sum(daily)
    burn = _half_even(consumed, len(daily))
    if balance <= 0:
        return Forecast(burn, 0, today, today, today)
    if consumed == 0:
        return Forecast(burn, None, None, None, None)
    days_left = balance * len(daily) // consumed
    replays = [runway(balance, daily[start:] + daily[:start]) for start in range(len(daily))]
    return Forecast(
        burn,
        min(days_left, MAX_DAYS_LEFT),
        _after(today, days_left),
        _after(today, min(replays)),
        _after(today, max(replays)),
    )


async def forecast(account: Account, balance: int, today: date) -> Forecast:
    """`today` is the organization's business date now."""
    return (await forecasts([account], {account.credit_source_id: balance}, today))[
        account.credit_source_id
    ]


async def forecasts(
    accounts: Sequence[Account], balances: Mapping[str, int], today: date
) -> dict[str, Forecast]:
    """`forecast` of several accounts (by credit source id) from one read of the arrays."""
    first = today - timedelta(days=BURN_DAYS)
    used = await consumptions(
        {account.credit_source_id: account.campaign_ids for account in accounts},
        first,
        today - timedelta(days=1),
    )
    return {
        source: forecast_of(balances[source], found.days, today) for source, found in used.items()
    }
