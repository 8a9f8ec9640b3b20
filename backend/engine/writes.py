"""The derived rows of the engine, written in the ingest's own transaction.

A batch adds its new visits (a guest's first message of a day at a center of a campaign) with
their previous-visit days, fixes the previous-visit days of the stored visits of guests it
added a visit before (a late message), and brings the sums of the (campaign, center, day) cells
it touched up to date: by adding the batch's own sums when every message was new, by summing the
cells' messages again when some were restated (so restatements need no record of old values).
Each derived row written carries the campaign's new `ledger_seq`, which the batch raises first:
the campaign row's lock then orders a campaign's batches, so derived rows are numbered in commit
order and two batches never derive one campaign's rows at once.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import NamedTuple

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.sql import placeholders
from backend.usage import CREDITS_SPLIT


class MessagePlace(NamedTuple):
    """Where one recorded message lies and what it adds to its cell."""

    campaign_id: str
    center_id: str
    guest_key: int
    day: int  # day number of its business date
    processed: bool
    credits_e4: int


# The latest stored visit day of each (campaign, guest) pair at each center it visited: enough
# to give the batch's newest visits their previous days without reading whole histories.
_PG_LATEST = (
    "SELECT v.campaign_id, v.guest_key, v.center_id, max(v.day) AS day "
    "FROM unnest($1::text[], $2::int4[]) AS p (campaign_id, guest_key) "
    "JOIN usage_visit v ON v.campaign_id = p.campaign_id AND v.guest_key = p.guest_key "
    "GROUP BY v.campaign_id, v.guest_key, v.center_id"
)
_SQLITE_LATEST = (
    "SELECT v.campaign_id, v.guest_key, v.center_id, max(v.day) AS day "
    "FROM json_each(?) AS p JOIN usage_visit v "
    "ON v.campaign_id = p.value ->> 0 AND v.guest_key = p.value ->> 1 "
    "GROUP BY v.campaign_id, v.guest_key, v.center_id"
)
_VISIT_COLUMNS = (
    "INSERT INTO usage_visit (campaign_id, center_id, guest_key, day, previous_day, "
    "previous_center_day, seq) "
)
_PG_INSERT_VISITS = (
    f"{_VISIT_COLUMNS}SELECT v.campaign_id, v.center_id, v.guest_key, v.day, v.previous_day, "
    "v.previous_center_day, c.ledger_seq "
    "FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::int4[], $6::int4[]) "
    "AS v (campaign_id, center_id, guest_key, day, previous_day, previous_center_day) "
    "JOIN campaign c ON c.id = v.campaign_id "
    "ON CONFLICT (campaign_id, guest_key, day, center_id) DO NOTHING"
)
_SQLITE_INSERT_VISITS = (
    f"{_VISIT_COLUMNS}SELECT v.value ->> 0, v.value ->> 1, v.value ->> 2, v.value ->> 3, "
    "v.value ->> 4, v.value ->> 5, c.ledger_seq "
    "FROM json_each(?) AS v JOIN campaign c ON c.id = v.value ->> 0 WHERE true "
    "ON CONFLICT (campaign_id, guest_key, day, center_id) DO NOTHING"
)
# The previous-visit days of every visit of the given (campaign, guest) pairs, recomputed;
# only rows whose days change are written (and renumbered).
_PREVIOUS = (
    "WITH pairs AS ({pairs}), ranked AS ("
    "SELECT v.id, v.campaign_id, "
    "COALESCE(LAG(v.day) OVER (PARTITION BY v.campaign_id, v.guest_key "
    "ORDER BY v.day, v.center_id{binary}), 0) AS previous_day, "
    "COALESCE(LAG(v.day) OVER (PARTITION BY v.campaign_id, v.guest_key, v.center_id "
    "ORDER BY v.day), 0) AS previous_center_day "
    "FROM usage_visit v JOIN pairs p "
    "ON v.campaign_id = p.campaign_id AND v.guest_key = p.guest_key) "
    "UPDATE usage_visit SET previous_day = r.previous_day, "
    "previous_center_day = r.previous_center_day, seq = c.ledger_seq "
    "FROM ranked r JOIN campaign c ON c.id = r.campaign_id "
    "WHERE usage_visit.id = r.id AND (usage_visit.previous_day <> r.previous_day "
    "OR usage_visit.previous_center_day <> r.previous_center_day)"
)
# Same-day visits at several centers are ordered by center id code point by code point, as
# Python compares strings (SQLite's default; PostgreSQL's "C" collation).
_BINARY = {"postgres": ' COLLATE "C"', "sqlite": ""}
_PG_PAIRS = "SELECT DISTINCT * FROM unnest($1::text[], $2::int4[]) AS p (campaign_id, guest_key)"
_SQLITE_PAIRS = (
    "SELECT DISTINCT p.value ->> 0 AS campaign_id, p.value ->> 1 AS guest_key "
    "FROM json_each(?) AS p"
)
_CELL_SUMS = (
    "COUNT(*), SUM(CASE WHEN m.outcome = 'PROCESSED' THEN 1 ELSE 0 END), "
    f"SUM(m.credits_e4 / {CREDITS_SPLIT}), SUM(m.credits_e4 % {CREDITS_SPLIT}), c.ledger_seq"
)
_CELL_REPLACE = (
    "ON CONFLICT (campaign_id, center_id, day) DO UPDATE SET messages = excluded.messages, "
    "processed = excluded.processed, credits_high = excluded.credits_high, "
    "credits_low = excluded.credits_low, seq = excluded.seq "
    "WHERE usage_cell.messages <> excluded.messages "
    "OR usage_cell.processed <> excluded.processed "
    "OR usage_cell.credits_high <> excluded.credits_high "
    "OR usage_cell.credits_low <> excluded.credits_low"
)
_CELL_ADD = (
    "ON CONFLICT (campaign_id, center_id, day) DO UPDATE SET "
    "messages = usage_cell.messages + excluded.messages, "
    "processed = usage_cell.processed + excluded.processed, "
    "credits_high = usage_cell.credits_high + excluded.credits_high, "
    "credits_low = usage_cell.credits_low + excluded.credits_low, seq = excluded.seq"
)
_CELL_COLUMNS = (
    "INSERT INTO usage_cell (campaign_id, center_id, day, messages, processed, credits_high, "
    "credits_low, seq) "
)
# Joined on (center, date) first: the message index by center and day holds a few rows per
# center and day, where the campaign's holds every center's.
_PG_CELLS = (
    f"{_CELL_COLUMNS}SELECT t.campaign_id, t.center_id, t.day, {_CELL_SUMS} "
    "FROM unnest($1::text[], $2::text[], $3::int4[]) AS t (campaign_id, center_id, day) "
    "JOIN campaign c ON c.id = t.campaign_id "
    "JOIN message m ON m.center_id = t.center_id "
    "AND m.business_date = DATE '1970-01-01' + t.day AND m.campaign_id = t.campaign_id "
    f"GROUP BY t.campaign_id, t.center_id, t.day, c.ledger_seq {_CELL_REPLACE}"
)
_SQLITE_CELLS = (
    f"{_CELL_COLUMNS}SELECT t.value ->> 0, t.value ->> 1, t.value ->> 2, {_CELL_SUMS} "
    "FROM json_each(?) AS t JOIN campaign c ON c.id = t.value ->> 0 "
    "JOIN message m ON m.center_id = t.value ->> 1 "
    "AND m.business_date = date((t.value ->> 2) * 86400, 'unixepoch') "
    "AND m.campaign_id = t.value ->> 0 "
    f"GROUP BY t.value ->> 0, t.value ->> 1, t.value ->> 2, c.ledger_seq {_CELL_REPLACE}"
)
_PG_ADD_CELLS = (
    f"{_CELL_COLUMNS}SELECT t.campaign_id, t.center_id, t.day, t.messages, t.processed, "
    "t.credits_high, t.credits_low, c.ledger_seq "
    "FROM unnest($1::text[], $2::text[], $3::int4[], $4::int8[], $5::int8[], $6::int8[], "
    "$7::int8[]) AS t (campaign_id, center_id, day, messages, processed, credits_high, "
    f"credits_low) JOIN campaign c ON c.id = t.campaign_id ORDER BY 1, 2, 3 {_CELL_ADD}"
)
_SQLITE_ADD_CELLS = (
    f"{_CELL_COLUMNS}SELECT t.value ->> 0, t.value ->> 1, t.value ->> 2, t.value ->> 3, "
    "t.value ->> 4, t.value ->> 5, t.value ->> 6, c.ledger_seq "
    f"FROM json_each(?) AS t JOIN campaign c ON c.id = t.value ->> 0 WHERE true {_CELL_ADD}"
)

Cell = tuple[str, str, int]  # (campaign, center, day number)


async def record_batch(
    connection: BaseDBAsyncClient,
    places: Iterable[MessagePlace],
    changed: Collection[str],
    *,
    all_new: bool,
) -> None:
    """Bring the derived rows of the `changed` campaigns up to date with a batch whose
    messages lie at `places` (those of other campaigns are ignored), in the batch's
    transaction. `all_new`: every message of the batch was inserted, none restated."""
    if not changed:
        return
    mine = [place for place in places if place.campaign_id in changed]
    dialect = str(connection.capabilities.dialect)
    await _raise_seq(connection, dialect, changed)
    visits = sorted({(p.campaign_id, p.center_id, p.guest_key, p.day) for p in mine})
    late = await _insert_visits(connection, dialect, visits)
    if late:
        await _recompute_previous(connection, dialect, sorted(set(late)))
    if all_new:
        await _add_cells(connection, dialect, mine)
    else:
        cells = sorted({(p.campaign_id, p.center_id, p.day) for p in mine})
        await _recompute_cells(connection, dialect, cells)


# The rows are locked in id order: an UPDATE locks them in the order it finds them, which
# differs between concurrent statements once updates have moved the rows, and two batches
# sharing campaigns then deadlock.
_PG_RAISE_SEQ = (
    "UPDATE campaign SET ledger_seq = ledger_seq + 1 WHERE id IN (SELECT id FROM campaign "
    "WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE)"
)


async def _raise_seq(
    connection: BaseDBAsyncClient, dialect: str, campaign_ids: Collection[str]
) -> None:
    ids = sorted(campaign_ids)
    if dialect == "postgres":
        await connection.execute_query(_PG_RAISE_SEQ, [ids])
        return
    # SQLite: one writer at a time, nothing to order.
    marks = ", ".join(placeholders(dialect, len(ids)))
    await connection.execute_query(
        f"UPDATE campaign SET ledger_seq = ledger_seq + 1 WHERE id IN ({marks})", ids
    )


async def _insert_visits(
    connection: BaseDBAsyncClient, dialect: str, visits: list[tuple[str, str, int, int]]
) -> list[tuple[str, int]]:
    """Insert the visits not stored yet, with their previous days where the guest has no
    stored visit after them (the usual case: the newest days); the (campaign, guest) pairs
    left to `_recompute_previous`."""
    if not visits:
        return []
    by_pair: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for campaign_id, center_id, guest_key, day in visits:
        by_pair.setdefault((campaign_id, guest_key), []).append((day, center_id))
    latest = await _latest_stored(connection, dialect, sorted(by_pair))
    rows: list[tuple[str, str, int, int, int, int]] = []
    late: list[tuple[str, int]] = []
    for (campaign_id, guest_key), batch in by_pair.items():
        at_center = latest.get((campaign_id, guest_key), {})
        fresh = _fresh_visits(sorted(batch), at_center)
        if fresh is None:  # a stored visit lies after one of these: recomputed below
            late.append((campaign_id, guest_key))
            fresh = [(day, center_id, -1, -1) for day, center_id in batch]
        rows.extend(
            (campaign_id, center_id, guest_key, day, previous, previous_here)
            for day, center_id, previous, previous_here in fresh
        )
    if rows:
        if dialect == "postgres":
            columns = [list(column) for column in zip(*rows, strict=True)]
            await connection.execute_query(_PG_INSERT_VISITS, columns)
        else:
            await connection.execute_query(_SQLITE_INSERT_VISITS, [json.dumps(rows)])
    return late


def _fresh_visits(
    batch: list[tuple[int, str]], at_center: dict[str, int]
) -> list[tuple[int, str, int, int]] | None:
    """The batch's visits of one guest to one campaign, in (day, center) order, that are not
    stored, each with its previous day and previous day at its center; None when a stored
    visit comes after one of them (then the guest's visits are recomputed whole). Centers are
    compared by code point, as the database orders them (`_BINARY`)."""
    stored_last = max(((day, center) for center, day in at_center.items()), default=(0, ""))
    previous, previous_at = stored_last[0], dict(at_center)
    fresh = []
    for day, center_id in batch:
        last_here = at_center.get(center_id)
        if last_here == day:
            continue  # stored already: the latest visit at its center
        if (last_here is not None and day < last_here) or (day, center_id) < stored_last:
            return None
        fresh.append((day, center_id, previous, previous_at.get(center_id, 0)))
        previous, previous_at[center_id] = day, day
    return fresh


async def _latest_stored(
    connection: BaseDBAsyncClient, dialect: str, pairs: list[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, int]]:
    if dialect == "postgres":
        campaigns, guests = (list(column) for column in zip(*pairs, strict=True))
        rows = await connection.execute_query_dict(_PG_LATEST, [campaigns, guests])
    else:
        rows = await connection.execute_query_dict(_SQLITE_LATEST, [json.dumps(pairs)])
    latest: dict[tuple[str, int], dict[str, int]] = {}
    for row in rows:
        pair = (row["campaign_id"], int(row["guest_key"]))
        latest.setdefault(pair, {})[row["center_id"]] = int(row["day"])
    return latest


async def _recompute_previous(
    connection: BaseDBAsyncClient, dialect: str, pairs: list[tuple[str, int]]
) -> None:
    if dialect == "postgres":
        campaigns, guests = (list(column) for column in zip(*pairs, strict=True))
        await connection.execute_query(
            _PREVIOUS.format(pairs=_PG_PAIRS, binary=_BINARY[dialect]), [campaigns, guests]
        )
    else:
        await connection.execute_query(
            _PREVIOUS.format(pairs=_SQLITE_PAIRS, binary=_BINARY[dialect]), [json.dumps(pairs)]
        )


async def _add_cells(
    connection: BaseDBAsyncClient, dialect: str, places: list[MessagePlace]
) -> None:
    """Add the batch's own sums to its cells (every message in it is new)."""
    sums: dict[Cell, list[int]] = {}
    for place in places:
        total = sums.setdefault((place.campaign_id, place.center_id, place.day), [0, 0, 0, 0])
        total[0] += 1
        total[1] += place.processed
        high, low = divmod(place.credits_e4, CREDITS_SPLIT)
        total[2] += high
        total[3] += low
    rows = [(*cell, *total) for cell, total in sorted(sums.items())]
    if not rows:
        return
    if dialect == "postgres":
        columns = [list(column) for column in zip(*rows, strict=True)]
        await connection.execute_query(_PG_ADD_CELLS, columns)
    else:
        await connection.execute_query(_SQLITE_ADD_CELLS, [json.dumps(rows)])


async def _recompute_cells(connection: BaseDBAsyncClient, dialect: str, cells: list[Cell]) -> None:
    if not cells:
        return
    if dialect == "postgres":
        columns = [list(column) for column in zip(*cells, strict=True)]
        await connection.execute_query(_PG_CELLS, columns)
    else:
        await connection.execute_query(_SQLITE_CELLS, [json.dumps(cells)])


_DAY_OF_DATE = {
    "postgres": "(m.business_date - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(m.business_date) - 2440587.5 AS INTEGER)",
}
_REBUILD_VISITS = (
    "INSERT INTO usage_visit (campaign_id, center_id, guest_key, day, previous_day, "
    "previous_center_day, seq) "
    "SELECT v.campaign_id, v.center_id, v.guest_key, v.day, "
    "COALESCE(LAG(v.day) OVER (PARTITION BY v.campaign_id, v.guest_key "
    "ORDER BY v.day, v.center_id{binary}), 0), "
    "COALESCE(LAG(v.day) OVER (PARTITION BY v.campaign_id, v.guest_key, v.center_id "
    "ORDER BY v.day), 0), c.ledger_seq "
    "FROM (SELECT DISTINCT m.campaign_id, m.center_id, m.guest_key, {day} AS day "
    "FROM message m WHERE m.guest_key IS NOT NULL{only}) AS v "
    "JOIN campaign c ON c.id = v.campaign_id"
)
_REBUILD_CELLS = (
    f"{_CELL_COLUMNS}SELECT m.campaign_id, m.center_id, {{day}}, {_CELL_SUMS} "
    "FROM message m JOIN campaign c ON c.id = m.campaign_id WHERE true{only} "
    "GROUP BY m.campaign_id, m.center_id, m.business_date, c.ledger_seq"
)


async def rebuild_campaigns(
    connection: BaseDBAsyncClient, campaign_ids: Collection[str] | None
) -> None:
    """Derive the rows of these campaigns (every campaign for None) afresh from their
    messages, in the caller's transaction: after messages were removed (a void), or to fill
    the tables for a ledger recorded before they existed. The caller gives the campaigns a
    new `ledger_version`, so every process reloads them rather than catching up."""
    dialect = str(connection.capabilities.dialect)
    values: list[object] = []
    only = ""
    if campaign_ids is not None:
        if not campaign_ids:
            return
        ids = sorted(campaign_ids)
        await _raise_seq(connection, dialect, ids)
        marks = ", ".join(placeholders(dialect, len(ids)))
        only = f" AND m.campaign_id IN ({marks})"
        values = list(ids)
        for table in ("usage_visit", "usage_cell"):
            await connection.execute_query(
                f"DELETE FROM {table} WHERE campaign_id IN ({marks})", values
            )
    else:
        await connection.execute_script("DELETE FROM usage_visit; DELETE FROM usage_cell")
    day = _DAY_OF_DATE[dialect]
    await connection.execute_query(
        _REBUILD_VISITS.format(day=day, only=only, binary=_BINARY[dialect]), values
    )
    await connection.execute_query(_REBUILD_CELLS.format(day=day, only=only), values)
