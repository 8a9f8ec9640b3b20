"""Where credits go: the report's numbers over every matched campaign together, split by a
campaign attribute (channel, credit source), day by day, and for the window just before.

A guest reached by two campaigns of one group, or on one day by two campaigns, counts once
there, exactly as in the report's totals. Answers come from the reporting engine's arrays
(backend/engine/) when every campaign has them, and from SQL over the message table otherwise.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise import connections

from backend.days import date_of, day_number
from backend.db import dialect
from backend.engine import queries
from backend.engine.arrays import CampaignUsage
from backend.engine.flows import guests_by_day
from backend.engine.queries import Window
from backend.engine.store import usage_store
from backend.hierarchy import Scope
from backend.reports import DateUsage, DateWindow, usage_totals
from backend.sql import as_date, placeholders
from backend.usage import CREDITS_SUM_SQL, NO_USAGE, Usage, credits_of_row


@dataclass(frozen=True)
class GroupUsage:
    """The numbers of the campaigns sharing one value of an attribute (a channel, a source)."""

    key: str
    usage: Usage


def _engine_window(window: DateWindow | None) -> Window:
    if window is None:
        return Window.of(-(2**62), 2**62)
    return Window.of(day_number(window.start), day_number(window.end))


def _nothing_to_read(campaign_ids: Collection[str], scope: Scope) -> bool:
    return not campaign_ids or scope.center_ids == frozenset()


async def usage_by_group(
    groups: Mapping[str, Collection[str]], scope: Scope, window: DateWindow | None
) -> list[GroupUsage]:
    """Each group's numbers over its campaigns together, for the groups with a message in the
    window and scope: most credits first, then by key."""
    every = [c for campaign_ids in groups.values() for c in campaign_ids]
    if _nothing_to_read(every, scope):
        return []
    usages = await usage_store().usages(every)
    found: list[GroupUsage] = []
    for key, campaign_ids in groups.items():
        if usages is not None:
            chosen = {c: usages[c] for c in campaign_ids}
            usage = queries.report(chosen, scope.center_ids, _engine_window(window))[1]
        else:
            usage = await usage_totals(campaign_ids, scope, window)
        if usage != NO_USAGE:
            found.append(GroupUsage(key, usage))
    found.sort(key=lambda g: (-g.usage.credits_e4, g.key))
    return found


async def usage_by_date_together(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> list[DateUsage]:
    """One row per business date of the window, ascending and zero-filled, over all the
    campaigns together: a guest counts once a day however many campaigns reached it.

    Without a window the rows span the first to the last date with a message in scope (none
    without messages); a span longer than a window may be is refused like such a window.
    """
    days: dict[date, Usage] = {}
    if not _nothing_to_read(campaign_ids, scope):
        usages = await usage_store().usages(campaign_ids)
        if usages is not None:
            days = _days_from_arrays(usages, scope, _engine_window(window))
        else:
            days = await _days_from_sql(campaign_ids, scope, window)
    if window is None:
        if not days:
            return []
        window = DateWindow(min(days), max(days))
    return [DateUsage(day, days.get(day, NO_USAGE)) for day in window.dates()]


def _days_from_arrays(
    usages: Mapping[str, CampaignUsage], scope: Scope, window: Window
) -> dict[date, Usage]:
    processed: dict[int, int] = {}
    credits: dict[int, int] = {}
    for usage in usages.values():
        for day, counts in queries.by_day(usage, scope.center_ids, window).items():
            processed[day] = processed.get(day, 0) + counts.processed
            credits[day] = credits.get(day, 0) + counts.credits_e4
    guests = guests_by_day(usages, scope.center_ids, window)
    return {
        date_of(day): Usage(guests.get(day, 0), processed[day], credits[day]) for day in credits
    }


async def _days_from_sql(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> dict[date, Usage]:
    sql_dialect = dialect()
    values: list[Any] = sorted(campaign_ids)
    marks = placeholders(sql_dialect, len(values))
    clauses = [f"campaign_id IN ({', '.join(marks)})"]
    if scope.center_ids is not None:
        centers = sorted(scope.center_ids)
        marks = placeholders(sql_dialect, len(centers), start=len(values) + 1)
        clauses.append(f"center_id IN ({', '.join(marks)})")
        values += centers
    if window is not None:
        start, end = placeholders(sql_dialect, 2, start=len(values) + 1)
        clauses.append(f"business_date BETWEEN {start} AND {end}")
        values += [window.start, window.end]
    sql = (
        "SELECT business_date, COUNT(DISTINCT guest_key) AS targeted, "
        "COALESCE(SUM(CASE WHEN outcome = 'PROCESSED' THEN 1 ELSE 0 END), 0) AS processed, "
        f"{CREDITS_SUM_SQL} FROM message WHERE {' AND '.join(clauses)} GROUP BY business_date"
    )
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql, values)
    return {
        as_date(row["business_date"]): Usage(
            int(row["targeted"]), int(row["processed"]), credits_of_row(row)
        )
        for row in rows
    }


def previous_window(window: DateWindow) -> DateWindow | None:
    """The window of the same length ending the day before `window` starts; None when the
    calendar has no such days (before year 1, where no message can be)."""
    if window.start.toordinal() <= window.days:
        return None
    return DateWindow(window.start - timedelta(days=window.days), window.start - timedelta(days=1))


async def previous_period_totals(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> Usage | None:
    """The totals over the window just before `window`, of the same length; None without a
    window (all time has no period before it)."""
    if window is None:
        return None
    previous = previous_window(window)
    if previous is None:
        return NO_USAGE
    return await usage_totals(campaign_ids, scope, previous)
