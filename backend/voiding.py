"""Voiding: an operator takes stored messages out of the ledger, keeping each one whole.

The ledger never deletes, and its bounds (backend/bounds.py) only guard what comes in: a row
stored before them (a billion credits, a message sent in the year 9999) stays in every report
until an operator voids it. A void moves the rows to `voided_message` (the evidence) and records
a VOIDED batch in the audit trail, in one transaction that also derives the campaigns' usage
rows afresh and gives the campaigns a new `ledger_version`, so every process reloads them. The
external id is free again afterwards: a corrected message may be recorded under it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.engine.writes import rebuild_campaigns
from backend.errors import NotFound
from backend.models import IngestBatch, Organization, VoidedMessage
from backend.sql import placeholders
from backend.usage import e4_to_credits
from backend.versions import stamp

VOIDED = "VOIDED"
# External ids per DELETE on SQLite: well under its 32,766 bound parameters.
_IDS_PER_STATEMENT = 500
_RETURNED = (
    "external_id, campaign_id, center_id, guest_id, sent_at, outcome, credits_e4, reported_at"
)


@dataclass(frozen=True)
class VoidedRow:
    external_id: str
    center_id: str
    campaign_id: str
    sent_at: datetime
    credits_e4: int

    @property
    def credits(self) -> Decimal:
        return e4_to_credits(self.credits_e4)


@dataclass(frozen=True)
class VoidResult:
    batch_id: int
    voided: list[VoidedRow]  # by external id, then center
    not_found: list[str]  # the ids given that matched no stored message, in the order given


async def void_messages(
    organization_id: str, external_ids: Sequence[str], *, actor: str
) -> VoidResult:
    """Void the organization's stored messages with these external ids, at every center.

    Ids that match nothing are reported, not refused, unless none matches: then nothing is
    recorded and `NotFound` says so. An id given twice counts once.
    """
    wanted = list(dict.fromkeys(external_ids))
    if not await Organization.exists(id=organization_id):
        raise NotFound(f"Unknown organization {organization_id!r}.")
    async with in_transaction() as connection:
        # DELETE ... RETURNING: the copy kept is exactly the row removed, even if a restatement
        # of it commits meanwhile (PostgreSQL makes the delete wait for it, then re-reads).
        removed = await _delete(connection, organization_id, wanted)
        if not removed:
            shown = ", ".join(wanted[:10]) + (
                f" and {len(wanted) - 10} more" if len(wanted) > 10 else ""
            )
            raise NotFound(
                f"No stored message of organization {organization_id!r} has the external id "
                f"{shown}; nothing was voided."
            )
        found = {row["external_id"] for row in removed}
        not_found = [external_id for external_id in wanted if external_id not in found]
        batch = await IngestBatch.create(
            using_db=connection,
            organization_id=organization_id,
            actor=actor,
            action=VOIDED,
            received=len(wanted),
            inserted=0,
            updated=len(removed),
            unchanged=len(not_found),
        )
        kept = [_kept(batch.id, organization_id, row) for row in removed]
        await VoidedMessage.bulk_create(kept, using_db=connection)
        voided_campaigns = {v.campaign_id for v in kept}
        await rebuild_campaigns(connection, voided_campaigns)
        await stamp(connection, "campaign", "ledger_version", voided_campaigns)
    voided = sorted(
        (
            VoidedRow(v.external_id, v.center_id, v.campaign_id, v.sent_at, v.credits_e4)
            for v in kept
        ),
        key=lambda v: (v.external_id, v.center_id),
    )
    return VoidResult(batch.id, voided, not_found)


async def _delete(
    connection: BaseDBAsyncClient, organization_id: str, external_ids: list[str]
) -> list[dict[str, Any]]:
    dialect = str(connection.capabilities.dialect)
    if dialect == "postgres":
        return list(
            await connection.execute_query_dict(
                "DELETE FROM message WHERE organization_id = $1 "
                f"AND external_id = ANY($2::text[]) RETURNING {_RETURNED}",
                [organization_id, external_ids],
            )
        )
    removed: list[dict[str, Any]] = []
    for start in range(0, len(external_ids), _IDS_PER_STATEMENT):
        chunk = external_ids[start : start + _IDS_PER_STATEMENT]
        organization_mark, *marks = placeholders(dialect, len(chunk) + 1)
        removed.extend(
            await connection.execute_query_dict(
                f"DELETE FROM message WHERE organization_id = {organization_mark} "
                f"AND external_id IN ({', '.join(marks)}) RETURNING {_RETURNED}",
                [organization_id, *chunk],
            )
        )
    return removed


def _kept(batch_id: int, organization_id: str, row: dict[str, Any]) -> VoidedMessage:
    return VoidedMessage(
        batch_id=batch_id,
        organization_id=organization_id,
        external_id=row["external_id"],
        campaign_id=row["campaign_id"],
        center_id=row["center_id"],
        guest_id=row["guest_id"],
        sent_at=_instant(row["sent_at"]),
        outcome=str(row["outcome"]),
        credits_e4=int(row["credits_e4"]),
        reported_at=_instant(row["reported_at"]),
    )


def _instant(value: Any) -> datetime:
    """asyncpg answers datetimes, SQLite the ISO text Tortoise stored."""
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
