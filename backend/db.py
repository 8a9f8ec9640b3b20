"""Tortoise configuration and lifecycle, shared by the app, the command line and the tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

from backend.errors import ProductError

MODELS_MODULE = "backend.models"
MIGRATIONS_MODULE = "backend.migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


class DatabaseUnavailable(ProductError):
    """The database cannot be opened; the message says why and what to do, in one line."""

    code = "UNAVAILABLE"


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and for an in-memory database)."""
    if not database_url.lower().startswith("sqlite:"):
        return None
    path = str(expand_db_url(database_url)["credentials"]["file_path"])
    return None if path == ":memory:" else Path(path)


def check_sqlite_file(database_url: str) -> None:
    """Open a SQLite database file once, synchronously, before Tortoise does: a file that
    cannot be opened (a missing folder, a folder in the file's place, a file that is not a
    database) would otherwise leave Tortoise waiting forever."""
    path = sqlite_path(database_url)
    if path is None:
        return
    folder = path.parent
    if not folder.is_dir():
        raise DatabaseUnavailable(
            f"cannot open the SQLite database {path}: the folder {folder} does not exist "
            "(create it, or correct the database URL)"
        )
    if path.exists() and not path.is_file():
        raise DatabaseUnavailable(f"cannot open the SQLite database {path}: it is not a file")
    try:
        connection = sqlite3.connect(path, timeout=10)
        try:
            connection.execute("PRAGMA schema_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise DatabaseUnavailable(f"cannot open the SQLite database {path}: {error}") from None


def _described(database_url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(database_url)
    host = parts.hostname or "localhost"
    return f"{parts.username or ''}{'@' if parts.username else ''}{host}:{parts.port or 5432}"


def database_problem(error: BaseException, database_url: str) -> str | None:
    """One line for an error met while connecting, or None when it is not a connection
    problem. Names the server (never the password) and, for a missing PostgreSQL database, the
    command that creates it."""
    causes: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(causes) < 10:
        causes.append(current)
        current = current.__cause__ or current.__context__
    names = {type(c).__name__ for c in causes}
    parts = urlsplit(database_url)
    if "InvalidCatalogNameError" in names:
        name = parts.path.lstrip("/")
        create = f"createdb -h {parts.hostname or 'localhost'} -p {parts.port or 5432}"
        if parts.username:
            create += f" -U {parts.username}"
        return (
            f"the PostgreSQL database {name!r} does not exist on {_described(database_url)}; "
            f"create it with: {create} {name}"
        )
    refusals = {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}
    refused = next((c for c in causes if type(c).__name__ in refusals), None)
    if refused is not None:
        return f"the PostgreSQL server {_described(database_url)} refused the login: {refused}"
    for cause in causes:
        if isinstance(cause, (OSError, ConnectionError, TimeoutError)):
            return f"cannot reach the database at {_described(database_url)}: {cause}"
    return None


async def migrate_database(database_url: str) -> None:
    """Create the schema, or bring an existing database up to date, keeping its data."""
    check_sqlite_file(database_url)
    try:
        await migrate(config=tortoise_config(database_url))
    finally:
        # Also after a failure: an open SQLite connection's thread would keep the process
        # from exiting.
        await Tortoise.close_connections()


async def open_database(database_url: str, *, run_migrations: bool = True) -> None:
    """Connect for this process (the global fallback lets every request task see it)."""
    if run_migrations:
        await migrate_database(database_url)
    else:
        check_sqlite_file(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    """Close the connections and release the process-wide context, so a later open works."""
    await Tortoise.close_connections()


def dialect() -> str:
    """`sqlite` or `postgres`: the few raw statements differ only in placeholders."""
    return str(connections.get("default").capabilities.dialect)
