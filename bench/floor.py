"""The floor: the same report numbers from hand-written SQL over the raw `message` table.

A plain Starlette app (no GraphQL, no ORM) with the best indexes this query shape can have
(`FLOOR_INDEXES`), serialising with orjson. It answers what operations 1-3 of the benchmark ask
the product, so the runner can assert that the numbers agree exactly and divide the product's
latency by this one: a ratio survives a noisy machine better than milliseconds do.

    .venv/bin/python -m bench.floor --database-url URL --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.dburl import DatabaseUrl

_INCLUDED = ("guest_id", "outcome", "credits_e4")
# (name, key columns, extra covered columns): every report query reads one index only.
FLOOR_INDEXES = (
    ("bench_floor_org_date", ("organization_id", "business_date"), ("campaign_id", "center_id")),
    ("bench_floor_center_date", ("center_id", "business_date"), ("campaign_id",)),
    ("bench_floor_campaign_date", ("campaign_id", "business_date"), ("center_id",)),
)

_METRICS = (
    "COUNT(DISTINCT guest_id) AS targeted, "
    "SUM(CASE WHEN outcome = 'PROCESSED' THEN 1 ELSE 0 END) AS processed, "
    "SUM(credits_e4) AS credits"
)


def _visible(center: bool) -> str:
    """Campaigns reaching at least one center of the scope (backend/hierarchy.py's rule)."""
    only = " AND x.id = :center" if center else ""
    return f"""
    c.organization_id = :org AND (
      (c.created_from = 'ORGANIZATION' AND c.owner_id = c.organization_id AND EXISTS (
         SELECT 1 FROM center x WHERE x.organization_id = c.organization_id{only}))
      OR (c.created_from = 'ZONE' AND EXISTS (
         SELECT 1 FROM center x WHERE x.zone_id = c.owner_id
           AND x.organization_id = c.organization_id{only}))
      OR (c.created_from = 'CENTER' AND EXISTS (
         SELECT 1 FROM center x WHERE x.id = c.owner_id
           AND x.organization_id = c.organization_id{only})))
    """


def report_sql(center: bool) -> str:
    """One statement: the visible campaigns joined to their usage in the window, ordered like
    the report's default (credits descending, id ascending), with the match count."""
    # Organization scope: walk the (campaign_id, business_date) index campaign by campaign, so
    # the grouping needs no sort; center scope: the (center_id, business_date) index reads
    # only that center's rows. (Measured faster than the other way round on both databases.)
    rows = (
        "organization_id = :org AND center_id = :center"
        if center
        else "campaign_id IN (SELECT id FROM campaign WHERE organization_id = :org)"
    )
    return f"""
    WITH usage AS (
      SELECT campaign_id, {_METRICS} FROM message
      WHERE {rows} AND business_date BETWEEN :start AND :end
      GROUP BY campaign_id)
    SELECT c.id, c.name, c.type, c.created_from, c.channel, s.name AS source, c.status,
           COALESCE(u.targeted, 0) AS targeted, COALESCE(u.processed, 0) AS processed,
           COALESCE(u.credits, 0) AS credits, COUNT(*) OVER () AS total_count
    FROM campaign c JOIN credit_source s ON s.id = c.credit_source_id
    LEFT JOIN usage u ON u.campaign_id = c.id
    WHERE {_visible(center)}
    ORDER BY credits DESC, c.id
    LIMIT :first
    """


def totals_sql(center: bool) -> str:
    # Every message of the scope belongs to a campaign that reaches it (the ledger checks
    # reach at ingest), so the totals need no join to the visible campaigns.
    only = " AND center_id = :center" if center else ""
    return f"""
    SELECT {_METRICS} FROM message
    WHERE organization_id = :org AND business_date BETWEEN :start AND :end{only}
    """


CAMPAIGN_SQL = f"""
SELECT c.id, c.name, u.targeted, u.processed, u.credits
FROM campaign c CROSS JOIN (
  SELECT {_METRICS} FROM message
  WHERE campaign_id = :campaign AND business_date BETWEEN :start AND :end) u
WHERE c.id = :campaign AND c.organization_id = :org
"""
CENTERS_SQL = f"""
SELECT m.center_id, x.name, x.timezone, m.targeted, m.processed, m.credits
FROM (SELECT center_id, {_METRICS} FROM message
      WHERE campaign_id = :campaign AND business_date BETWEEN :start AND :end
      GROUP BY center_id) m
JOIN center x ON x.id = m.center_id
ORDER BY m.credits DESC, m.center_id
"""
DATES_SQL = f"""
SELECT business_date, {_METRICS} FROM message
WHERE campaign_id = :campaign AND business_date BETWEEN :start AND :end
GROUP BY business_date
"""


def credits_text(credits_e4: int) -> str:
    """Ten-thousandths as an exact decimal string, as the API's `Decimal` scalar prints it."""
    whole, fraction = divmod(int(credits_e4), 10_000)
    return f"{whole}.{fraction:04d}"


def _usage(row: Sequence[Any], at: int) -> dict[str, Any]:
    return {
        "targetedGuests": int(row[at] or 0),
        "processed": int(row[at + 1] or 0),
        "creditsConsumed": credits_text(row[at + 2] or 0),
    }


def _bind(sql: str, dialect: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """Named `:param` marks to `?` (SQLite) or `$n` (asyncpg) with their values in order."""
    values: list[Any] = []
    order: dict[str, int] = {}
    out: list[str] = []
    i = 0
    while i < len(sql):
        if sql[i] == ":" and i + 1 < len(sql) and sql[i + 1].isalpha():
            j = i + 1
            while j < len(sql) and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            name = sql[i + 1 : j]
            if dialect == "sqlite":
                values.append(params[name])
                out.append("?")
            else:
                if name not in order:
                    values.append(params[name])
                    order[name] = len(values)
                cast = "::text" if name in ("center", "org", "campaign") else ""
                cast = "::date" if name in ("start", "end") else cast
                cast = "::int" if name == "first" else cast
                out.append(f"${order[name]}{cast}")
            i = j
        else:
            out.append(sql[i])
            i += 1
    return "".join(out), values


class FloorDatabase:
    """Runs the floor's statements on asyncpg (a pool) or sqlite3 (a connection per thread)."""

    def __init__(self, db: DatabaseUrl) -> None:
        self.db = db
        self.pool: asyncpg.Pool | None = None
        self._local = threading.local()
        self._sqlite_connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    async def open(self) -> None:
        if self.db.dialect == "postgres":
            self.pool = await asyncpg.create_pool(self.db.postgres_dsn, min_size=2, max_size=20)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        with self._lock:
            for connection in self._sqlite_connections:
                connection.close()
            self._sqlite_connections.clear()

    def _sqlite(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.db.sqlite_path, check_same_thread=False)
            self._local.connection = connection
            with self._lock:
                self._sqlite_connections.append(connection)
        return connection

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[Sequence[Any]]:
        text, values = _bind(sql, self.db.dialect, params)
        if self.pool is not None:
            return list(await self.pool.fetch(text, *values))
        return await run_in_threadpool(lambda: self._sqlite().execute(text, values).fetchall())

    async def fetch_many(
        self, statements: Sequence[tuple[str, dict[str, Any]]]
    ) -> list[list[Sequence[Any]]]:
        """Independent statements in parallel (the best the floor can do)."""
        # On SQLite each thread has its own connection, and WAL lets readers run in parallel.
        return list(await asyncio.gather(*(self.fetch(s, p) for s, p in statements)))


def _window(request: Request) -> tuple[date, date]:
    return date.fromisoformat(request.query_params["start"]), date.fromisoformat(
        request.query_params["end"]
    )


def create_app(db: DatabaseUrl) -> Starlette:
    database = FloorDatabase(db)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await database.open()
        try:
            yield
        finally:
            await database.close()

    async def report(request: Request) -> Response:
        start, end = _window(request)
        center = request.query_params.get("center")
        scope: dict[str, Any] = {"org": request.query_params["organization"]}
        scope |= {"start": start, "end": end} | ({"center": center} if center else {})
        first = int(request.query_params.get("first", "50"))
        rows, totals = await database.fetch_many(
            [
                (report_sql(bool(center)), scope | {"first": first}),
                (totals_sql(bool(center)), scope),
            ]
        )
        body = {
            "totalCount": int(rows[0][10]) if rows else 0,
            "totals": _usage(totals[0], 0),
            "rows": [
                {
                    "id": r[0],
                    "name": r[1],
                    "type": r[2],
                    "createdFrom": r[3],
                    "channel": r[4],
                    "creditSource": r[5],
                    "status": r[6],
                    **_usage(r, 7),
                }
                for r in rows
            ],
        }
        return Response(orjson.dumps(body), media_type="application/json")

    async def drilldown(request: Request) -> Response:
        start, end = _window(request)
        kind = request.path_params["kind"]
        params = {
            "org": request.query_params["organization"],
            "campaign": request.path_params["campaign"],
            "start": start,
            "end": end,
        }
        breakdown_sql = CENTERS_SQL if kind == "centers" else DATES_SQL
        breakdown_params = {k: params[k] for k in ("campaign", "start", "end")}
        campaign, rows = await database.fetch_many(
            [(CAMPAIGN_SQL, params), (breakdown_sql, breakdown_params)]
        )
        if not campaign:
            return Response(orjson.dumps(None), media_type="application/json", status_code=404)
        body: dict[str, Any] = {
            "id": campaign[0][0],
            "name": campaign[0][1],
            **_usage(campaign[0], 2),
        }
        if kind == "centers":
            body["centers"] = [
                {"id": r[0], "name": r[1], "timezone": r[2], **_usage(r, 3)} for r in rows
            ]
        else:
            by_day = {_as_date(r[0]): _usage(r, 1) for r in rows}
            zero = _usage((0, 0, 0), 0)
            body["dates"] = [
                {
                    "date": (start + timedelta(days=i)).isoformat(),
                    **by_day.get(start + timedelta(days=i), zero),
                }
                for i in range((end - start).days + 1)
            ]
        return Response(orjson.dumps(body), media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(
        routes=[
            Route("/report", report),
            Route("/campaign/{campaign}/{kind:str}", drilldown),
            Route("/healthz", health),
        ],
        lifespan=lifespan,
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def index_statements(dialect: str) -> list[str]:
    """CREATE INDEX statements for the floor: covering on PostgreSQL, wide keys on SQLite."""
    statements = []
    for name, keys, extra in FLOOR_INDEXES:
        covered = (*extra, *_INCLUDED)
        if dialect == "postgres":
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {name} ON message ({', '.join(keys)}) "
                f"INCLUDE ({', '.join(covered)})"
            )
        else:
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {name} ON message ({', '.join((*keys, *covered))})"
            )
    return statements


def drop_statements() -> list[str]:
    return [f"DROP INDEX IF EXISTS {name}" for name, _, _ in FLOOR_INDEXES]


SqliteStats = list[tuple[Any, ...]]


async def create_indexes(db: DatabaseUrl) -> SqliteStats:
    """Build the floor's indexes and refresh statistics (and, on PostgreSQL, the visibility
    map, without which no scan is index-only).

    SQLite keeps its statistics in the file (`sqlite_stat1`) and the product never writes
    them, so the rows there before are returned, for `drop_indexes` to put back: the floor
    plans with full statistics, and the product's next run finds the file as it was.
    """
    if db.dialect == "sqlite":
        with sqlite3.connect(db.sqlite_path) as connection:
            exists = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).fetchone()
            saved = connection.execute("SELECT * FROM sqlite_stat1").fetchall() if exists else []
            for statement in index_statements("sqlite"):
                connection.execute(statement)
            connection.execute("ANALYZE")
        return saved
    connection = await asyncpg.connect(db.postgres_dsn)
    try:
        await connection.execute("SET maintenance_work_mem = '1GB'")
        for statement in index_statements("postgres"):
            await connection.execute(statement)
        await connection.execute("VACUUM (ANALYZE) message")
    finally:
        await connection.close()
    return []


async def drop_indexes(db: DatabaseUrl, restore: SqliteStats | None = None) -> None:
    """The floor's indexes must not slow the product's ingest nor serve its queries: they exist
    only while the floor is measured. `restore` puts SQLite's statistics back as they were."""
    if db.dialect == "sqlite":
        with sqlite3.connect(db.sqlite_path) as connection:
            for statement in drop_statements():
                connection.execute(statement)
            if restore is not None:
                exists = connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
                ).fetchone()
                if exists:
                    connection.execute("DELETE FROM sqlite_stat1")
                    connection.executemany("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", restore)
        return
    connection = await asyncpg.connect(db.postgres_dsn)
    try:
        for statement in drop_statements():
            await connection.execute(statement)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    app = create_app(DatabaseUrl(args.database_url))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
