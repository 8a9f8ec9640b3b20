"""Version columns and the per-process caches they guard.

A writer gives the rows it changed a new random version inside its transaction
(`campaign.ledger_version` from the ledger, `organization.catalog_version` from the importer);
random rather than counted, so a database restored under a running server cannot repeat a
version a cache has seen. Readers read a version before the data it guards and keep what they
derive per database connection, so each test's database (and each process) starts empty.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable, Collection
from typing import Generic, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.sql import placeholders

T = TypeVar("T")

# The version columns there are, so `stamp` never builds SQL from a caller's string.
VERSION_COLUMNS = frozenset({("campaign", "ledger_version"), ("organization", "catalog_version")})


def fresh_version() -> int:
    """A new random version: never one a cache has seen, even for a row deleted and made
    again under the same id."""
    return secrets.randbits(62) + 1


async def stamp(
    connection: BaseDBAsyncClient, table: str, column: str, ids: Collection[str]
) -> None:
    """Give these rows one new random version, in the caller's transaction. On PostgreSQL the
    rows are locked in id order first (an UPDATE alone locks them in the order it finds them),
    so concurrent writers cannot deadlock on them."""
    if (table, column) not in VERSION_COLUMNS:
        raise ValueError(f"{table}.{column} is not a version column")
    if not ids:
        return
    dialect = str(connection.capabilities.dialect)
    version_mark, *marks = placeholders(dialect, len(ids) + 1)
    rows = f"id IN ({', '.join(marks)})"
    if dialect == "postgres":
        rows = f"id IN (SELECT id FROM {table} WHERE {rows} ORDER BY id FOR NO KEY UPDATE)"
    await connection.execute_query(
        f"UPDATE {table} SET {column} = {version_mark} WHERE {rows}",
        [fresh_version(), *sorted(ids)],
    )


class PerConnection(Generic[T]):
    """One value per database connection, made on first use."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._values: weakref.WeakKeyDictionary[BaseDBAsyncClient, T] = weakref.WeakKeyDictionary()

    def get(self) -> T:
        connection = connections.get("default")
        value = self._values.get(connection)
        if value is None:
            value = self._values[connection] = self._factory()
        return value


class VersionedCache(Generic[T]):
    """One value per organization, valid while the organization's version holds."""

    def __init__(self) -> None:
        self._entries = PerConnection[dict[str, tuple[int, T]]](dict)

    def get(self, organization_id: str, version: int) -> T | None:
        entry = self._entries.get().get(organization_id)
        return entry[1] if entry is not None and entry[0] == version else None

    def put(self, organization_id: str, version: int, value: T) -> None:
        self._entries.get()[organization_id] = (version, value)
