"""The schema comes from migrations on start, and the models never drift from them."""

from __future__ import annotations

import asyncio

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from backend.db import close_database, open_database, tortoise_config
from backend.models import Organization


def test_migrations_create_the_schema_and_rerun_keeps_the_data(database_url: str) -> None:
    async def scenario() -> int:
        await open_database(database_url)
        await Organization.create(id="o", name="Kept", timezone="UTC")
        await close_database()
        await open_database(database_url)  # a second start applies nothing and loses nothing
        try:
            return await Organization.filter(name="Kept").count()
        finally:
            await close_database()

    assert asyncio.run(scenario()) == 1


def test_models_have_no_changes_missing_from_the_migrations(database_url: str) -> None:
    async def pending() -> list[object]:
        config = tortoise_config(database_url)
        await Tortoise.init(config=config, init_connections=False)
        try:
            detector = MigrationAutodetector(Tortoise.apps, config["apps"])  # type: ignore[arg-type]
            return list(await detector.changes())
        finally:
            await Tortoise.close_connections()

    assert asyncio.run(pending()) == []
