"""The bounds every recorded value must lie within (specification §2), in one place: the
ingest validation enforces them and the API's cost model reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

# Ids (external, campaign, center, guest): 1-200 printable characters.
MAX_ID_LENGTH = 200
# Credits per message, and places after the point.
MAX_CREDITS_PER_MESSAGE = Decimal(1_000_000)
CREDIT_PLACES = 4
# Credits per account transaction, either sign: far above any real purchase, low enough that a
# typo of a few extra digits is refused rather than booked.
MAX_CREDITS_PER_TRANSACTION = Decimal(1_000_000_000)
# `sentAt` from the start of 2000 to a day after now (clocks upstream run a little ahead; a
# message from further in the future is a bug that would sit in every report's future).
EARLIEST_SENT_AT = datetime(2000, 1, 1, tzinfo=UTC)
SENT_AT_AHEAD = timedelta(days=1)
# `reportedAt` at most five minutes ahead: a later one would freeze the row against every
# genuine correction (only a newer `reportedAt` restates).
REPORTED_AT_AHEAD = timedelta(minutes=5)


def latest_sent_at(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + SENT_AT_AHEAD


def latest_reported_at(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + REPORTED_AT_AHEAD
