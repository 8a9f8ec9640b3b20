"""Small hand-made organizations: each test gets only the rows it needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.auth import create_token
from backend.engine.writes import rebuild_campaigns
from backend.importer import apply_document
from backend.ledger import TRUSTED_IMPORT, IngestResult, record_messages
from backend.versions import stamp

ORG = "org-1"
OTHER_ORG = "org-2"


def hierarchy(**extra: list[dict[str, Any]]) -> dict[str, Any]:
    """org-1 (Asia/Kolkata): zone-w {c-pune, c-mumbai}, zone-us {c-nyc}, c-goa (no zone);
    org-2: c-x. Campaigns: cmp-org (org-wide SMS), cmp-west (zone-w WhatsApp),
    cmp-nyc (c-nyc Email, scheduled), cmp-x (org-2)."""
    document: dict[str, Any] = {
        "organizations": [
            {"id": ORG, "name": "Serenity Spas", "timezone": "Asia/Kolkata"},
            {"id": OTHER_ORG, "name": "Rival Salons", "timezone": "Europe/London"},
        ],
        "zones": [
            {"id": "zone-w", "organizationId": ORG, "name": "West"},
            {"id": "zone-us", "organizationId": ORG, "name": "United States"},
        ],
        "centers": [
            {
                "id": "c-pune",
                "organizationId": ORG,
                "zoneId": "zone-w",
                "name": "Pune Baner",
                "timezone": "Asia/Kolkata",
            },
            {
                "id": "c-mumbai",
                "organizationId": ORG,
                "zoneId": "zone-w",
                "name": "Mumbai",
                "timezone": "Asia/Kolkata",
            },
            {
                "id": "c-nyc",
                "organizationId": ORG,
                "zoneId": "zone-us",
                "name": "New York",
                "timezone": "America/New_York",
            },
            {
                "id": "c-goa",
                "organizationId": ORG,
                "zoneId": None,
                "name": "Goa",
                "timezone": "Asia/Kolkata",
            },
            {
                "id": "c-x",
                "organizationId": OTHER_ORG,
                "zoneId": None,
                "name": "Rival London",
                "timezone": "Europe/London",
            },
        ],
        "creditSources": [
            {"id": "cs-ao", "organizationId": ORG, "name": "Always-On credits"},
            {"id": "cs-sms", "organizationId": ORG, "name": "SMS credits"},
            {"id": "cs-x", "organizationId": OTHER_ORG, "name": "Rival credits"},
        ],
        "campaigns": [
            campaign("cmp-org", "Birthday wishes", "ALWAYS_ON", "ORGANIZATION", ORG, "SMS"),
            campaign("cmp-west", "Anniversary offer", "ALWAYS_ON", "ZONE", "zone-w", "WHATSAPP"),
            campaign(
                "cmp-nyc",
                "SoHo VIP evening",
                "SCHEDULED",
                "CENTER",
                "c-nyc",
                "EMAIL",
                source="cs-sms",
                status="PROCESSED",
            ),
            campaign(
                "cmp-x",
                "Rival blast",
                "SCHEDULED",
                "ORGANIZATION",
                OTHER_ORG,
                "SMS",
                organization=OTHER_ORG,
                source="cs-x",
            ),
        ],
    }
    for key, records in extra.items():
        document[key] = document.get(key, []) + records
    return document


def campaign(
    campaign_id: str,
    name: str,
    kind: str,
    created_from: str,
    owner: str,
    channel: str,
    *,
    organization: str = ORG,
    source: str = "cs-ao",
    status: str = "LIVE",
) -> dict[str, Any]:
    return {
        "id": campaign_id,
        "organizationId": organization,
        "name": name,
        "type": kind,
        "createdFrom": created_from,
        "ownerId": owner,
        "channel": channel,
        "creditSourceId": source,
        "status": status,
    }


def message(
    external_id: str,
    campaign_id: str = "cmp-org",
    center_id: str = "c-pune",
    guest_id: str = "g-1",
    sent_at: str = "2026-03-01T10:00:00+05:30",
    outcome: str = "PROCESSED",
    credits: str = "1",
    reported_at: str | None = None,
) -> dict[str, Any]:
    record = {
        "externalId": external_id,
        "campaignId": campaign_id,
        "centerId": center_id,
        "guestId": guest_id,
        "sentAt": sent_at,
        "outcome": outcome,
        "credits": credits,
    }
    if reported_at is not None:
        record["reportedAt"] = reported_at
    return record


async def load_hierarchy(**extra: list[dict[str, Any]]) -> None:
    await apply_document(hierarchy(**extra))


async def record(*messages: dict[str, Any]) -> IngestResult:
    return await record_messages(list(messages), scope=TRUSTED_IMPORT, actor="test")


async def token(
    organization: str = ORG,
    *,
    zone: str | None = None,
    center: str | None = None,
    write: bool = False,
) -> str:
    _, secret = await create_token(organization, zone_id=zone, center_id=center, can_write=write)
    return secret


async def backdate(external_id: str, sent_at: str) -> None:
    """Move a recorded message to `sent_at` (business date in Asia/Kolkata, as at every center
    the tests backdate), bypassing the ledger's bounds: how rows stored before the bounds
    existed look. Its campaign's ledger version moves, as an ingest's would."""
    instant = datetime.fromisoformat(sent_at).astimezone(UTC)
    day = instant.astimezone(ZoneInfo("Asia/Kolkata")).date()
    async with in_transaction() as connection:
        postgres = connection.capabilities.dialect == "postgres"
        marks = ("$1", "$2", "$3") if postgres else ("?", "?", "?")
        values: list[Any] = (
            [instant, day, external_id]
            if postgres
            else [instant.isoformat(" "), instant.isoformat(" "), day.isoformat(), external_id]
        )
        await connection.execute_query(
            "UPDATE message SET sent_at = {0}, reported_at = {0}, business_date = {1} "
            "WHERE external_id = {2}".format(*marks),
            values,
        )
        rows = await connection.execute_query_dict(
            f"SELECT DISTINCT campaign_id FROM message WHERE external_id = {marks[0]}",
            [external_id],
        )
        await changed_behind_the_ledger(connection, {r["campaign_id"] for r in rows})


async def changed_behind_the_ledger(connection: BaseDBAsyncClient, campaign_ids: set[str]) -> None:
    """After messages were changed by hand (as a ledger without today's rules might have
    stored them): derive the campaigns' usage afresh and move their versions, as a void does."""
    await rebuild_campaigns(connection, campaign_ids)
    await stamp(connection, "campaign", "ledger_version", campaign_ids)
