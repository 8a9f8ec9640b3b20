"""Each organization's hierarchy and campaign catalog change only on import: every import that
writes an organization, or its zones, centers, credit sources or campaigns, stamps
`organization.catalog_version` (backend/versions.py). A request reads that one row and reuses
what this process built for the version (backend/hierarchy.py, backend/campaigns.py)."""

from __future__ import annotations

from collections.abc import Collection

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from backend.db import dialect
from backend.sql import placeholders
from backend.versions import stamp


async def catalog_version(organization_id: str) -> int:
    """Read before the data it guards, so what is cached is at least as new as its version."""
    (mark,) = placeholders(dialect(), 1)
    rows = await connections.get("default").execute_query_dict(
        f"SELECT catalog_version FROM organization WHERE id = {mark}", [organization_id]
    )
    return int(rows[0]["catalog_version"]) if rows else 0


async def advance_catalog_versions(
    connection: BaseDBAsyncClient, organization_ids: Collection[str]
) -> None:
    """Called by the importer inside its transaction, after its writes."""
    await stamp(connection, "organization", "catalog_version", organization_ids)
