"""Message credits of an account's campaigns per business date, from the report's own data.

The reporting engine's arrays (backend/engine/) keep each campaign's credits as prefix sums over
its business days, exact at any size; the report's `creditsConsumed` comes from the same sums,
so a statement's `consumed` equals the report's credits for the same window by construction.
When a campaign cannot have arrays, SQL answers over the covering index, with the same exact
two-part sums.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from backend.days import day_number
from backend.db import dialect
from backend.engine.arrays import CampaignUsage
from backend.engine.queries import credits_by_day
from backend.engine.store import usage_store
from backend.sql import as_date, fetch_rows, placeholders
from backend.usage import CREDITS_SUM_SQL, credits_of_row


@dataclass(frozen=True)
class Consumption:
    """Credits (ten-thousandths) of a set of campaigns around the span [first, last]."""

    first: date
    before: int  # on business dates before `first`
    days: list[int]  # on each date of the span, in order
    after: int  # on business dates after `last`
    by_campaign: dict[str, int]  # within the span, campaigns with credits only

    @property
    def within(self) -> int:
        return sum(self.days)

    @property
    def total(self) -> int:
        """Everything recorded, whatever its date."""
        return self.before + self.within + self.after


async def consumption(campaign_ids: Collection[str], first: date, last: date) -> Consumption:
    """The credits of these campaigns' messages before, on each day of, and after [first,
    last], at organization scope (every center)."""
    return (await consumptions({"": campaign_ids}, first, last))[""]


async def consumptions(
    groups: Mapping[str, Collection[str]], first: date, last: date
) -> dict[str, Consumption]:
    """`consumption` of several sets of campaigns (the accounts of an organization) from one
    read of the engine's arrays."""
    union = set().union(*(set(ids) for ids in groups.values()))
    usages = await usage_store().usages(union) if union else {}
    if usages is None:
        return {
            key: await _from_sql(ids, first, last) if ids else _from_arrays({}, first, last)
            for key, ids in groups.items()
        }
    return {
        key: _from_arrays({c: usages[c] for c in ids if c in usages}, first, last)
        for key, ids in groups.items()
    }


def _from_arrays(usages: Mapping[str, CampaignUsage], first: date, last: date) -> Consumption:
    days = [0] * ((last - first).days + 1)
    by_campaign: dict[str, int] = {}
    if not usages:
        return Consumption(first, 0, days, 0, by_campaign)
    start, end = day_number(first), day_number(last)
    before = after = 0
    # Summed as arrays (a Python loop over every campaign's days was most of a statement's
    # time); 64-bit while the campaigns' credits together fit, exact Python integers otherwise.
    everything = sum(int(usage.day_credits_before[-1]) for usage in usages.values())
    exact = everything > np.iinfo(np.int64).max
    per_day = np.zeros(len(days), dtype=object if exact else np.int64)
    for campaign_id, usage in usages.items():
        b, day_numbers, credits, a = credits_by_day(usage, start, end)
        before, after = before + b, after + a
        per_day[day_numbers - start] += credits
        total = int(credits.sum()) if len(credits) else 0
        if total:
            by_campaign[campaign_id] = total
    return Consumption(first, before, [int(value) for value in per_day], after, by_campaign)


async def _from_sql(campaign_ids: Collection[str], first: date, last: date) -> Consumption:
    ids = sorted(campaign_ids)
    marks = placeholders(dialect(), len(ids) + 2)
    within = ", ".join(marks[:-2])
    start, end = marks[-2:]
    daily = await fetch_rows(
        f"SELECT campaign_id, business_date, {CREDITS_SUM_SQL} FROM message "
        f"WHERE campaign_id IN ({within}) AND business_date BETWEEN {start} AND {end} "
        "GROUP BY campaign_id, business_date",
        [*ids, first, last],
    )
    one = placeholders(dialect(), len(ids) + 1)
    sides = [
        credits_of_row(
            (
                await fetch_rows(
                    f"SELECT {CREDITS_SUM_SQL} FROM message WHERE campaign_id IN "
                    f"({', '.join(one[:-1])}) AND business_date {comparison} {one[-1]}",
                    [*ids, day],
                )
            )[0]
        )
        for comparison, day in (("<", first), (">", last))
    ]
    days = [0] * ((last - first).days + 1)
    by_campaign: dict[str, int] = {}
    for row in daily:
        credits = credits_of_row(row)
        days[(as_date(row["business_date"]) - first).days] += credits
        by_campaign[row["campaign_id"]] = by_campaign.get(row["campaign_id"], 0) + credits
    return Consumption(
        first,
        sides[0],
        days,
        sides[1],
        {c: credits for c, credits in by_campaign.items() if credits},
    )
