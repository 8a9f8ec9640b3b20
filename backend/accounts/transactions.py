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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from backend.bounds import (
    CREDIT_PLACES,
    EARLIEST_SENT_AT,
    MAX_CREDITS_PER_TRANSACTION,
    MAX_ID_LENGTH,
    latest_reported_at,
    latest_sent_at,
)
from backend.enums import CreditTransactionKind
from backend.errors import ProductError
from backend.ledger import BatchRejected, IngestResult, RowError, parse_instant, shown
from backend.models import CreditSource, CreditTransaction, IngestBatch, Organization

logger = logging.getLogger(__name__)

# The API's lists hold at most 1,000 items (backend/api/limits.py); the importer sends batches
# of this size.
MAX_TRANSACTION_BATCH = 1_000
MAX_NOTE_LENGTH = 1_000
REQUIRED_FIELDS = ("externalId", "creditSourceId", "kind", "credits", "occurredAt")
OPTIONAL_FIELDS = ("note", "reportedAt")
_ALLOWED = frozenset({*REQUIRED_FIELDS, *OPTIONAL_FIELDS})
_SCALE = 10**CREDIT_PLACES
_MAX_E4 = int(MAX_CREDITS_PER_TRANSACTION) * _SCALE
_MAX_WHOLE_DIGITS = len(str(int(MAX_CREDITS_PER_TRANSACTION)))
# The message ledger's text form with an optional leading minus: ASCII digits, an optional
# point and at most four places; no plus sign, exponent, spaces or underscores.
_SIGNED_CREDITS = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,4}))?", re.ASCII)
_CREDITS_FORM = 'a string of digits such as "12.5" or "-3"'
# Any constant shared by every process: the first key of PostgreSQL's two-key advisory lock.
_LOCK_CLASS = 17_001


class TransactionsRejected(BatchRejected):
    """Nothing was stored; every bad row is named (`extensions.rows` in the API)."""

    code = "INVALID_TRANSACTIONS"


class _RowProblem(ValueError):
    pass


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
    if type(value) is not str:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            raise _RowProblem(
                f"credits {shown(value)} is a JSON number: send {_CREDITS_FORM} "
                "(a number may already have lost precision)"
            )
        raise _RowProblem(f"credits must be {_CREDITS_FORM}, not {shown(value)}")
    match = _SIGNED_CREDITS.fullmatch(value)
    if match is None:
        if re.fullmatch(r"-?[0-9]+\.[0-9]{5,}", value, re.ASCII):
            raise _RowProblem(
                f"credits {shown(value)} has more than {CREDIT_PLACES} decimal places"
            )
        raise _RowProblem(f"credits {shown(value)} is not {_CREDITS_FORM}")
    sign: str = match.group(1)
    whole: str = match.group(2)
    places: str = match.group(3) or ""
    # Compared by length first: int() of thousands of digits is slow and, past 4,300, refused.
    digits = whole.lstrip("0")
    scaled: int = (
        int(digits or "0") * _SCALE + int(places.ljust(CREDIT_PLACES, "0"))
        if len(digits) <= _MAX_WHOLE_DIGITS
        else _MAX_E4 + 1
    )
    if scaled > _MAX_E4:
        raise _RowProblem(
            f"credits {shown(value)} exceed the most a transaction may move "
            f"({int(MAX_CREDITS_PER_TRANSACTION):,} either way)"
        )
    return -scaled if sign else scaled


def _kind(value: Any) -> CreditTransactionKind:
    if type(value) is CreditTransactionKind:  # what GraphQL's enum hands over
        return value
    try:
        return CreditTransactionKind(value)
    except ValueError:
        allowed = ", ".join(k.value for k in CreditTransactionKind)
        raise _RowProblem(f"kind {shown(value)} is not one of {allowed}") from None


def _check_sign(kind: CreditTransactionKind, credits_e4: int, raw: Any) -> None:
    if kind in (CreditTransactionKind.PURCHASE, CreditTransactionKind.GRANT) and credits_e4 <= 0:
        raise _RowProblem(f"credits {shown(raw)} of a {kind.value} must be more than 0")
    if kind is CreditTransactionKind.EXPIRY and credits_e4 >= 0:
        raise _RowProblem(
            f"credits {shown(raw)} of an EXPIRY must be less than 0 (lapsed credits go out)"
        )
    if kind is CreditTransactionKind.ADJUSTMENT and credits_e4 == 0:
        raise _RowProblem("credits of an ADJUSTMENT must not be 0")


def _identifier(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise _RowProblem(f"{key} must be a string, not {shown(value)}")
    if not (0 < len(value) <= MAX_ID_LENGTH and value.isprintable() and not value.isspace()):
        raise _RowProblem(
            f"{key} {shown(value)} must be 1 to {MAX_ID_LENGTH} printable characters "
            "(no control characters)"
        )
    return value


def _note(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _RowProblem(f"note must be a string, not {shown(value)}")
    if len(value) > MAX_NOTE_LENGTH:
        raise _RowProblem(f"note is longer than {MAX_NOTE_LENGTH:,} characters")
    if not value.replace("\n", "").replace("\t", "").isprintable():
        raise _RowProblem("note holds control characters (only line breaks and tabs may)")
    return value


def parse_transaction(raw: Mapping[str, Any], now: datetime | None = None) -> ParsedTransaction:
    """One transaction checked against every bound (§9); `now` is the batch's."""
    missing = [key for key in REQUIRED_FIELDS if raw.get(key) is None]
    if missing:
        raise _RowProblem("missing " + ", ".join(missing))
    if not _ALLOWED.issuperset(raw):
        raise _RowProblem("unknown field " + ", ".join(sorted(map(str, set(raw) - _ALLOWED))))
    external_id = _identifier(raw, "externalId")
    credit_source_id = _identifier(raw, "creditSourceId")
    kind = _kind(raw["kind"])
    credits_e4 = signed_credits_to_e4(raw["credits"])
    _check_sign(kind, credits_e4, raw["credits"])
    occurred_at = parse_instant(raw["occurredAt"], "occurredAt")
    reported = raw.get("reportedAt")
    reported_at = occurred_at if reported is None else parse_instant(reported, "reportedAt")
    now = now or datetime.now(UTC)
    if occurred_at < EARLIEST_SENT_AT:
        raise _RowProblem(f"occurredAt {occurred_at.isoformat()} is before 2000-01-01")
    if occurred_at > latest_sent_at(now):
        raise _RowProblem(f"occurredAt {occurred_at.isoformat()} is more than a day in the future")
    if reported is None:  # as for messages: a future-dated row without one is not frozen
        pass
    elif reported_at < occurred_at:
        raise _RowProblem(f"reportedAt {reported_at.isoformat()} is before occurredAt")
    elif reported_at > latest_reported_at(now):
        raise _RowProblem(
            f"reportedAt {reported_at.isoformat()} is more than 5 minutes in the future"
        )
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
                raise _RowProblem("a transaction must be an object")
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
            await _audit_rejection(rows, organization_id, actor, refusal)
        raise


async def _audit_rejection(
    rows: Sequence[Any], organization_id: str | None, actor: str, refusal: ProductError
) -> None:
    try:
        await IngestBatch.create(
            organization_id=organization_id,
            actor=actor,
            action="REJECTED",
            received=len(rows),
            inserted=0,
            updated=0,
            unchanged=0,
            rejected=len(refusal.errors) if isinstance(refusal, BatchRejected) else len(rows),
        )
    except Exception:  # the refusal is the answer; a failed audit write must not replace it
        logger.exception("recording a rejected transaction batch in the audit trail failed")


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
