"""An in-memory index of a campaign's usage per center and business day, for the center
drilldown: one row per center of the campaign, for any window, without rescanning the ledger.

It applies the idea of backend/usage_index.py per center: one *visit* per (guest, center,
business day) with messages, sorted by day, beside the day of the same guest's previous visit
to the same center. The visits in a window [a, b] whose previous visit is before a are each
(guest, center) pair once, so counting them per center gives each center's distinct guests.
Processed messages and credits are prefix sums over the (center, day) pairs in center order, so
each center's window is two lookups (integers, ten-thousandths). A window costs time in
proportion to its own visits and the number of centers, not to the campaign's history.

Unlike the organization-wide index, this one is built in the background and only for campaigns
whose drilldown is asked for: a busy campaign's history takes a second or more to read, longer
than the SQL answer for one window, and a steady ingest moves its version all day. So a request
uses the index only when it was built at exactly the campaign versions the request read (an
answer is never older than them); otherwise SQL answers and the campaign is queued for a
rebuild, which the next request at that version finds. A campaign that is not being written to
(a finished blast, a quiet hour) is then answered from memory.

Memory: 6 bytes per visit and 24 per (center, day), bounded by MAX_VISITS over the campaigns
kept (least recently asked about dropped first).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.sql import placeholders
from backend.usage import Usage, prefix_sums
from backend.usage_index import MAX_OFFSET, CampaignNotIndexable, base_of, window_offsets
from backend.versions import PerConnection

logger = logging.getLogger(__name__)

# Visits kept over all cached campaigns: the benchmark's busiest campaign has about 1.5M.
MAX_VISITS = 6_000_000
# Campaigns read by one background statement.
CAMPAIGNS_PER_BUILD = 16
_MAX_CENTERS = int(np.iinfo(np.uint16).max)


@dataclass(frozen=True)
class CenterIndex:
    version: int
    base: int  # the day number before the campaign's first business day (offsets start at 1)
    centers: tuple[str, ...]  # center ids; arrays below hold positions in this tuple
    # Visits: (guest, center, day), by day.
    days: NDArray[np.uint16]
    visit_centers: NDArray[np.uint16]
    previous: NDArray[np.uint16]  # the same guest's previous visit to the same center, 0 none
    # (center, day) pairs with messages as center << 16 | day, ascending (each center's days
    # together), and prefix sums over them: a center's window is one contiguous run.
    pairs: NDArray[np.int64]
    processed_before: NDArray[np.int64]  # processed_before[i]: messages of pairs[:i]
    # 64-bit integers, or Python integers when the campaign's credits outgrow them.
    credits_before: NDArray[Any]

    @property
    def visits(self) -> int:
        return len(self.days)

    def by_center(
        self, start: int, end: int, center_ids: Collection[str] | None
    ) -> dict[str, Usage]:
        """Each center's numbers over day numbers [start, end], for the centers with messages
        in it (of `center_ids`, or of all when None)."""
        first, last = window_offsets(self.base, start, end)
        if last < first:
            return {}
        size = len(self.centers)
        each = np.arange(size, dtype=np.int64) << 16
        lo = self.pairs.searchsorted(each | first)
        hi = self.pairs.searchsorted(each | last, "right")
        present = hi > lo
        if not present.any():
            return {}
        processed = self.processed_before[hi] - self.processed_before[lo]
        credits = self.credits_before[hi] - self.credits_before[lo]
        # Searched with 16-bit values: a wider one would make numpy widen the whole array.
        low, high = np.uint16(first), np.uint16(last)
        v_lo, v_hi = self.days.searchsorted(low), self.days.searchsorted(high, "right")
        first_visits = self.previous[v_lo:v_hi] < low
        guests = np.bincount(self.visit_centers[v_lo:v_hi][first_visits], minlength=size)
        wanted = None if center_ids is None else set(center_ids)
        # Python ints, converted a whole array at a time.
        guests_of, processed_of, credits_of = guests.tolist(), processed.tolist(), credits.tolist()
        result: dict[str, Usage] = {}
        for position in np.flatnonzero(present).tolist():
            center_id = self.centers[position]
            if wanted is None or center_id in wanted:
                result[center_id] = Usage(
                    guests_of[position], processed_of[position], credits_of[position]
                )
        return result


@dataclass
class CenterRows:
    """One center's messages of a campaign, one array entry per message."""

    center_id: str
    guests: NDArray[np.int64]  # guest keys, -1 for none
    days: NDArray[np.int64]  # business day numbers
    processed: NDArray[np.int64]  # 1 when the outcome is PROCESSED, else 0
    credits_e4: NDArray[np.int64]


def build(version: int, rows: list[CenterRows]) -> CenterIndex:
    """The index of a campaign from its messages, center by center, in any order."""
    rows = sorted(rows, key=lambda r: r.center_id)
    if len(rows) > _MAX_CENTERS:
        raise CampaignNotIndexable
    # Every message of the campaign passes through here in 64-bit arrays: each is dropped as
    # soon as it is used, and processed and credits are read only for the sums at the end, so
    # the busiest campaign's build stays a modest transient of the server's memory.
    positions = np.concatenate(
        [np.full(len(r.days), p, dtype=np.int64) for p, r in enumerate(rows)] or [_EMPTY]
    )
    days = np.concatenate([r.days for r in rows] or [_EMPTY])
    base = base_of(days)
    offsets = days - base
    del days

    # Visits: a key sorting by center, guest, day (16 + 31 + 16 bits); deduplicated, each
    # (center, guest) run lists its days in order, and a visit's predecessor in its run is the
    # previous visit.
    guests = np.concatenate([r.guests for r in rows] or [_EMPTY])
    with_guest = guests >= 0
    key = positions[with_guest] << 47
    key |= guests[with_guest] << 16
    key |= offsets[with_guest]
    del guests, with_guest
    visits = np.unique(key)
    del key
    visit_offsets = visits & MAX_OFFSET
    previous = np.zeros(len(visits), dtype=np.int64)
    if len(visits) > 1:
        same = (visits[1:] >> 16) == (visits[:-1] >> 16)
        previous[1:] = np.where(same, visit_offsets[:-1], 0)
        del same
    by_day = np.argsort(visit_offsets, kind="stable")

    # Sums per (center, day): sort by that key, add up each run, then prefix sums.
    pair = positions << 16
    pair |= offsets
    del positions, offsets
    order = np.argsort(pair, kind="stable")
    pair = pair[order]
    starts = np.flatnonzero(np.concatenate([[len(pair) > 0], pair[1:] != pair[:-1]]))
    # reduceat needs at least one start; an empty campaign has none and no sums.
    pair_processed = _run_sums(
        np.concatenate([r.processed for r in rows] or [_EMPTY]), order, starts
    )
    credits = np.concatenate([r.credits_e4 for r in rows] or [_EMPTY])
    if len(credits) and int(credits.max()) > np.iinfo(np.int64).max // len(credits):
        # Sums that could outgrow 64 bits (only credits recorded before the ledger's bounds
        # can): added as Python integers, exactly, instead of wrapping around.
        credits = credits.astype(object)
    pair_credits = _run_sums(credits, order, starts)
    del order

    return CenterIndex(
        version=version,
        base=base,
        centers=tuple(r.center_id for r in rows),
        days=visit_offsets[by_day].astype(np.uint16),
        visit_centers=(visits[by_day] >> 47).astype(np.uint16),
        previous=previous[by_day].astype(np.uint16),
        pairs=pair[starts].astype(np.int64),
        processed_before=np.concatenate([[0], np.cumsum(pair_processed)]).astype(np.int64),
        credits_before=prefix_sums(pair_credits),
    )


_EMPTY = np.zeros(0, dtype=np.int64)


def _run_sums(
    values: NDArray[Any], order: NDArray[np.intp], starts: NDArray[np.intp]
) -> NDArray[Any]:
    """The sums of `values` taken in `order`, over the runs beginning at `starts`."""
    if not len(starts):
        return _EMPTY
    sums: NDArray[Any] = np.add.reduceat(values[order], starts)
    return sums


# Packed by the database (no Python object per message). Aggregates of one group see its rows
# in the same order, so the four strings line up.
_PG_ROWS = (
    "SELECT campaign_id, center_id, "
    "string_agg(int4send(COALESCE(guest_key, -1)), ''::bytea) AS guests, "
    "string_agg(int4send(business_date - DATE '1970-01-01'), ''::bytea) AS days, "
    "string_agg(CASE WHEN outcome = 'PROCESSED' THEN '\\x01'::bytea ELSE '\\x00'::bytea END, "
    "''::bytea) AS processed, "
    "string_agg(int8send(credits_e4), ''::bytea) AS credits "
    "FROM message WHERE campaign_id = ANY($1::text[]) "
    "GROUP BY campaign_id, center_id ORDER BY campaign_id"
)
_SQLITE_ROWS = (
    "SELECT campaign_id, center_id, COALESCE(guest_key, -1), "
    "CAST(julianday(business_date) - 2440587.5 AS INTEGER), "
    "CASE WHEN outcome = 'PROCESSED' THEN 1 ELSE 0 END, credits_e4 "
    "FROM message WHERE campaign_id IN ({marks}) ORDER BY campaign_id, center_id"
)
_SQLITE_ROWS_PER_FETCH = 10_000


# (campaign id, the version read before its messages, its messages center by center)
Built = AsyncIterator[tuple[str, int, list[CenterRows]]]


async def _read_postgres(connection: BaseDBAsyncClient, campaign_ids: list[str]) -> Built:
    """The versions first, then the messages: what is read is at least as new as the version
    it is stored with, which is all a reader at that version needs."""
    async with connection.acquire_connection() as raw, raw.transaction(readonly=True):
        versions = {
            r["id"]: int(r["ledger_version"])
            for r in await raw.fetch(
                "SELECT id, ledger_version FROM campaign WHERE id = ANY($1::text[])", campaign_ids
            )
        }
        current: str | None = None
        rows: list[CenterRows] = []
        async for row in raw.cursor(_PG_ROWS, campaign_ids, prefetch=4):
            if row["campaign_id"] != current:
                if current is not None:
                    yield current, versions.pop(current), rows
                current, rows = row["campaign_id"], []
            rows.append(
                CenterRows(
                    row["center_id"],
                    np.frombuffer(row["guests"], dtype=">i4").astype(np.int64),
                    np.frombuffer(row["days"], dtype=">i4").astype(np.int64),
                    np.frombuffer(row["processed"], dtype=np.uint8).astype(np.int64),
                    np.frombuffer(row["credits"], dtype=">i8").astype(np.int64),
                )
            )
        if current is not None:
            yield current, versions.pop(current), rows
    for campaign_id, version in versions.items():  # no messages at all
        yield campaign_id, version, []


async def _read_sqlite(connection: BaseDBAsyncClient, campaign_ids: list[str]) -> Built:
    """As on PostgreSQL; the messages come as rows, one statement holding the connection."""
    marks = ", ".join(placeholders("sqlite", len(campaign_ids)))
    async with connection.acquire_connection() as raw:
        cursor = await raw.execute(
            f"SELECT id, ledger_version FROM campaign WHERE id IN ({marks})", campaign_ids
        )
        versions = {row[0]: int(row[1]) for row in await cursor.fetchall()}
        await cursor.close()
        cursor = await raw.execute(_SQLITE_ROWS.format(marks=marks), campaign_ids)
        campaign: str | None = None
        center: str | None = None
        found: list[tuple[int, int, int, int]] = []
        rows: list[CenterRows] = []

        def flush() -> None:
            if center is not None:
                table = np.array(found, dtype=np.int64).reshape(-1, 4)
                rows.append(CenterRows(center, *(table[:, i].copy() for i in range(4))))

        while fetched := await cursor.fetchmany(_SQLITE_ROWS_PER_FETCH):
            for campaign_id, center_id, guest, day, processed, credits in fetched:
                if (campaign_id, center_id) != (campaign, center):
                    flush()
                    if campaign is not None and campaign_id != campaign:
                        yield campaign, versions.pop(campaign), rows
                        rows = []
                    campaign, center, found = campaign_id, center_id, []
                found.append((guest, day, processed, credits))
        await cursor.close()
        flush()
        if campaign is not None:
            yield campaign, versions.pop(campaign), rows
    for campaign_id, version in versions.items():
        yield campaign_id, version, []


class CenterIndexes:
    """The center indexes of one database's campaigns, and the background task building the
    ones asked for."""

    def __init__(self) -> None:
        self._indexes: OrderedDict[str, CenterIndex] = OrderedDict()
        self._unindexable: dict[str, int] = {}
        self._wanted: dict[str, None] = {}  # in the order asked
        self._builder: asyncio.Task[None] | None = None

    def fresh(self, versions: Mapping[str, int]) -> dict[str, CenterIndex]:
        """The indexes built at exactly these versions; the other campaigns are queued for a
        build (SQL answers them meanwhile)."""
        found = self.built(versions)
        for campaign_id in found:
            self._indexes.move_to_end(campaign_id)
        for campaign_id, version in versions.items():
            if campaign_id not in found and self._unindexable.get(campaign_id) != version:
                self._wanted[campaign_id] = None
        if self._wanted and (self._builder is None or self._builder.done()):
            self._builder = asyncio.get_running_loop().create_task(
                self._build_wanted(connections.get("default"))
            )
        return found

    def built(self, versions: Mapping[str, int]) -> dict[str, CenterIndex]:
        """The indexes built at exactly these versions, and nothing queued."""
        return {
            campaign_id: index
            for campaign_id, version in versions.items()
            if (index := self._indexes.get(campaign_id)) is not None and index.version == version
        }

    async def idle(self) -> None:
        """Wait for the queued builds (tests; a server does not need to)."""
        while self._builder is not None and not self._builder.done():
            await asyncio.shield(self._builder)

    async def stop(self) -> None:
        if self._builder is not None and not self._builder.done():
            self._builder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._builder

    async def _build_wanted(self, connection: BaseDBAsyncClient) -> None:
        read = _read_postgres if connection.capabilities.dialect == "postgres" else _read_sqlite
        while self._wanted:
            batch = sorted(self._wanted)[:CAMPAIGNS_PER_BUILD]
            for campaign_id in batch:
                del self._wanted[campaign_id]
            # Logged apart from the requests' statements (tortoise.db_client): a request does
            # not run these, nor wait for them.
            logger.debug("Building center indexes for %s", batch)
            try:
                async for campaign_id, version, rows in read(connection, batch):
                    self._store(campaign_id, version, rows)
            except Exception:
                # Not fatal: SQL keeps answering, and the next request asks again.
                logger.warning("Building center indexes for %s failed", batch, exc_info=True)

    def _store(self, campaign_id: str, version: int, rows: list[CenterRows]) -> None:
        self._indexes.pop(campaign_id, None)
        try:
            index = build(version, rows)
        except CampaignNotIndexable:
            self._unindexable[campaign_id] = version
            return
        self._unindexable.pop(campaign_id, None)
        self._indexes[campaign_id] = index
        kept = sum(i.visits for i in self._indexes.values())
        while kept > MAX_VISITS and len(self._indexes) > 1:
            _, dropped = self._indexes.popitem(last=False)
            kept -= dropped.visits


_indexes = PerConnection(CenterIndexes)


def center_indexes() -> CenterIndexes:
    """This process's center indexes of the connected database."""
    return _indexes.get()
