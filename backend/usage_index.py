"""An in-memory index of each campaign's guests per business day, so that the report answers any
date window without rescanning the ledger, and exactly.

Distinct guests do not add up over days, so the index keeps one *visit* per (guest, business
day) with messages, sorted by day, beside the day of the same guest's previous visit to the same
campaign. A guest has messages in the window [a, b] exactly when it has a visit in [a, b] whose
previous visit is before a (its first visit in the window), so the campaign's distinct guests
are the visits in the window whose previous visit is before a: one binary search and one
vectorised comparison, for any window. Processed messages and credits do add up: per-day prefix
sums answer them with two lookups. Totals over many campaigns mark the guest keys of their
visits in one bitmap.

Freshness: every ingest that changes a campaign's messages gives `campaign.ledger_version` a new
random value in its own transaction (backend/ledger.py, backend/versions.py); random, so a
database restored or rebuilt under a running server cannot repeat a version the index has seen.
A reader reads the versions first and rebuilds from the database every campaign whose version
differs from the one its index was built at, so an answer is never older than the versions read.
Each database connection (each process) has its own index; app servers stay interchangeable.

Scopes: the organization as a whole, and single centers (the same structure over one center's
messages, kept for the MAX_CENTERS centers asked about most recently). Zones and other sets of
centers are answered by SQL over the covering indexes.

Cost: 8 bytes per visit (two 16-bit day offsets and a 32-bit guest key), about 80 MB for the
10M-message benchmark, plus the cached centers' share. Rebuilding reads the stale campaigns'
messages with one statement on PostgreSQL (streamed a campaign at a time) and one per 64
campaigns on SQLite.
"""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.sql import placeholders
from backend.usage import CREDITS_SUM_SQL, Usage, credits_of_row, prefix_sums
from backend.versions import PerConnection

# Day offsets are 16-bit: a campaign's first and last business days may be 179 years apart.
MAX_OFFSET = int(np.iinfo(np.uint16).max)
_CAMPAIGNS_PER_STATEMENT = 64


class CampaignNotIndexable(Exception):
    """A campaign the 16-bit fields cannot hold (business days over 179 years apart, or, in
    the center index, more centers); SQL answers for it."""


def base_of(days: NDArray[np.int64]) -> int:
    """The day number just before the first of `days`: offsets from it start at 1, so 0 can
    mean "no previous visit"."""
    base = int(days.min()) - 1 if len(days) else 0
    if len(days) and int(days.max()) - base > MAX_OFFSET:
        raise CampaignNotIndexable
    return base


def window_offsets(base: int, start: int, end: int) -> tuple[int, int]:
    """Day numbers [start, end] as offsets from `base`, clipped to those an index can hold
    (empty when the second is below the first)."""
    return max(start - base, 1), min(end - base, MAX_OFFSET)


@dataclass(frozen=True)
class CampaignIndex:
    version: int
    # The day number just before the campaign's first business day: offsets start at 1, and 0
    # means "no previous visit".
    base: int
    days: NDArray[np.uint16]  # visit day offsets, ascending
    previous: NDArray[np.uint16]  # offset of the same guest's previous visit, 0 for none
    guests: NDArray[np.int32]
    max_guest: int  # the largest guest key, -1 without visits
    # Business days with messages (day numbers, ascending) and prefix sums over them.
    message_days: NDArray[np.int64]
    processed_before: NDArray[np.int64]  # processed_before[i]: messages on message_days[:i]
    # 64-bit integers, or Python integers when a campaign's credits outgrow them (exact sums).
    credits_before: NDArray[Any]

    def _message_span(self, start: int, end: int) -> tuple[int, int]:
        days = self.message_days
        return int(days.searchsorted(start, "left")), int(days.searchsorted(end, "right"))

    def visit_span(self, start: int, end: int) -> tuple[int, int, int]:
        """Positions [lo, hi) of the visits on day numbers [start, end], and start's offset."""
        first, last = window_offsets(self.base, start, end)
        if last < first:
            return 0, 0, first
        # Searched with 16-bit values: a wider one would make numpy widen the whole array.
        return (
            int(self.days.searchsorted(np.uint16(first), "left")),
            int(self.days.searchsorted(np.uint16(last), "right")),
            first,
        )

    def counts(self, start: int, end: int) -> Usage | None:
        """The numbers over day numbers [start, end]; None when no message falls in them."""
        found = self.counts_and_guests(start, end)
        return None if found is None else found[0]

    def counts_and_guests(self, start: int, end: int) -> tuple[Usage, NDArray[np.int32]] | None:
        """`counts`, and the guest keys of the window's visits (for totals over campaigns)."""
        m_lo, m_hi = self._message_span(start, end)
        if m_lo == m_hi:
            return None
        lo, hi, first = self.visit_span(start, end)
        counts = Usage(
            targeted_guests=int(np.count_nonzero(self.previous[lo:hi] < np.uint16(first))),
            processed=int(self.processed_before[m_hi] - self.processed_before[m_lo]),
            credits_e4=int(self.credits_before[m_hi] - self.credits_before[m_lo]),
        )
        return counts, self.guests[lo:hi]

    def counts_by_day(self, start: int, end: int) -> dict[int, Usage]:
        """Per day number in [start, end] with messages: a guest counts once on each of its days."""
        m_lo, m_hi = self._message_span(start, end)
        if m_lo == m_hi:
            return {}
        lo, hi, _ = self.visit_span(start, end)
        offsets, visits = np.unique(self.days[lo:hi], return_counts=True)
        guests_on = {
            int(offset) + self.base: int(n) for offset, n in zip(offsets, visits, strict=True)
        }
        processed = np.diff(self.processed_before[m_lo : m_hi + 1])
        credits = np.diff(self.credits_before[m_lo : m_hi + 1])
        return {
            int(day): Usage(guests_on.get(int(day), 0), int(p), int(c))
            for day, p, c in zip(self.message_days[m_lo:m_hi], processed, credits, strict=True)
        }


def _build(
    version: int,
    guest_keys: NDArray[np.int64],
    visit_days: NDArray[np.int64],
    daily: NDArray[Any],
) -> CampaignIndex:
    """From the (guest key, day number) of every message, in any order and with repeats, and
    per-day (day number, processed, credits) rows sorted by day."""
    message_days = daily[:, 0].astype(np.int64)
    all_days = np.concatenate([visit_days, message_days])
    base = base_of(all_days)
    # One key per visit, guest then day: sorting and deduplicating it gives each guest's
    # visits in day order.
    visits = np.unique((guest_keys << 16) | (visit_days - base))
    guests = visits >> 16
    offsets = (visits & MAX_OFFSET).astype(np.uint16)
    previous = np.zeros(len(offsets), dtype=np.uint16)
    if len(offsets) > 1:
        previous[1:] = np.where(guests[1:] == guests[:-1], offsets[:-1], 0)
    by_day = np.argsort(offsets, kind="stable")
    return CampaignIndex(
        version=version,
        base=base,
        days=offsets[by_day],
        previous=previous[by_day],
        guests=guests[by_day].astype(np.int32),
        max_guest=int(guests.max()) if len(guests) else -1,
        message_days=message_days,
        processed_before=np.concatenate([[0], np.cumsum(daily[:, 1].astype(np.int64))]).astype(
            np.int64
        ),
        credits_before=prefix_sums(daily[:, 2]),
    )


# Packed by the database as big-endian int32 strings (no Python object per message) and left
# unsorted: both aggregates see the rows in the same order, and numpy sorts faster.
_PG_VISITS = (
    "SELECT campaign_id, string_agg(int4send(guest_key), ''::bytea) AS guests, "
    "string_agg(int4send(business_date - DATE '1970-01-01'), ''::bytea) AS days "
    "FROM message WHERE campaign_id = ANY($1::text[]){center} AND guest_key IS NOT NULL "
    "GROUP BY campaign_id"
)
_SQLITE_DAY = "CAST(julianday(business_date) - 2440587.5 AS INTEGER)"
_SQLITE_VISITS = (
    f"SELECT campaign_id, guest_key, {_SQLITE_DAY} AS day FROM message "
    "WHERE campaign_id IN ({marks}){center} AND guest_key IS NOT NULL ORDER BY campaign_id"
)
_SQLITE_ROWS_PER_FETCH = 10_000
_DAILY = (
    "SELECT campaign_id, {day} AS day, "
    "SUM(CASE WHEN outcome = 'PROCESSED' THEN 1 ELSE 0 END) AS processed, "
    f"{CREDITS_SUM_SQL} FROM message WHERE campaign_id {{match}}{{center}} "
    "GROUP BY campaign_id, business_date ORDER BY campaign_id, business_date"
)
_EMPTY = np.zeros(0, dtype=np.int64)
_NO_DAYS = np.zeros((0, 3), dtype=np.int64)
Daily = Mapping[str, NDArray[Any]]
# Called with each campaign's guest keys and day numbers, one campaign at a time.
Store = Callable[[str, NDArray[np.int64], NDArray[np.int64], Daily], None]


def _daily_arrays(rows: Iterable[Mapping[str, Any]]) -> dict[str, NDArray[Any]]:
    """(campaign, day, processed, credits) rows, by campaign then day, as one array each: of
    64-bit integers, or of Python integers for a campaign whose credits outgrow them."""
    grouped: dict[str, list[tuple[int, int, int]]] = {}
    for row in rows:
        grouped.setdefault(row["campaign_id"], []).append(
            (int(row["day"]), int(row["processed"]), credits_of_row(row))
        )
    return {
        c: np.array(days, dtype=np.int64 if _fits(days) else object).reshape(-1, 3)
        for c, days in grouped.items()
    }


def _fits(days: list[tuple[int, int, int]]) -> bool:
    return sum(credits for _, _, credits in days) <= np.iinfo(np.int64).max


async def _read_postgres(
    connection: BaseDBAsyncClient, campaign_ids: list[str], center_id: str | None, store: Store
) -> Daily:
    """Both statements in one snapshot; the messages stream a campaign at a time, so memory
    holds one campaign's packed rows (not the whole ledger's) beside the finished indexes."""
    center = "" if center_id is None else " AND center_id = $2"
    values: list[Any] = [campaign_ids] if center_id is None else [campaign_ids, center_id]
    daily_sql = _DAILY.format(
        day="business_date - DATE '1970-01-01'", match="= ANY($1::text[])", center=center
    )
    visits_sql = _PG_VISITS.format(center=center)
    async with (
        connection.acquire_connection() as raw,
        raw.transaction(isolation="repeatable_read", readonly=True),
    ):
        # Logged like Tortoise's own statements, so statement counts include these.
        connection.log.debug("%s: %s", daily_sql, values)
        daily = _daily_arrays(await raw.fetch(daily_sql, *values))
        connection.log.debug("%s: %s", visits_sql, values)
        async for row in raw.cursor(visits_sql, *values, prefetch=1):
            store(
                row["campaign_id"],
                np.frombuffer(row["guests"], dtype=">i4").astype(np.int64),
                np.frombuffer(row["days"], dtype=">i4").astype(np.int64),
                daily,
            )
    return daily


async def _read_sqlite(
    connection: BaseDBAsyncClient, campaign_ids: list[str], center_id: str | None, store: Store
) -> Daily:
    marks = ", ".join(placeholders("sqlite", len(campaign_ids)))
    center = "" if center_id is None else " AND center_id = ?"
    values = campaign_ids if center_id is None else [*campaign_ids, center_id]
    daily = _daily_arrays(
        await connection.execute_query_dict(
            _DAILY.format(day=_SQLITE_DAY, match=f"IN ({marks})", center=center), values
        )
    )
    sql = _SQLITE_VISITS.format(marks=marks, center=center)
    connection.log.debug("%s: %s", sql, values)
    # Streamed in campaign order, so memory holds one campaign's rows as Python objects.
    current: str | None = None
    pairs: list[tuple[int, int]] = []

    def flush() -> None:
        if current is not None and pairs:
            table = np.array(pairs, dtype=np.int64).reshape(-1, 2)
            store(current, table[:, 0].copy(), table[:, 1].copy(), daily)

    async with connection.acquire_connection() as raw:
        cursor = await raw.execute(sql, values)
        while rows := await cursor.fetchmany(_SQLITE_ROWS_PER_FETCH):
            for campaign_id, guest_key, day in rows:
                if campaign_id != current:
                    flush()
                    current, pairs = campaign_id, []
                pairs.append((guest_key, day))
        await cursor.close()
    flush()
    return daily


# Centers whose own indexes are kept (least recently asked about dropped first): a center's
# messages are few, so its index is small and quick to build, but there are a thousand.
MAX_CENTERS = 64
Key = tuple[str | None, str]  # (center, or None for the whole organization; campaign)


class UsageIndex:
    """The indexes of one database's campaigns, organization-wide and for single centers,
    rebuilt when a campaign's ledger version moves."""

    def __init__(self) -> None:
        self._indexes: dict[Key, CampaignIndex] = {}
        self._unindexable: dict[Key, int] = {}
        self._centers: OrderedDict[str, None] = OrderedDict()
        self._lock = asyncio.Lock()

    async def current(
        self, versions: Mapping[str, int], center_id: str | None = None
    ) -> dict[str, CampaignIndex] | None:
        """An index for each campaign at the given versions, over the whole organization or
        one center; None when one cannot have one (the caller then asks SQL)."""
        if center_id is not None:
            self._remember(center_id)
        if self._stale(versions, center_id):
            async with self._lock:  # one rebuild at a time; waiters find it done
                await self._rebuild(self._stale(versions, center_id), center_id)
        if any(self._unindexable.get((center_id, c)) == v for c, v in versions.items()):
            return None
        return {c: self._indexes[(center_id, c)] for c in versions}

    def _remember(self, center_id: str) -> None:
        self._centers[center_id] = None
        self._centers.move_to_end(center_id)
        while len(self._centers) > MAX_CENTERS:
            dropped, _ = self._centers.popitem(last=False)
            for key in [k for k in self._indexes if k[0] == dropped]:
                del self._indexes[key]
            for key in [k for k in self._unindexable if k[0] == dropped]:
                del self._unindexable[key]

    def _stale(self, versions: Mapping[str, int], center_id: str | None) -> list[tuple[str, int]]:
        stale = []
        for campaign_id, version in versions.items():
            key = (center_id, campaign_id)
            index = self._indexes.get(key)
            if self._unindexable.get(key) != version and (
                index is None or index.version != version
            ):
                stale.append((campaign_id, version))
        return sorted(stale)

    async def _rebuild(self, campaigns: list[tuple[str, int]], center_id: str | None) -> None:
        """Rebuild these campaigns. Their versions were read before the statements here run,
        so what is read is at least as new as the version stored with it."""
        connection = connections.get("default")
        if connection.capabilities.dialect == "postgres":
            read, size = _read_postgres, max(len(campaigns), 1)
        else:  # SQLite has no arrays: campaign ids go as placeholders, a bounded number at once
            read, size = _read_sqlite, _CAMPAIGNS_PER_STATEMENT
        for start in range(0, len(campaigns), size):
            pending = dict(campaigns[start : start + size])
            store = functools.partial(self._take, pending, center_id)
            daily = await read(connection, sorted(pending), center_id, store)
            for campaign_id, version in pending.items():  # no message with a guest key
                self._store((center_id, campaign_id), version, _EMPTY, _EMPTY, daily)

    def _take(
        self,
        pending: dict[str, int],
        center_id: str | None,
        campaign_id: str,
        guests: NDArray[np.int64],
        days: NDArray[np.int64],
        daily: Daily,
    ) -> None:
        self._store((center_id, campaign_id), pending.pop(campaign_id), guests, days, daily)

    def _store(
        self,
        key: Key,
        version: int,
        guest_keys: NDArray[np.int64],
        days: NDArray[np.int64],
        daily: Daily,
    ) -> None:
        try:
            index = _build(version, guest_keys, days, daily.get(key[1], _NO_DAYS))
        except CampaignNotIndexable:
            self._indexes.pop(key, None)
            self._unindexable[key] = version
            return
        self._indexes[key] = index
        self._unindexable.pop(key, None)


_indexes = PerConnection(UsageIndex)


def usage_index() -> UsageIndex:
    """This process's index of the connected database (a new connection starts empty)."""
    return _indexes.get()


class _Scratch:
    """Reused between calls (they never await, so calls cannot interleave): fresh arrays this
    size cost page faults, and numpy would convert each 32-bit key slice to a new array of
    native-width indices before scattering it (together about half of a report's time)."""

    seen = np.zeros(0, dtype=np.bool_)
    keys = np.zeros(0, dtype=np.intp)

    @classmethod
    def bitmap(cls, size: int) -> NDArray[np.bool_]:
        if len(cls.seen) < size:
            cls.seen = np.zeros(size, dtype=np.bool_)
        seen = cls.seen[:size]
        seen[:] = False
        return seen

    @classmethod
    def as_indices(cls, keys: NDArray[np.int32]) -> NDArray[np.intp]:
        if len(cls.keys) < len(keys):
            cls.keys = np.zeros(len(keys), dtype=np.intp)
        indices = cls.keys[: len(keys)]
        indices[:] = keys
        return indices


def report_of(
    indexes: Mapping[str, CampaignIndex], start: int, end: int
) -> tuple[dict[str, Usage], Usage]:
    """Each campaign's numbers (campaigns without messages left out) and the numbers over all
    of them together, where a guest reached by two campaigns counts once, in one pass."""
    max_guest = max((index.max_guest for index in indexes.values()), default=-1)
    seen = _Scratch.bitmap(max_guest + 1)
    each: dict[str, Usage] = {}
    for campaign_id, index in indexes.items():
        found = index.counts_and_guests(start, end)
        if found is None:
            continue
        each[campaign_id], guests = found
        seen[_Scratch.as_indices(guests)] = True
    return each, Usage(
        int(np.count_nonzero(seen)),
        sum(c.processed for c in each.values()),
        sum(c.credits_e4 for c in each.values()),
    )


async def warm_up() -> None:
    """Build every campaign's index ahead of the first report: on a large ledger that takes
    seconds, which a server pays once at start rather than on a user's request."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT id, ledger_version FROM campaign"
    )
    await usage_index().current({row["id"]: int(row["ledger_version"]) for row in rows})
