"""An account's transactions, newest first, in keyset pages with sealed cursors.

The position of a transaction is (business date, occurredAt, externalId): unique within an
account, and stable under restatements (which change neither). Cursors are sealed with the
campaign report's `CursorSealer` (backend/cursors.py) for the reader's organization and the
account, so a cursor of another account or organization answers INVALID_CURSOR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import orjson
from tortoise.expressions import Q

from backend.campaigns import page_size
from backend.cursors import CursorSealer
from backend.days import date_of, day_number
from backend.enums import CreditTransactionKind
from backend.errors import ProductError
from backend.models import CreditTransaction
from backend.reports import DateWindow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class TransactionRow:
    external_id: str
    kind: CreditTransactionKind
    credits_e4: int
    occurred_at: datetime
    business_date: date
    note: str | None
    reported_at: datetime
    cursor: str


@dataclass(frozen=True)
class TransactionPage:
    rows: list[TransactionRow]
    total_count: int
    has_next_page: bool
    has_previous_page: bool


Position = tuple[int, int, str]  # (day number, microseconds since the epoch, externalId)


class _Cursors:
    def __init__(self, sealer: CursorSealer, organization_id: str, credit_source_id: str):
        self.sealer = sealer
        self.audience = orjson.dumps([organization_id, "credit-transactions", credit_source_id])

    def encode(self, position: Position) -> str:
        return self.sealer.seal(orjson.dumps(position), self.audience)

    def decode(self, cursor: str) -> Position:
        payload = self.sealer.open(cursor, self.audience)
        try:
            position = None if payload is None else orjson.loads(payload)
        except orjson.JSONDecodeError:
            position = None
        if (
            not isinstance(position, list)
            or len(position) != 3
            or not all(type(v) is int for v in position[:2])
            or not isinstance(position[2], str)
        ):
            raise ProductError(
                "This cursor is not valid here: it comes from another account, was altered, "
                "or has expired. Start again without `after`.",
                code="INVALID_CURSOR",
            )
        return position[0], position[1], position[2]


async def transaction_page(
    organization_id: str,
    credit_source_id: str,
    window: DateWindow | None,
    first: int | None,
    after: str | None,
    sealer: CursorSealer,
) -> TransactionPage:
    """The account's transactions in the window (business dates), newest first."""
    size = page_size(first, "transactions")
    cursors = _Cursors(sealer, organization_id, credit_source_id)
    query = CreditTransaction.filter(
        organization_id=organization_id, credit_source_id=credit_source_id
    )
    if window is not None:
        query = query.filter(business_date__gte=window.start, business_date__lte=window.end)
    total = await query.count()
    if after is not None:
        day, micros, external_id = cursors.decode(after)
        on_day, at = date_of(day), _EPOCH + micros * _MICROSECOND
        query = query.filter(
            Q(business_date__lt=on_day)
            | Q(business_date=on_day, occurred_at__lt=at)
            | Q(business_date=on_day, occurred_at=at, external_id__lt=external_id)
        )
    found = await query.order_by("-business_date", "-occurred_at", "-external_id").limit(size + 1)
    rows = [
        TransactionRow(
            external_id=t.external_id,
            kind=CreditTransactionKind(t.kind),
            credits_e4=t.credits_e4,
            occurred_at=t.occurred_at,
            business_date=t.business_date,
            note=t.note,
            reported_at=t.reported_at,
            cursor=cursors.encode(
                (
                    day_number(t.business_date),
                    (t.occurred_at - _EPOCH) // _MICROSECOND,
                    t.external_id,
                )
            ),
        )
        for t in found[:size]
    ]
    return TransactionPage(rows, total, len(found) > size, after is not None)
