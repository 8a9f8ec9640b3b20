"""The schema comes from migrations on start, and the models never drift from them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from backend.db import close_database, open_database, tortoise_config
from backend.hierarchy import Scope
from backend.models import Organization
from backend.reports import usage_by_campaign
from backend.sql import placeholders
from backend.usage import Usage
from tests.factories import ORG


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


OLD_CATALOG: list[tuple[str, dict[str, object]]] = [
    ("organization", {"id": ORG, "name": "Serenity Spas", "timezone": "Asia/Kolkata"}),
    ("organization", {"id": "org-2", "name": "Rival Salons", "timezone": "Europe/London"}),
    (
        "center",
        {
            "id": "c-pune",
            "organization_id": ORG,
            "zone_id": None,
            "name": "Pune Baner",
            "timezone": "Asia/Kolkata",
        },
    ),
    ("credit_source", {"id": "cs-ao", "organization_id": ORG, "name": "Always-On credits"}),
    (
        "campaign",
        {
            "id": "cmp-org",
            "organization_id": ORG,
            "name": "Birthday wishes",
            "type": "ALWAYS_ON",
            "created_from": "ORGANIZATION",
            "owner_id": ORG,
            "channel": "SMS",
            "credit_source_id": "cs-ao",
            "status": "LIVE",
        },
    ),
]


def test_a_database_from_an_older_release_is_upgraded_with_its_data(database_url: str) -> None:
    """Messages stored before guest keys existed (schema 0002) get them on upgrade, campaigns and
    organizations get their versions, and the report numbers come out right afterwards."""

    async def scenario() -> tuple[int, Usage, int, set[str]]:
        config = tortoise_config(database_url)
        await migrate(config=config, target="models.0002_covering_report_indexes")
        await Tortoise.close_connections()
        await Tortoise.init(config=config)
        try:
            # Today's models have columns schema 0002 lacks: the catalog goes in as rows.
            connection = connections.get("default")
            dialect = str(connection.capabilities.dialect)
            for table, row in OLD_CATALOG:
                await connection.execute_query(
                    f"INSERT INTO {table} ({', '.join(row)}) "
                    f"VALUES ({', '.join(placeholders(dialect, len(row)))})",
                    list(row.values()),
                )
            instant = datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
            stored_instant: object = instant.isoformat(" ") if dialect == "sqlite" else instant
            stored_date: object = "2026-03-01" if dialect == "sqlite" else date(2026, 3, 1)
            marks = ", ".join(placeholders(dialect, 10))
            for number, guest in enumerate(["g-1", "g-2", "g-1"]):
                await connection.execute_query(
                    "INSERT INTO message (organization_id, external_id, campaign_id, center_id, "
                    "guest_id, sent_at, business_date, outcome, credits_e4, reported_at) "
                    f"VALUES ({marks})",
                    [
                        ORG,
                        f"old-{number}",
                        "cmp-org",
                        "c-pune",
                        guest,
                        stored_instant,
                        stored_date,
                        "PROCESSED",
                        10_000,
                        stored_instant,
                    ],
                )
        finally:
            await Tortoise.close_connections()
        await open_database(database_url)  # the new release migrates on start
        try:
            usage = await usage_by_campaign(["cmp-org"], Scope(ORG, None), None)
            connection = connections.get("default")
            if connection.capabilities.dialect == "postgres":
                foreign_keys = await connection.execute_query_dict(
                    "SELECT conname FROM pg_constraint "
                    "WHERE conrelid = 'message'::regclass AND contype = 'f'"
                )
                indexes = await connection.execute_query_dict(
                    "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'message'"
                )
            else:  # kept on SQLite (see migration 0007)
                foreign_keys = []
                indexes = await connection.execute_query_dict(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'message'"
                )
            return (
                await Organization.all().count(),
                usage["cmp-org"],
                len(foreign_keys),
                {row["name"] for row in indexes},
            )
        finally:
            await close_database()

    organizations, usage, foreign_keys, indexes = asyncio.run(scenario())
    assert organizations == 2
    assert (usage.targeted_guests, usage.processed, usage.credits_e4) == (2, 3, 30_000)
    # Migration 0007 dropped the foreign keys and nothing else; 0008 rebuilt the covering
    # indexes in arrival order: they and the idempotency key are there.
    assert foreign_keys == 0
    assert {"message_campaign_days", "message_center_days"} <= indexes, indexes
    assert any("organiz" in name or "autoindex" in name for name in indexes), indexes
