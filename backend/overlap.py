"""Overlap: guests who got messages from two or more campaigns on one business day, what those
days' messages beyond each guest's first cost, and the campaign pairs that meet most often.

A guest-day overlaps when its messages come from more than one campaign: the lowest and the
highest campaign id over the guest-day's messages (a window over the guest and the date)
differ. Its first message is the earliest `sent_at`, ties broken by external id and then
center (an external id is unique per organization and center); every later one is extra,
whatever its outcome, as every message counts in the report. Guests are counted by their
integer key; text is compared by code point (COLLATE "C" on PostgreSQL, SQLite's default),
so both databases pick the same first message and order pairs alike.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from backend.db import dialect
from backend.reports import DateWindow
from backend.sql import fetch_rows, placeholders
from backend.usage import CREDITS_SPLIT


@dataclass(frozen=True)
class Overlap:
    guests: int
    extra_messages: int
    extra_credits_e4: int


@dataclass(frozen=True)
class CampaignPairOverlap:
    """Two campaigns, `campaign_a` < `campaign_b`, and the distinct guests who got both on one
    business day."""

    campaign_a: str
    campaign_b: str
    guests: int


NO_OVERLAP = Overlap(0, 0, 0)


class _Filter:
    """The scope and window as WHERE clauses and their values, in the current dialect."""

    def __init__(
        self, campaign_ids: Collection[str], center_ids: Collection[str], window: DateWindow
    ) -> None:
        self.dialect = dialect()
        self.values: list[Any] = []
        self.centers = sorted(center_ids)
        self.campaigns = sorted(campaign_ids)
        self.window = window
        self.by_code_point = ' COLLATE "C"' if self.dialect == "postgres" else ""

    def _marks(self, count: int) -> list[str]:
        return placeholders(self.dialect, count, start=len(self.values) + 1)

    def mark(self, value: Any) -> str:
        (found,) = self._marks(1)
        self.values.append(value)
        return found

    def clause(self, table: str = "") -> str:
        """The filter on `table`'s columns; its values are added each time it is used."""
        # By center even for a whole organization: the (center, date) index then finds the
        # window's rows.
        clauses = [f"{table}center_id IN ({', '.join(self._marks(len(self.centers)))})"]
        self.values += self.centers
        clauses.append(f"{table}campaign_id IN ({', '.join(self._marks(len(self.campaigns)))})")
        self.values += self.campaigns
        start, end = self._marks(2)
        clauses.append(f"{table}business_date BETWEEN {start} AND {end}")
        self.values += [self.window.start, self.window.end]
        return " AND ".join(clauses)


def _overlapping(where: _Filter) -> str:
    """The messages of guest-days with more than one campaign. The guest-days are found first,
    from the narrow columns the (center, date) index carries; only their messages are then
    read whole and ranked, rather than every message of the window."""
    return (
        "SELECT guest_key, business_date FROM message "
        f"WHERE {where.clause()} GROUP BY guest_key, business_date "
        "HAVING MIN(campaign_id) <> MAX(campaign_id)"
    )


def _overlap_sql(where: _Filter) -> str:
    code_point = where.by_code_point
    extra = "position > 1"
    return (
        "WITH ranked AS (SELECT guest_key, credits_e4, "
        "ROW_NUMBER() OVER (PARTITION BY guest_key, business_date ORDER BY sent_at, "
        f"external_id{code_point}, center_id{code_point}) AS position "
        f"FROM message WHERE {where.clause()} "
        f"AND (guest_key, business_date) IN ({_overlapping(where)})) "
        "SELECT COUNT(DISTINCT guest_key) AS guests, "
        f"COALESCE(SUM(CASE WHEN {extra} THEN 1 ELSE 0 END), 0) AS extra_messages, "
        f"COALESCE(SUM(CASE WHEN {extra} THEN credits_e4 / {CREDITS_SPLIT} ELSE 0 END), 0) "
        "AS credits_high, "
        f"COALESCE(SUM(CASE WHEN {extra} THEN credits_e4 % {CREDITS_SPLIT} ELSE 0 END), 0) "
        "AS credits_low FROM ranked"
    )


def _pairs_sql(where: _Filter, first: int) -> str:
    code_point = where.by_code_point
    return (
        "WITH reached AS MATERIALIZED (SELECT DISTINCT guest_key, business_date, campaign_id "
        f"FROM message WHERE {where.clause()} "
        f"AND (guest_key, business_date) IN ({_overlapping(where)})) "
        "SELECT a.campaign_id AS campaign_a, b.campaign_id AS campaign_b, "
        "COUNT(DISTINCT a.guest_key) AS guests FROM reached a JOIN reached b "
        "ON a.guest_key = b.guest_key AND a.business_date = b.business_date "
        f"AND a.campaign_id{code_point} < b.campaign_id{code_point} "
        "GROUP BY a.campaign_id, b.campaign_id "
        f"ORDER BY guests DESC, a.campaign_id{code_point}, b.campaign_id{code_point} "
        f"LIMIT {where.mark(first)}"
    )


async def message_overlap(
    campaign_ids: Collection[str], center_ids: Collection[str], window: DateWindow
) -> Overlap:
    """The overlap of these campaigns' messages at these centers (the campaigns a scope sees
    and its centers) over the window."""
    if not campaign_ids or not center_ids:
        return NO_OVERLAP
    where = _Filter(campaign_ids, center_ids, window)
    sql = _overlap_sql(where)
    rows = await fetch_rows(sql, where.values)
    if not rows:
        return NO_OVERLAP
    row = rows[0]
    return Overlap(
        guests=int(row["guests"] or 0),
        extra_messages=int(row["extra_messages"] or 0),
        extra_credits_e4=int(row["credits_high"] or 0) * CREDITS_SPLIT
        + int(row["credits_low"] or 0),
    )


async def top_campaign_pairs(
    campaign_ids: Collection[str], center_ids: Collection[str], window: DateWindow, first: int
) -> list[CampaignPairOverlap]:
    """The `first` campaign pairs with the most guests who got both on one business day; most
    first, then by the two campaign ids."""
    if not campaign_ids or not center_ids or first <= 0:
        return []
    where = _Filter(campaign_ids, center_ids, window)
    sql = _pairs_sql(where, first)
    rows = await fetch_rows(sql, where.values)
    return [
        CampaignPairOverlap(str(row["campaign_a"]), str(row["campaign_b"]), int(row["guests"]))
        for row in rows
    ]
