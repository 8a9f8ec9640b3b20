"""Each process's arrays of every campaign it was asked about, kept current by reading the
derived rows that batches wrote since (backend/engine/writes.py).

A reader reads the campaigns' (`ledger_version`, `ledger_seq`) first. A campaign whose version
moved (or that was never loaded) is loaded whole; one whose seq moved reads only the rows
numbered above the seq its arrays were built at: what the batches since then wrote. Both reads
and the seq they reach come from one snapshot of the database, so arrays never mix two states
of the ledger, and an answer is never older than the seqs read first: a report read after a
batch was acknowledged includes it, in every process. Building and merging arrays runs in a
worker thread (numpy releases the interpreter lock), off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.engine.arrays import (
    CampaignUsage,
    Cells,
    NotIndexable,
    Visits,
    build,
    credits_from_parts,
    exact_array,
    merge,
)
from backend.engine.snapshots import SNAPSHOT_EVERY, decode, read_snapshots, write_snapshots
from backend.sql import placeholders
from backend.usage import CREDITS_SPLIT
from backend.versions import PerConnection

State = tuple[int, int]  # (ledger_version, ledger_seq)
# A campaign is read whole when its arrays start from nothing.
_WHOLE = -1

# PostgreSQL packs each (campaign, center)'s rows into binary strings: no Python object per row.
_PG_SINCE = "unnest($1::text[], $2::int8[]) AS f (campaign_id, since)"
_PG_VISITS = (
    "SELECT v.campaign_id, v.center_id, "
    "string_agg(int4send(v.guest_key), ''::bytea) AS guests, "
    "string_agg(int4send(v.day), ''::bytea) AS days, "
    "string_agg(int4send(v.previous_day), ''::bytea) AS previous, "
    "string_agg(int4send(v.previous_center_day), ''::bytea) AS previous_center "
    f"FROM {_PG_SINCE} JOIN usage_visit v ON v.campaign_id = f.campaign_id AND v.seq > f.since "
    "GROUP BY v.campaign_id, v.center_id"
)
_PG_CELLS = (
    "SELECT c.campaign_id, c.center_id, "
    "string_agg(int4send(c.day), ''::bytea) AS days, "
    "string_agg(int8send(c.messages), ''::bytea) AS messages, "
    "string_agg(int8send(c.processed), ''::bytea) AS processed, "
    "string_agg(int8send(c.credits_high), ''::bytea) AS credits_high, "
    "string_agg(int8send(c.credits_low), ''::bytea) AS credits_low "
    f"FROM {_PG_SINCE} JOIN usage_cell c ON c.campaign_id = f.campaign_id AND c.seq > f.since "
    "GROUP BY c.campaign_id, c.center_id"
)
_SQLITE_SINCE = "json_each(?) AS f"
_SQLITE_VISITS = (
    "SELECT v.campaign_id, v.center_id, v.guest_key, v.day, v.previous_day, "
    f"v.previous_center_day FROM {_SQLITE_SINCE} JOIN usage_visit v "
    "ON v.campaign_id = f.value ->> 0 AND v.seq > f.value ->> 1"
)
_SQLITE_CELLS = (
    "SELECT c.campaign_id, c.center_id, c.day, c.messages, c.processed, c.credits_high, "
    f"c.credits_low FROM {_SQLITE_SINCE} JOIN usage_cell c "
    "ON c.campaign_id = f.value ->> 0 AND c.seq > f.value ->> 1"
)


@dataclass
class _Rows:
    """What the snapshot held for one campaign: its state and the rows above `since`."""

    state: State
    since: int
    # center id -> (guest keys, days, previous days, previous center days)
    visits: dict[str, tuple[Any, Any, Any, Any]]
    # center id -> (days, messages, processed, credits)
    cells: dict[str, tuple[Any, Any, Any, Any]]
    # The snapshot the rows continue, when the arrays start from one: (version, seq, data).
    snapshot: tuple[int, int, bytes] | None = None


_STATES = "SELECT id, ledger_version, ledger_seq FROM campaign WHERE id IN ({marks})"


async def campaign_states(
    campaign_ids: Collection[str], connection: BaseDBAsyncClient | None = None
) -> dict[str, State]:
    """Each campaign's (ledger_version, ledger_seq), on `connection` (the default one when
    None)."""
    if not campaign_ids:
        return {}
    connection = connection or connections.get("default")
    marks = ", ".join(placeholders(str(connection.capabilities.dialect), len(campaign_ids)))
    rows = await connection.execute_query_dict(_STATES.format(marks=marks), sorted(campaign_ids))
    return {r["id"]: (int(r["ledger_version"]), int(r["ledger_seq"])) for r in rows}


@contextlib.asynccontextmanager
async def _snapshot() -> AsyncIterator[tuple[BaseDBAsyncClient, Any]]:
    """One consistent view of the database for several statements: a read-only repeatable
    read transaction on PostgreSQL; on SQLite a transaction, during which no batch commits."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        async with (
            connection.acquire_connection() as raw,
            raw.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield connection, raw
    else:
        async with in_transaction() as transaction:
            yield transaction, None


async def _read(since: Mapping[str, int]) -> dict[str, _Rows]:
    async with _snapshot() as (connection, raw):
        ids = sorted(since)
        found: dict[str, _Rows] = {}
        if raw is not None:
            sql = _STATES.format(marks="SELECT unnest($1::text[])")
            # Logged like Tortoise's own statements, so statement counts include it.
            connection.log.debug("%s: %s", sql, [ids])
            states = {
                r["id"]: (int(r["ledger_version"]), int(r["ledger_seq"]))
                for r in await raw.fetch(sql, ids)
            }
        else:
            states = await campaign_states(ids, connection)
        for campaign_id, state in states.items():
            found[campaign_id] = _Rows(state, since[campaign_id], {}, {})
        if not found:
            return found
        whole = [c for c, rows in found.items() if rows.since == _WHOLE]
        for campaign_id, snapshot in (await read_snapshots(connection, raw, whole)).items():
            rows = found[campaign_id]
            version, seq, _ = snapshot
            if version == rows.state[0] and seq <= rows.state[1]:
                rows.since, rows.snapshot = seq, snapshot
        pairs = [(c, found[c].since) for c in sorted(found)]
        if raw is not None:
            await _read_postgres(raw, connection, pairs, found)
        else:
            await _read_sqlite(connection, pairs, found)
        return found


async def _read_postgres(
    raw: Any, connection: BaseDBAsyncClient, pairs: list[tuple[str, int]], found: dict[str, _Rows]
) -> None:
    values = [[c for c, _ in pairs], [s for _, s in pairs]]
    connection.log.debug("%s: %s", _PG_VISITS, values)
    for row in await raw.fetch(_PG_VISITS, *values):
        found[row["campaign_id"]].visits[row["center_id"]] = tuple(
            np.frombuffer(row[name], dtype=">i4").astype(np.int64)
            for name in ("guests", "days", "previous", "previous_center")
        )  # type: ignore[assignment]
    connection.log.debug("%s: %s", _PG_CELLS, values)
    for row in await raw.fetch(_PG_CELLS, *values):
        high = np.frombuffer(row["credits_high"], dtype=">i8").astype(np.int64)
        low = np.frombuffer(row["credits_low"], dtype=">i8").astype(np.int64)
        found[row["campaign_id"]].cells[row["center_id"]] = (
            np.frombuffer(row["days"], dtype=">i4").astype(np.int64),
            np.frombuffer(row["messages"], dtype=">i8").astype(np.int64),
            np.frombuffer(row["processed"], dtype=">i8").astype(np.int64),
            credits_from_parts(high, low, CREDITS_SPLIT),
        )


async def _read_sqlite(
    connection: BaseDBAsyncClient, pairs: list[tuple[str, int]], found: dict[str, _Rows]
) -> None:
    argument = [json.dumps(pairs)]
    visits: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
    for row in await connection.execute_query_dict(_SQLITE_VISITS, argument):
        visits.setdefault((row["campaign_id"], row["center_id"]), []).append(
            (row["guest_key"], row["day"], row["previous_day"], row["previous_center_day"])
        )
    for (campaign_id, center_id), rows in visits.items():
        table = np.array(rows, dtype=np.int64).reshape(-1, 4)
        found[campaign_id].visits[center_id] = tuple(table[:, i].copy() for i in range(4))  # type: ignore[assignment]
    cells: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
    for row in await connection.execute_query_dict(_SQLITE_CELLS, argument):
        credits = int(row["credits_high"]) * CREDITS_SPLIT + int(row["credits_low"])
        cells.setdefault((row["campaign_id"], row["center_id"]), []).append(
            (row["day"], row["messages"], row["processed"], credits)
        )
    for (campaign_id, center_id), rows in cells.items():
        found[campaign_id].cells[center_id] = (
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64),
            np.array([r[2] for r in rows], dtype=np.int64),
            exact_array([r[3] for r in rows]),
        )


def _apply(old: CampaignUsage | None, rows: _Rows) -> CampaignUsage:
    """The campaign's arrays after `rows`: built whole, or `old` merged with them."""
    centers = list(old.centers) if old is not None else []
    for center_id in sorted(set(rows.visits) | set(rows.cells)):
        if center_id not in centers:
            centers.append(center_id)
    position = {center_id: at for at, center_id in enumerate(centers)}
    visit_parts = [
        Visits.from_columns(np.full(len(g), position[c], dtype=np.int64), g, d, p, pc)
        for c, (g, d, p, pc) in rows.visits.items()
    ]
    no_rows = np.zeros(0, dtype=np.int64)
    visits = Visits.join(visit_parts) if visit_parts else Visits.from_columns(*[no_rows] * 5)
    parts = list(rows.cells.items())
    credits = [part[3] for _, part in parts]
    cells = Cells.from_columns(
        np.concatenate(
            [np.full(len(p[0]), position[c], dtype=np.int64) for c, p in parts] or [no_rows]
        ),
        np.concatenate([p[0] for _, p in parts] or [no_rows]),
        np.concatenate([p[1] for _, p in parts] or [no_rows]),
        np.concatenate([p[2] for _, p in parts] or [no_rows]),
        _joined_credits(credits),
    )
    version, seq = rows.state
    if old is None:
        return build(version, seq, centers, visits, cells)
    return merge(old, seq, centers, visits, cells)


def _joined_credits(parts: list[Any]) -> Any:
    """The parts as one array: 64-bit only while the campaign's whole total surely fits."""
    if not parts:
        return np.zeros(0, dtype=np.int64)
    if all(part.dtype != object for part in parts):
        joined = np.concatenate(parts)
        if len(joined) == 0 or int(joined.max()) <= _INT64_MAX // len(joined):
            return joined
    return exact_array([int(v) for part in parts for v in part])


_INT64_MAX = int(np.iinfo(np.int64).max)


class UsageStore:
    """The arrays of one database's campaigns in this process."""

    def __init__(self) -> None:
        self._usages: dict[str, CampaignUsage] = {}
        self._unindexable: dict[str, State] = {}
        # The (version, seq) of each campaign's snapshot as this process last knew it.
        self._snapshots: dict[str, State] = {}
        self._lock = asyncio.Lock()

    async def usages(self, campaign_ids: Collection[str]) -> dict[str, CampaignUsage] | None:
        """Each campaign's arrays at least as new as the ledger when called; None when one of
        them cannot have arrays (its reports come from SQL)."""
        states = await campaign_states(campaign_ids)
        if self._stale(states):
            async with self._lock:  # one reader catches up; the others find it done
                stale = self._stale(states)
                if stale:
                    await self._catch_up(stale)
        if any(self._unindexable.get(c) == state for c, state in states.items()):
            return None
        return {c: self._usages[c] for c in states}

    def _stale(self, states: Mapping[str, State]) -> list[str]:
        stale = []
        for campaign_id, (version, seq) in states.items():
            usage = self._usages.get(campaign_id)
            if usage is not None and usage.version == version and usage.seq >= seq:
                continue
            unindexable = self._unindexable.get(campaign_id)
            if unindexable is not None and unindexable[0] == version and unindexable[1] >= seq:
                continue
            stale.append(campaign_id)
        return stale

    async def _catch_up(self, campaign_ids: list[str]) -> None:
        since = {}
        for campaign_id in campaign_ids:
            usage = self._usages.get(campaign_id)
            since[campaign_id] = _WHOLE if usage is None else usage.seq
        found = await _read(since)
        # A version other than the arrays' means the rows were rebuilt: read them whole.
        rebuilt = {
            c: _WHOLE
            for c, rows in found.items()
            if rows.snapshot is None
            and rows.since != _WHOLE
            and self._usages[c].version != rows.state[0]
        }
        if rebuilt:
            found.update(await _read(rebuilt))
        await asyncio.to_thread(self._apply_all, found)

    def _apply_all(self, found: Mapping[str, _Rows]) -> None:
        for campaign_id, rows in found.items():
            old = None if rows.since == _WHOLE else self._usages.get(campaign_id)
            if rows.snapshot is not None:
                version, seq, data = rows.snapshot
                old = decode(version, seq, data)
                self._snapshots[campaign_id] = (version, seq)
            try:
                self._usages[campaign_id] = _apply(old, rows)
            except NotIndexable:
                self._usages.pop(campaign_id, None)
                self._unindexable[campaign_id] = rows.state
            else:
                self._unindexable.pop(campaign_id, None)

    def snapshots_due(self) -> dict[str, CampaignUsage]:
        """Campaigns whose arrays are SNAPSHOT_EVERY batches or more ahead of their snapshot
        (or have none, or one of another version)."""
        due = {}
        for campaign_id, usage in list(self._usages.items()):
            known = self._snapshots.get(campaign_id)
            if known is None or known[0] != usage.version or usage.seq - known[1] >= SNAPSHOT_EVERY:
                due[campaign_id] = usage
        return due

    async def store_snapshots(self) -> int:
        """Write the snapshots that are due; the number written."""
        due = self.snapshots_due()
        written = await write_snapshots(due)
        for campaign_id, usage in due.items():
            self._snapshots[campaign_id] = (usage.version, usage.seq)
        return written


_stores = PerConnection(UsageStore)


def usage_store() -> UsageStore:
    """This process's arrays of the connected database (a new connection starts empty)."""
    return _stores.get()


async def warm_up(campaigns_per_read: int = 64) -> None:
    """Load every campaign's arrays ahead of the first report (from their snapshots where they
    have one), then store the snapshots that are due, for the next process."""
    rows = await connections.get("default").execute_query_dict("SELECT id FROM campaign")
    ids = sorted(row["id"] for row in rows)
    for start in range(0, len(ids), campaigns_per_read):
        await usage_store().usages(ids[start : start + campaigns_per_read])
    await usage_store().store_snapshots()
