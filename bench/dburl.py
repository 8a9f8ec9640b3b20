"""The benchmark's own access to its database: URL parsing, creating the PostgreSQL database,
and the plain-driver connections the floor and the dataset check use (not the product's ORM)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]


@dataclass(frozen=True)
class DatabaseUrl:
    """A Tortoise URL (`sqlite://file.db`, `postgres://user@host:5432/db`)."""

    url: str

    @property
    def dialect(self) -> str:
        scheme = urlsplit(self.url).scheme
        if scheme == "sqlite":
            return "sqlite"
        if scheme in ("postgres", "postgresql", "asyncpg", "psycopg"):
            return "postgres"
        raise ValueError(f"unsupported database URL {self.url!r}")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite://"))

    @property
    def postgres_dsn(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))

    @property
    def label(self) -> str:
        return "SQLite" if self.dialect == "sqlite" else "PostgreSQL"


async def ensure_database(db: DatabaseUrl) -> None:
    """Create the SQLite file's folder or the PostgreSQL database if missing."""
    if db.dialect == "sqlite":
        db.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return
    parts = urlsplit(db.postgres_dsn)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    connection = await asyncpg.connect(admin)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def message_count(db: DatabaseUrl, organization_id: str) -> int:
    """Messages stored for the organization; 0 when the database or its schema does not exist
    yet (the generator creates both)."""
    if db.dialect == "sqlite":
        if not db.sqlite_path.exists():
            return 0
        with sqlite3.connect(db.sqlite_path) as connection:
            try:
                row = connection.execute(
                    "SELECT COUNT(*) FROM message WHERE organization_id = ?", (organization_id,)
                ).fetchone()
            except sqlite3.OperationalError:
                return 0
        return int(row[0])
    try:
        connection = await asyncpg.connect(db.postgres_dsn)
    except asyncpg.InvalidCatalogNameError:
        return 0
    try:
        if await connection.fetchval("SELECT to_regclass('message')") is None:
            return 0
        count = await connection.fetchval(
            "SELECT COUNT(*) FROM message WHERE organization_id = $1", organization_id
        )
    finally:
        await connection.close()
    return int(count)


async def server_version(db: DatabaseUrl) -> str:
    if db.dialect == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    connection = await asyncpg.connect(db.postgres_dsn)
    try:
        version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return f"PostgreSQL {str(version).split()[0]}"


async def _maintain(db: DatabaseUrl, statement: str) -> None:
    if db.dialect != "postgres":
        return
    connection = await asyncpg.connect(db.postgres_dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def analyze(db: DatabaseUrl) -> None:
    """Refresh the planner's statistics (PostgreSQL).

    During a bulk load into a fresh table the statistics say "empty", and the ledger's lookup of
    stored external ids then scans every row of the organization: the load turns quadratic.
    Autovacuum catches up only once a minute, so the loader asks for statistics itself.
    """
    await _maintain(db, "ANALYZE")


async def vacuum(db: DatabaseUrl) -> None:
    """After a load or an ingest (PostgreSQL): statistics, and the visibility map without which
    no scan is index-only. Autovacuum would get there in time (unless it is off, as here)."""
    await _maintain(db, "VACUUM (ANALYZE)")
