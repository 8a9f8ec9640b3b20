"""Business dates as day numbers (days since 1970-01-01): how the ledger sends them to
PostgreSQL and how the reporting engine (backend/engine/) stores and counts them."""

from __future__ import annotations

from datetime import date, timedelta

EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def date_of(number: int) -> date:
    return EPOCH + timedelta(days=number)
