"""The report's numbers for many campaigns at once, returned as plain dataclasses (no GraphQL
here): from the reporting engine's arrays (backend/engine/), or, for a campaign the arrays
cannot hold, by SQL over the message table's covering indexes (distinct guests by their
integer key, credits as exact two-part integer sums of ten-thousandths).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.days import date_of, day_number
from backend.db import dialect
from backend.engine import queries
from backend.engine.arrays import CampaignUsage
from backend.engine.queries import Window
from backend.engine.store import usage_store
from backend.errors import ProductError
from backend.hierarchy import Scope
from backend.sql import as_date, fetch_rows, placeholders
from backend.usage import CREDITS_SUM_SQL, NO_USAGE, Usage, credits_of_row

# Longest window a request may ask for: the date breakdown is zero-filled, one row per day.
MAX_WINDOW_DAYS = 3660


@dataclass(frozen=True)
class DateWindow:
    """Inclusive business dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ProductError(
                f"The date range ends ({self.end}) before it starts ({self.start}).",
                code="INVALID_DATE_RANGE",
            )
        if self.days > MAX_WINDOW_DAYS:
            raise ProductError(
                f"The date range spans {self.days} days; at most {MAX_WINDOW_DAYS} are allowed.",
                code="DATE_RANGE_TOO_LONG",
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class CenterUsage:
    center_id: str
    usage: Usage


@dataclass(frozen=True)
class DateUsage:
    date: date
    usage: Usage


# Distinct guests are counted by their integer key (see backend/guests.py).
_METRICS = (
    "COUNT(DISTINCT guest_key) AS targeted, "
    "COALESCE(SUM(CASE WHEN outcome = 'PROCESSED' THEN 1 ELSE 0 END), 0) AS processed, "
    f"{CREDITS_SUM_SQL}"
)


class _Where:
    """Builds the WHERE clause shared by every report: campaigns, scope and window."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.clauses: list[str] = []
        self.values: list[Any] = []

    def _marks(self, count: int) -> list[str]:
        marks = placeholders(self.dialect, count, start=len(self.values) + 1)
        return marks

    def within(self, column: str, values: Collection[str]) -> None:
        marks = self._marks(len(values))
        self.clauses.append(f"{column} IN ({', '.join(marks)})")
        self.values.extend(sorted(values))

    def window(self, window: DateWindow | None) -> None:
        if window is None:
            return
        start, end = self._marks(2)
        self.clauses.append(f"business_date BETWEEN {start} AND {end}")
        self.values.extend([window.start, window.end])

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1 = 1"


def _where(campaign_ids: Collection[str], scope: Scope, window: DateWindow | None) -> _Where:
    where = _Where(dialect())
    where.within("campaign_id", campaign_ids)
    if scope.center_ids is not None:
        where.within("center_id", scope.center_ids)
    where.window(window)
    return where


async def _aggregate(where: _Where, keys: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The report metrics per combination of `keys` (one row overall when there are none)."""
    selected = "".join(f"{key}, " for key in keys)
    group_by = f" GROUP BY {', '.join(keys)}" if keys else ""
    sql = f"SELECT {selected}{_METRICS} FROM message WHERE {where.sql()}{group_by}"
    return await fetch_rows(sql, where.values)


def _usage(row: dict[str, Any]) -> Usage:
    return Usage(int(row["targeted"]), int(row["processed"]), credits_of_row(row))


async def _usages(campaign_ids: Collection[str]) -> dict[str, CampaignUsage] | None:
    """The campaigns' arrays (backend/engine/), current as of this call; None when one of the
    campaigns cannot have them, and SQL answers."""
    return await usage_store().usages(campaign_ids)


def _window(window: DateWindow | None) -> Window:
    """Day numbers of the window; no window means every day."""
    if window is None:
        return Window.of(-(2**62), 2**62)
    return Window.of(day_number(window.start), day_number(window.end))


async def usage_by_campaign(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> dict[str, Usage]:
    """Each campaign's numbers; campaigns without messages are absent (read them as zero)."""
    if not campaign_ids or scope.center_ids == frozenset():
        return {}
    usages = await _usages(campaign_ids)
    if usages is not None:
        found = {c: queries.counts(u, scope.center_ids, _window(window)) for c, u in usages.items()}
        return {c: counts for c, counts in found.items() if counts is not None}
    where = _where(campaign_ids, scope, window)
    rows = await _aggregate(where, ("campaign_id",))
    return {row["campaign_id"]: _usage(row) for row in rows}


async def usage_totals(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> Usage:
    """The numbers over all the campaigns together: a guest reached by two counts once."""
    return (await usage_and_totals(campaign_ids, scope, window))[1]


async def usage_and_totals(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> tuple[dict[str, Usage], Usage]:
    """`usage_by_campaign` and `usage_totals` together, in one pass over the arrays."""
    if not campaign_ids or scope.center_ids == frozenset():
        return {}, NO_USAGE
    usages = await _usages(campaign_ids)
    if usages is not None:
        return queries.report(usages, scope.center_ids, _window(window))
    where = _where(campaign_ids, scope, window)
    each = {row["campaign_id"]: _usage(row) for row in await _aggregate(where, ("campaign_id",))}
    rows = await fetch_rows(f"SELECT {_METRICS} FROM message WHERE {where.sql()}", where.values)
    return each, _usage(rows[0]) if rows else NO_USAGE


async def usage_by_center(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> dict[str, list[CenterUsage]]:
    """Per campaign, one row per center with messages, most credits first (then center id)."""
    if not campaign_ids or scope.center_ids == frozenset():
        return {}
    result: dict[str, list[CenterUsage]] = {}
    usages = await _usages(campaign_ids)
    if usages is not None:
        for campaign_id, usage in usages.items():
            found = queries.by_center(usage, scope.center_ids, _window(window))
            if found:
                result[campaign_id] = [CenterUsage(c, counts) for c, counts in found.items()]
    else:
        where = _where(campaign_ids, scope, window)
        for row in await _aggregate(where, ("campaign_id", "center_id")):
            result.setdefault(row["campaign_id"], []).append(
                CenterUsage(row["center_id"], _usage(row))
            )
    for breakdown in result.values():
        breakdown.sort(key=lambda c: (-c.usage.credits_e4, c.center_id))
    return result


async def usage_by_date(
    campaign_ids: Collection[str], scope: Scope, window: DateWindow | None
) -> dict[str, list[DateUsage]]:
    """Per campaign, one row per business date, ascending and zero-filled.

    With a window the rows span it exactly; without one they span the campaign's first to
    last business date in scope (no rows at all for a campaign without messages).
    """
    if not campaign_ids or scope.center_ids == frozenset():
        return {campaign_id: _zero_filled({}, window) for campaign_id in campaign_ids}
    usages = await _usages(campaign_ids)
    if usages is not None:
        return {
            campaign_id: _zero_filled(
                {
                    date_of(day): counts
                    for day, counts in queries.by_day(
                        usage, scope.center_ids, _window(window)
                    ).items()
                },
                window,
            )
            for campaign_id, usage in usages.items()
        }
    where = _where(campaign_ids, scope, window)
    rows = await _aggregate(where, ("campaign_id", "business_date"))
    by_campaign: dict[str, dict[date, Usage]] = {campaign_id: {} for campaign_id in campaign_ids}
    for row in rows:
        by_campaign[row["campaign_id"]][as_date(row["business_date"])] = _usage(row)
    return {campaign_id: _zero_filled(days, window) for campaign_id, days in by_campaign.items()}


def _zero_filled(days: dict[date, Usage], window: DateWindow | None) -> list[DateUsage]:
    if window is None:
        if not days:
            return []
        window = DateWindow(min(days), max(days))
    return [DateUsage(day, days.get(day, NO_USAGE)) for day in window.dates()]


# The newest message of any of the centers. Within one center (one time zone) business dates
# follow sending times, so its newest message lies on its newest business date: one index probe
# per center finds that date, and only that day's messages there are read.
_LATEST_PG = (
    "SELECT MAX(latest.sent_at) AS latest FROM unnest($1::text[]) AS c(id) "
    "CROSS JOIN LATERAL (SELECT m.sent_at FROM message m WHERE m.center_id = c.id "
    "AND m.business_date = (SELECT business_date FROM message WHERE center_id = c.id "
    "ORDER BY business_date DESC LIMIT 1) ORDER BY m.sent_at DESC LIMIT 1) AS latest"
)
# SQLite stores instants as UTC text, whose order is time order.
_LATEST_SQLITE = (
    "SELECT MAX((SELECT MAX(m.sent_at) FROM message m WHERE m.center_id = c.value "
    "AND m.business_date = (SELECT MAX(business_date) FROM message WHERE center_id = c.value))) "
    "AS latest FROM json_each(?) AS c"
)


async def latest_message_at(center_ids: Collection[str]) -> datetime | None:
    """When the newest message at any of these centers was sent (None without any): how far
    the numbers reach, told without reading outside the caller's centers."""
    if not center_ids:
        return None
    ids = sorted(center_ids)
    if dialect() == "postgres":
        rows = await fetch_rows(_LATEST_PG, [ids])
    else:
        rows = await fetch_rows(_LATEST_SQLITE, [json.dumps(ids)])
    latest = rows[0]["latest"] if rows else None
    if latest is None:
        return None
    instant = latest if isinstance(latest, datetime) else datetime.fromisoformat(str(latest))
    return instant.astimezone(UTC)
