"""Tortoise configuration and lifecycle, shared by the app, the command line and the tests."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

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


async def migrate_database(database_url: str) -> None:
    """Create the schema, or bring an existing database up to date, keeping its data."""
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def open_database(database_url: str, *, run_migrations: bool = True) -> None:
    """Connect for this process (the global fallback lets every request task see it)."""
    if run_migrations:
        await migrate_database(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    """Close the connections and release the process-wide context, so a later open works."""
    await Tortoise.close_connections()


def dialect() -> str:
    """`sqlite` or `postgres`: the few raw statements differ only in placeholders."""
    return str(connections.get("default").capabilities.dialect)
