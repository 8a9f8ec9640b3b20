"""The derived rows of the engine, written in the ingest's own transaction.

A batch adds its new visits (a guest's first message of a day at a center of a campaign),
recomputes the previous-visit days of the guests it added visits for (a late message can be
some visit's new predecessor), and recomputes the sums of the (campaign, center, day) cells it
touched from the messages themselves, so restatements need no bookkeeping of old values. Each
derived row written carries the campaign's new `ledger_seq`, which the batch raises first: the
campaign row's lock orders a campaign's batches, so readers see the numbers in commit order.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable

from tortoise.backends.base.client import BaseDBAsyncClient

from backend.sql import placeholders
from backend.usage import CREDITS_SPLIT

# (campaign, center, guest key, day number) of one recorded message.
MessagePlace = tuple[str, str, int, int]

_PG_INSERT_VISITS = (
    "INSERT INTO usage_visit (campaign_id, center_id, guest_key, day, previous_day, "
    "previous_center_day, seq) "
    "SELECT v.campaign_id, v.center_id, v.guest_key, v.day, -1, -1, c.ledger_seq "
    "FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[]) "
    "AS v (campaign_id, center_id, guest_key, day) JOIN campaign c ON c.id = v.campaign_id "
    "ORDER BY v.campaign_id, v.guest_key, v.day, v.center_id "
    "ON CONFLICT (campaign_id, guest_key, day, center_id) DO NOTHING "
    "RETURNING campaign_id, guest_key"
)
_SQLITE_INSERT_VISITS = (
    "INSERT INTO usage_visit (campaign_id, center_id, guest_key, day, previous_day, "
    "previous_center_day, seq) "
    "SELECT v.value ->> 0, v.value ->> 1, v.value ->> 2, v.value ->> 3, -1, -1, c.ledger_seq "
    "FROM json_each(?) AS v JOIN campaign c ON c.id = v.value ->> 0 WHERE true "
    "ON CONFLICT (campaign_id, guest_key, day, center_id) DO NOTHING "
    "RETURNING campaign_id, guest_key"
)
# The previous-visit days of every visit of the given (campaign, guest) pairs, recomputed;
# only rows whose days change are written (and renumbered).
_PREVIOUS = (
    "WITH pairs AS ({pairs}), ranked AS ("
    "SELECT v.id, v.campaign_id, "
    "COALESCE(LAG(v.day) OVER (PARTITION BY v.campaign_id, v.guest_key "
    "ORDER BY v.day, v.center_id), 0) AS previous_day, "
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
_PG_PAIRS = "SELECT DISTINCT * FROM unnest($1::text[], $2::int4[]) AS p (campaign_id, guest_key)"
_SQLITE_PAIRS = (
    "SELECT DISTINCT p.value ->> 0 AS campaign_id, p.value ->> 1 AS guest_key "
    "FROM json_each(?) AS p"
)
_CELL_SUMS = (
    "COUNT(*), SUM(CASE WHEN m.outcome = 'PROCESSED' THEN 1 ELSE 0 END), "
    f"SUM(m.credits_e4 / {CREDITS_SPLIT}), SUM(m.credits_e4 % {CREDITS_SPLIT}), c.ledger_seq"
)
_CELL_UPSERT = (
    "ON CONFLICT (campaign_id, center_id, day) DO UPDATE SET messages = excluded.messages, "
    "processed = excluded.processed, credits_high = excluded.credits_high, "
    "credits_low = excluded.credits_low, seq = excluded.seq "
    "WHERE usage_cell.messages <> excluded.messages "
    "OR usage_cell.processed <> excluded.processed "
    "OR usage_cell.credits_high <> excluded.credits_high "
    "OR usage_cell.credits_low <> excluded.credits_low"
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
    f"GROUP BY t.campaign_id, t.center_id, t.day, c.ledger_seq {_CELL_UPSERT}"
)
_SQLITE_CELLS = (
    f"{_CELL_COLUMNS}SELECT t.value ->> 0, t.value ->> 1, t.value ->> 2, {_CELL_SUMS} "
    "FROM json_each(?) AS t JOIN campaign c ON c.id = t.value ->> 0 "
    "JOIN message m ON m.center_id = t.value ->> 1 "
    "AND m.business_date = date((t.value ->> 2) * 86400, 'unixepoch') "
    "AND m.campaign_id = t.value ->> 0 "
    f"GROUP BY t.value ->> 0, t.value ->> 1, t.value ->> 2, c.ledger_seq {_CELL_UPSERT}"
)


async def record_batch(
    connection: BaseDBAsyncClient, places: Iterable[MessagePlace], changed: Collection[str]
) -> None:
    """Bring the derived rows of the `changed` campaigns up to date with a batch whose
    messages lie at `places` (those of other campaigns are ignored), in the batch's
    transaction."""
    if not changed:
        return
    visits = sorted({place for place in places if place[0] in changed})
    dialect = str(connection.capabilities.dialect)
    await _raise_seq(connection, dialect, changed)
    added = await _insert_visits(connection, dialect, visits)
    if added:
        await _recompute_previous(connection, dialect, sorted(set(added)))
    cells = sorted({(campaign, center, day) for campaign, center, _, day in visits})
    await _recompute_cells(connection, dialect, cells)


async def _raise_seq(
    connection: BaseDBAsyncClient, dialect: str, campaign_ids: Collection[str]
) -> None:
    marks = ", ".join(placeholders(dialect, len(campaign_ids)))
    await connection.execute_query(
        f"UPDATE campaign SET ledger_seq = ledger_seq + 1 WHERE id IN ({marks})",
        sorted(campaign_ids),
    )


async def _insert_visits(
    connection: BaseDBAsyncClient, dialect: str, visits: list[MessagePlace]
) -> list[tuple[str, int]]:
    if not visits:
        return []
    if dialect == "postgres":
        columns = [list(column) for column in zip(*visits, strict=True)]
        rows = await connection.execute_query_dict(_PG_INSERT_VISITS, columns)
    else:
        rows = await connection.execute_query_dict(_SQLITE_INSERT_VISITS, [json.dumps(visits)])
    return [(row["campaign_id"], int(row["guest_key"])) for row in rows]


async def _recompute_previous(
    connection: BaseDBAsyncClient, dialect: str, pairs: list[tuple[str, int]]
) -> None:
    if dialect == "postgres":
        campaigns, guests = (list(column) for column in zip(*pairs, strict=True))
        await connection.execute_query(_PREVIOUS.format(pairs=_PG_PAIRS), [campaigns, guests])
    else:
        await connection.execute_query(_PREVIOUS.format(pairs=_SQLITE_PAIRS), [json.dumps(pairs)])


async def _recompute_cells(
    connection: BaseDBAsyncClient, dialect: str, cells: list[tuple[str, str, int]]
) -> None:
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
    "ORDER BY v.day, v.center_id), 0), "
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
    await connection.execute_query(_REBUILD_VISITS.format(day=day, only=only), values)
    await connection.execute_query(_REBUILD_CELLS.format(day=day, only=only), values)
