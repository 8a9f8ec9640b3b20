"""Recording credit transactions with the guarantees the message ledger gives (§2, §9).

Idempotent by `(organization, externalId)`: a replay changes nothing, a newer `reportedAt`
restates kind, credits and note, and a transaction's identity (its account and `occurredAt`)
never changes. A batch is validated whole and applied in one database transaction, or refused
naming every bad row. Credits are exact signed decimals in the ledger's text form; the bounds
are backend/bounds.py's.

Transactions are few (a purchase, a monthly grant), so a batch is applied row by row through
the ORM; writers of one organization take turns (an advisory lock on PostgreSQL, SQLite's one
writer), so what a batch reads of stored rows holds until it commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.bounds import (
    MAX_CREDITS_PER_TRANSACTION,
)
from backend.enums import CreditTransactionKind
from backend.errors import ProductError
from backend.ledger import (
    BatchRejected,
    IngestResult,
    RowError,
    RowProblem,
    audit_rejection,
    check_times,
    decimal_text_to_e4,
    identifier,
    parse_instant,
    shown,
)
from backend.models import CreditSource, CreditTransaction, IngestBatch, Organization

logger = logging.getLogger(__name__)

# The API's lists hold at most 1,000 items (backend/api/limits.py); the importer sends batches
# of this size.
MAX_TRANSACTION_BATCH = 1_000
MAX_NOTE_LENGTH = 1_000
REQUIRED_FIELDS = ("externalId", "creditSourceId", "kind", "credits", "occurredAt")
OPTIONAL_FIELDS = ("note", "reportedAt")
_ALLOWED = frozenset({*REQUIRED_FIELDS, *OPTIONAL_FIELDS})
# Any constant shared by every process: the first key of PostgreSQL's two-key advisory lock.
_LOCK_CLASS = 17_001


class TransactionsRejected(BatchRejected):
    """Nothing was stored; every bad row is named (`extensions.rows` in the API)."""

    code = "INVALID_TRANSACTIONS"


@dataclass(frozen=True)
class ParsedTransaction:
    external_id: str
    credit_source_id: str
    kind: CreditTransactionKind
    credits_e4: int
    occurred_at: datetime
    note: str | None
    reported_at: datetime


def signed_credits_to_e4(value: Any) -> int:
    """Signed credits in ten-thousandths, exactly, from a decimal string within the bounds."""
    return decimal_text_to_e4(
        value,
        signed=True,
        most=MAX_CREDITS_PER_TRANSACTION,
        exceeded="the most a transaction may move ({most} either way)",
    )


def _kind(value: Any) -> CreditTransactionKind:
    if type(value) is CreditTransactionKind:  # what GraphQL's enum hands over
        return value
    try:
        return CreditTransactionKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in CreditTransactionKind)
        raise RowProblem(f"kind {shown(value)} is not one of {allowed}") from None


def _check_sign(kind: CreditTransactionKind, credits_e4: int, raw: Any) -> None:
    if kind in (CreditTransactionKind.PURCHASE, CreditTransactionKind.GRANT) and credits_e4 <= 0:
        raise RowProblem(f"credits {shown(raw)} of a {kind.value} must be more than 0")
    if kind is CreditTransactionKind.EXPIRY and credits_e4 >= 0:
        raise RowProblem(
            f"credits {shown(raw)} of an EXPIRY must be less than 0 (lapsed credits go out)"
        )
    if kind is CreditTransactionKind.ADJUSTMENT and credits_e4 == 0:
        raise RowProblem("credits of an ADJUSTMENT must not be 0")


def _note(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RowProblem(f"note must be a string, not {shown(value)}")
    if len(value) > MAX_NOTE_LENGTH:
        raise RowProblem(f"note is longer than {MAX_NOTE_LENGTH:,} characters")
    if not value.replace("\n", "").replace("\t", "").isprintable():
        raise RowProblem("note holds control characters (only line breaks and tabs may)")
    return value


def parse_transaction(raw: Mapping[str, Any], now: datetime | None = None) -> ParsedTransaction:
    """One transaction checked against every bound (§9); `now` is the batch's."""
    missing = [key for key in REQUIRED_FIELDS if raw.get(key) is None]
    if missing:
        raise RowProblem("missing " + ", ".join(missing))
    if not _ALLOWED.issuperset(raw):
        raise RowProblem("unknown field " + ", ".join(sorted(map(str, set(raw) - _ALLOWED))))
    external_id = identifier(raw, "externalId")
    credit_source_id = identifier(raw, "creditSourceId")
    kind = _kind(raw["kind"])
    credits_e4 = signed_credits_to_e4(raw["credits"])
    _check_sign(kind, credits_e4, raw["credits"])
    occurred_at = parse_instant(raw["occurredAt"], "occurredAt")
    reported = raw.get("reportedAt")
    reported_at = occurred_at if reported is None else parse_instant(reported, "reportedAt")
    # A future-dated row without a reportedAt is not frozen by it, as for messages.
    check_times(occurred_at, reported_at, now or datetime.now(UTC), "occurredAt")
    return ParsedTransaction(
        external_id,
        credit_source_id,
        kind,
        credits_e4,
        occurred_at,
        _note(raw.get("note")),
        reported_at,
    )


@dataclass(frozen=True)
class _Valid:
    index: int
    organization_id: str
    business_date: date
    row: ParsedTransaction

    @property
    def identity(self) -> tuple[str, datetime]:
        return self.row.credit_source_id, self.row.occurred_at


_CONFLICT = (
    "externalId {id} is already recorded for another creditSourceId or occurredAt; "
    "only kind, credits and note may be restated"
)


async def _validate(
    rows: Sequence[Any], organization_id: str | None
) -> tuple[list[_Valid], list[RowError]]:
    now = datetime.now(UTC)
    errors: list[RowError] = []
    parsed: list[tuple[int, ParsedTransaction]] = []
    for index, raw in enumerate(rows):
        try:
            if not isinstance(raw, Mapping):
                raise RowProblem("a transaction must be an object")
            parsed.append((index, parse_transaction(raw, now)))
        except ValueError as problem:
            errors.append(RowError(index, str(problem)))
    source_ids = {row.credit_source_id for _, row in parsed}
    owners = dict(await CreditSource.filter(id__in=source_ids).values_list("id", "organization_id"))
    zones = {
        str(org): ZoneInfo(str(tz))
        for org, tz in await Organization.filter(id__in=set(owners.values())).values_list(
            "id", "timezone"
        )
    }
    valid: list[_Valid] = []
    for index, row in parsed:
        owner = owners.get(row.credit_source_id)
        # Another organization's account reads as one that does not exist.
        if owner is None or (organization_id is not None and owner != organization_id):
            errors.append(RowError(index, f"unknown credit source {shown(row.credit_source_id)}"))
            continue
        # Counted on its calendar date in the organization's time zone (§9).
        day = row.occurred_at.astimezone(zones[owner]).date()
        valid.append(_Valid(index, owner, day, row))
    return valid, errors


def _collapse(valid: list[_Valid], errors: list[RowError]) -> dict[tuple[str, str], _Valid]:
    """One row per key: the newest `reportedAt` wins, the first of equals stays."""
    latest: dict[tuple[str, str], _Valid] = {}
    for item in valid:
        key = (item.organization_id, item.row.external_id)
        kept = latest.get(key)
        if kept is None:
            latest[key] = item
        elif kept.identity != item.identity:
            errors.append(RowError(item.index, _CONFLICT.format(id=shown(item.row.external_id))))
        elif item.row.reported_at > kept.row.reported_at:
            latest[key] = item
    return latest


async def record_transactions(
    rows: Sequence[Any], *, organization_id: str | None, actor: str
) -> IngestResult:
    """Validate and apply one batch atomically, or raise `TransactionsRejected` naming every
    bad row. `organization_id` is the writer's (None: the trusted importer, any organization).
    Applied and rejected batches alike are in the audit trail."""
    try:
        return await _record(rows, organization_id, actor)
    except ProductError as refusal:
        if refusal.code in (TransactionsRejected.code, "BATCH_TOO_LARGE"):
            await audit_rejection(len(rows), organization_id, actor, refusal)
        raise


async def _record(rows: Sequence[Any], organization_id: str | None, actor: str) -> IngestResult:
    if len(rows) > MAX_TRANSACTION_BATCH:
        raise ProductError(
            f"A batch holds at most {MAX_TRANSACTION_BATCH:,} transactions; "
            f"this one has {len(rows):,}.",
            code="BATCH_TOO_LARGE",
        )
    valid, errors = await _validate(rows, organization_id)
    latest = _collapse(valid, errors)
    if errors:
        raise TransactionsRejected(errors)
    first_index: dict[tuple[str, str], int] = {}
    for item in valid:
        first_index.setdefault((item.organization_id, item.row.external_id), item.index)
    inserted = updated = 0
    async with in_transaction() as connection:
        organizations = sorted({org for org, _ in latest})
        await _take_turns(connection, organizations)
        stored = {
            (t.organization_id, t.external_id): t
            for org in organizations
            for t in await CreditTransaction.filter(
                organization_id=org,
                external_id__in=[e for o, e in latest if o == org],
            ).using_db(connection)
        }
        conflicts = [
            RowError(first_index[key], _CONFLICT.format(id=shown(key[1])))
            for key, item in latest.items()
            if key in stored
            and (stored[key].credit_source_id, stored[key].occurred_at) != item.identity
        ]
        if conflicts:
            raise TransactionsRejected(conflicts)
        new: list[CreditTransaction] = []
        for key in sorted(latest):
            item, old = latest[key], stored.get(key)
            if old is None:
                new.append(_model(item))
            elif item.row.reported_at > old.reported_at:
                old.kind = item.row.kind
                old.credits_e4 = item.row.credits_e4
                old.note = item.row.note  # type: ignore[assignment]  # a nullable column
                old.reported_at = item.row.reported_at
                await old.save(
                    using_db=connection,
                    update_fields=["kind", "credits_e4", "note", "reported_at"],
                )
                updated += 1
        if new:
            await CreditTransaction.bulk_create(new, using_db=connection)
            inserted = len(new)
        result = IngestResult(len(rows), inserted, updated, len(rows) - inserted - updated)
        await IngestBatch.create(
            using_db=connection,
            organization_id=organizations[0] if len(organizations) == 1 else organization_id,
            actor=actor,
            received=result.received,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    return result


async def _take_turns(connection: BaseDBAsyncClient, organizations: Sequence[str]) -> None:
    """Serialise transaction writers per organization until the commit (in a fixed order, so
    two batches cannot deadlock). SQLite has one writer at a time already."""
    if connection.capabilities.dialect != "postgres":
        return
    for organization in organizations:
        await connection.execute_query(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", [_LOCK_CLASS, organization]
        )


def _model(item: _Valid) -> CreditTransaction:
    row = item.row
    return CreditTransaction(
        organization_id=item.organization_id,
        external_id=row.external_id,
        credit_source_id=row.credit_source_id,
        kind=row.kind,
        credits_e4=row.credits_e4,
        occurred_at=row.occurred_at,
        business_date=item.business_date,
        note=row.note,
        reported_at=row.reported_at,
    )
