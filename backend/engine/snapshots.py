"""Snapshots of campaigns' arrays in the database, so that a new process starts from them.

A snapshot is a campaign's arrays as some process built them, with the `ledger_version` and
`ledger_seq` they hold, in numpy's own file format (no pickles: loading one runs no code). A
process that has no arrays for a campaign reads its snapshot when the version still matches,
then only the derived rows numbered above the snapshot's seq (backend/engine/store.py): its
start-up costs the snapshots' size instead of the ledger's history. Processes write snapshots
after their warm-up and then every minute for campaigns that moved on since; a write replaces
an older snapshot only (a newer seq, or another version).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from typing import Any

import numpy as np
from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.engine.arrays import CampaignUsage, Cells, Visits, assemble
from backend.sql import placeholders

logger = logging.getLogger(__name__)

# A campaign's snapshot is rewritten once its arrays are this many batches ahead of it.
SNAPSHOT_EVERY = 20
SNAPSHOT_INTERVAL_SECONDS = 60.0

_UPSERT = (
    "INSERT INTO usage_snapshot (campaign_id, version, seq, data) VALUES ({marks}) "
    "ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version, seq = excluded.seq, "
    "data = excluded.data WHERE usage_snapshot.seq < excluded.seq "
    "OR usage_snapshot.version <> excluded.version"
)


def encode(usage: CampaignUsage) -> bytes | None:
    """The arrays as bytes; None for a campaign whose credits outgrow 64 bits (Python integers
    have no file format without pickles: such a campaign is read from its rows)."""
    if usage.credits_before.dtype == object:
        return None
    visits, cells = usage.visits, usage.cells()
    buffer = io.BytesIO()
    np.savez(
        buffer,
        centers=np.array(usage.centers, dtype=np.str_),
        days=visits.days,
        visit_centers=visits.centers,
        guests=visits.guests,
        previous=visits.previous,
        previous_center=visits.previous_center,
        cell_keys=cells.keys,
        cell_messages=cells.messages,
        cell_processed=cells.processed,
        cell_credits=cells.credits,
    )
    return buffer.getvalue()


def decode(version: int, seq: int, data: bytes) -> CampaignUsage:
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        visits = Visits(
            stored["days"],
            stored["visit_centers"],
            stored["guests"],
            stored["previous"],
            stored["previous_center"],
        )
        cells = Cells(
            stored["cell_keys"],
            stored["cell_messages"],
            stored["cell_processed"],
            stored["cell_credits"],
        )
        centers = tuple(str(center) for center in stored["centers"])
    return assemble(version, seq, centers, visits, cells)


async def write_snapshots(usages: Mapping[str, CampaignUsage]) -> int:
    """Store these campaigns' arrays (encoded in a worker thread); the number written."""
    connection = connections.get("default")
    marks = ", ".join(placeholders(str(connection.capabilities.dialect), 4))
    written = 0
    for campaign_id, usage in usages.items():
        data = await asyncio.to_thread(encode, usage)
        if data is None:
            continue
        await connection.execute_query(
            _UPSERT.format(marks=marks), [campaign_id, usage.version, usage.seq, data]
        )
        written += 1
    return written


async def read_snapshots(
    connection: BaseDBAsyncClient, raw: Any, campaign_ids: Collection[str]
) -> dict[str, tuple[int, int, bytes]]:
    """(version, seq, data) of the campaigns' snapshots, read in the caller's snapshot of the
    database (`raw`, an asyncpg connection, on PostgreSQL; the Tortoise connection otherwise)."""
    ids = sorted(campaign_ids)
    if not ids:
        return {}
    if raw is not None:
        sql = (
            "SELECT campaign_id, version, seq, data FROM usage_snapshot "
            "WHERE campaign_id = ANY($1::text[])"
        )
        connection.log.debug("%s: %s", sql, [ids])  # counted like Tortoise's own statements
        rows = await raw.fetch(sql, ids)
    else:
        marks = ", ".join("?" * len(ids))
        rows = await connection.execute_query_dict(
            "SELECT campaign_id, version, seq, data FROM usage_snapshot "
            f"WHERE campaign_id IN ({marks})",
            ids,
        )
    return {
        row["campaign_id"]: (int(row["version"]), int(row["seq"]), bytes(row["data"]))
        for row in rows
    }


@asynccontextmanager
async def snapshot_loop(
    store: Callable[[], Any], interval: float = SNAPSHOT_INTERVAL_SECONDS
) -> AsyncIterator[None]:
    """While the app serves: every `interval` seconds, the store (`store()`, the connected
    database's) writes the snapshots that are due."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await store().store_snapshots()
            except Exception:  # a failed write leaves the older snapshot, still correct
                logger.exception("writing usage snapshots failed")

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
