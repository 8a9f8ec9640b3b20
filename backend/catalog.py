"""Per-process caches of what changes only on import: each organization's hierarchy and its
campaign catalog, valid for one catalog version.

Every import that writes an organization, or its zones, centers, credit sources or campaigns,
gives `organization.catalog_version` a new random value in its own transaction (random, so a
database restored under a running server cannot repeat a version a cache has seen). A request
reads the version (one indexed row) and uses what this process built for it, or builds it.
Caches are kept per database connection, so each test's database starts empty.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Collection
from typing import Generic, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.sql import placeholders

T = TypeVar("T")


class VersionedCache(Generic[T]):
    """One value per organization, valid while the organization's catalog version holds."""

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[BaseDBAsyncClient, dict[str, tuple[int, T]]] = (
            weakref.WeakKeyDictionary()
        )

    def _of_connection(self) -> dict[str, tuple[int, T]]:
        connection = connections.get("default")
        entries = self._entries.get(connection)
        if entries is None:
            entries = self._entries[connection] = {}
        return entries

    def get(self, organization_id: str, version: int) -> T | None:
        entry = self._of_connection().get(organization_id)
        return entry[1] if entry is not None and entry[0] == version else None

    def put(self, organization_id: str, version: int, value: T) -> None:
        self._of_connection()[organization_id] = (version, value)


async def catalog_version(organization_id: str) -> int:
    """Read before the data it guards, so what is cached is at least as new as its version."""
    connection = connections.get("default")
    (mark,) = placeholders(str(connection.capabilities.dialect), 1)
    rows = await connection.execute_query_dict(
        f"SELECT catalog_version FROM organization WHERE id = {mark}", [organization_id]
    )
    return int(rows[0]["catalog_version"]) if rows else 0


async def advance_catalog_versions(
    connection: BaseDBAsyncClient, organization_ids: Collection[str]
) -> None:
    """Called by the importer inside its transaction, after its writes."""
    if not organization_ids:
        return
    version_mark, *marks = placeholders(
        str(connection.capabilities.dialect), len(organization_ids) + 1
    )
    await connection.execute_query(
        f"UPDATE organization SET catalog_version = {version_mark} "
        f"WHERE id IN ({', '.join(marks)})",
        [secrets.randbits(62) + 1, *sorted(organization_ids)],
    )
