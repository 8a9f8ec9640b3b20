"""Ingest: the one path by which messages enter the ledger (the API and the importer share it).

A batch is validated whole, then applied in one transaction with an upsert keyed by
`(organization, externalId)` that only lets a strictly newer `reportedAt` replace the stored
outcome and credits. Replays, duplicates and out-of-order delivery therefore converge on the
same rows, and concurrent batches cannot double-count because the database, not this process,
decides which write wins.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.bounds import (
    CREDIT_PLACES,
    EARLIEST_SENT_AT,
    MAX_CREDITS_PER_MESSAGE,
    MAX_ID_LENGTH,
    latest_reported_at,
    latest_sent_at,
)
from backend.costs.attributes import (
    ATTRIBUTE_FIELDS,
    NO_ATTRIBUTES,
    CostAttributes,
    channel_mismatch,
    parse_attributes,
)
from backend.days import day_number
from backend.engine.writes import MessagePlace, record_batch
from backend.enums import CreatedFrom, MessageOutcome
from backend.errors import ProductError
from backend.guests import guest_keys, keys_in_order
from backend.hierarchy import CenterInfo, OrgHierarchy, load_hierarchy
from backend.models import Campaign, IngestBatch
from backend.sql import placeholders
from backend.usage import CREDIT_SCALE

logger = logging.getLogger(__name__)


MAX_BATCH_SIZE = 10_000
# Rows per INSERT statement: well under SQLite's 32,766 bound parameters (15 per row).
_ROWS_PER_STATEMENT = 500
_REQUIRED = ("externalId", "campaignId", "centerId", "guestId", "sentAt", "outcome", "credits")
_ALLOWED = frozenset({*_REQUIRED, "reportedAt", *ATTRIBUTE_FIELDS})


@dataclass(frozen=True)
class WriteScope:
    """Who may write what: an API principal's organization and centers, or the trusted importer."""

    organization_id: str | None
    center_ids: frozenset[str] | None


TRUSTED_IMPORT = WriteScope(organization_id=None, center_ids=None)


@dataclass(frozen=True)
class RowError:
    index: int
    reason: str


class BatchRejected(ProductError):
    """Nothing was stored; every bad row is named."""

    code = "INVALID_MESSAGES"

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.index)
        shown = "; ".join(f"row {e.index}: {e.reason}" for e in self.errors[:20])
        more = f"; and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(
            f"Batch rejected, nothing stored ({len(self.errors)} bad rows): {shown}{more}"
        )


# Slotted and not frozen: a frozen dataclass sets each field through `object.__setattr__`, which
# made building 10,000 of them a noticeable part of a batch. Nothing mutates them.
@dataclass(slots=True)
class ParsedMessage:
    external_id: str
    campaign_id: str
    center_id: str
    guest_id: str
    sent_at: datetime
    outcome: MessageOutcome
    credits_e4: int
    reported_at: datetime
    attributes: CostAttributes = NO_ATTRIBUTES


@dataclass(frozen=True)
class IngestResult:
    received: int
    inserted: int
    updated: int
    unchanged: int


class RowProblem(ValueError):
    """Why one row of a batch is refused (ingest of messages and of credit transactions)."""


def shown(value: Any) -> str:
    """A value as a person reads it in an error: text in quotes (shortened, control characters
    escaped), instants in ISO 8601, anything else as JSON would write it."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + '"'
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return f"a {type(value).__name__}"


# ASCII digits, an optional point and at most four places, and a leading minus where signed:
# no plus sign, exponent, spaces, underscores or other scripts' digits (all of which Python's
# Decimal would accept).
_DECIMAL_TEXT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,4}))?", re.ASCII)
_TOO_MANY_PLACES = re.compile(r"-?[0-9]+\.[0-9]{5,}", re.ASCII)
_MAX_CREDITS_E4: int = int(MAX_CREDITS_PER_MESSAGE) * CREDIT_SCALE


def decimal_text_to_e4(value: Any, *, signed: bool, most: Decimal, exceeded: str) -> int:
    """Credits in ten-thousandths, exactly, from a decimal string of at most `most` either
    way; `exceeded` ends the refusal of a larger one ("the most a message may cost ({most})")."""
    form = 'a string of digits such as "12.5"' + (' or "-3"' if signed else "")
    if type(value) is not str:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            raise RowProblem(
                f"credits {shown(value)} is a JSON number: send {form} "
                "(a number may already have lost precision)"
            )
        raise RowProblem(f"credits must be {form}, not {shown(value)}")
    if not signed and value.startswith("-"):
        raise RowProblem(f"credits {shown(value)} is negative")
    match = _DECIMAL_TEXT.fullmatch(value)
    if match is None:
        if _TOO_MANY_PLACES.fullmatch(value):
            raise RowProblem(f"credits {shown(value)} has more than {CREDIT_PLACES} decimal places")
        raise RowProblem(f"credits {shown(value)} is not {form}")
    sign, whole, places = match.group(1), match.group(2), match.group(3) or ""
    most_e4 = int(most) * CREDIT_SCALE
    # Compared by length first: int() of thousands of digits is slow and, past 4,300, refused.
    digits = whole.lstrip("0")
    scaled = (
        int(digits or "0") * CREDIT_SCALE + int(places.ljust(CREDIT_PLACES, "0"))
        if len(digits) <= len(str(int(most)))
        else most_e4 + 1
    )
    if scaled > most_e4:
        raise RowProblem(f"credits {shown(value)} exceed {exceeded.format(most=f'{int(most):,}')}")
    return -scaled if sign else scaled


def credits_to_e4(value: Any) -> int:
    """A message's credits in ten-thousandths: non-negative, at most MAX_CREDITS_PER_MESSAGE."""
    return decimal_text_to_e4(
        value,
        signed=False,
        most=MAX_CREDITS_PER_MESSAGE,
        exceeded="the most a message may cost ({most})",
    )


def parse_instant(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            raise RowProblem(f"{field} {shown(value)} is not an ISO 8601 date-time") from None
    else:
        raise RowProblem(f"{field} must be an ISO 8601 date-time string, not {shown(value)}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise RowProblem(f"{field} {shown(value)} has no UTC offset; send e.g. +05:30 or Z")
    try:
        return instant.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:30 is in the year 0 in UTC
        raise RowProblem(f"{field} {shown(value)} is out of range") from None


def check_times(at: datetime, reported_at: datetime, now: datetime, field: str) -> None:
    """The bounds of a row's instant (`field`: sentAt, occurredAt) and of its reportedAt; a
    reportedAt left to default to the instant (the same object) is not bounded by now."""
    if at < EARLIEST_SENT_AT:
        raise RowProblem(f"{field} {at.isoformat()} is before 2000-01-01")
    if at > latest_sent_at(now):
        raise RowProblem(f"{field} {at.isoformat()} is more than a day in the future")
    if reported_at is at:
        return
    if reported_at < at:
        raise RowProblem(f"reportedAt {reported_at.isoformat()} is before {field}")
    if reported_at > latest_reported_at(now):
        raise RowProblem(
            f"reportedAt {reported_at.isoformat()} is more than 5 minutes in the future"
        )


_ID_RULE = f"must be 1 to {MAX_ID_LENGTH} printable characters (no control characters)"


def identifier(raw: Mapping[str, Any], key: str) -> str:
    """The id under `key`, or why it is refused."""
    value = raw.get(key)
    if _is_plain_id(value):
        return str(value)
    if not isinstance(value, str):
        raise RowProblem(f"{key} must be a string, not {shown(value)}")
    raise RowProblem(f"{key} {shown(value)} {_ID_RULE}")


def _is_plain_id(value: Any) -> bool:
    """A valid id: a string of 1 to MAX_ID_LENGTH printable characters, not all spaces."""
    return (
        type(value) is str
        and 0 < len(value) <= MAX_ID_LENGTH
        and value.isprintable()
        and not value.isspace()
    )


def _outcome(value: Any) -> MessageOutcome:
    if type(value) is MessageOutcome:  # what GraphQL's enum hands over
        return value
    try:
        return MessageOutcome(value)
    except ValueError:
        allowed = ", ".join(o.value for o in MessageOutcome)
        raise RowProblem(f"outcome {shown(value)} is not one of {allowed}") from None


def parse_message(raw: Mapping[str, Any], now: datetime | None = None) -> ParsedMessage:
    """One message, checked against every bound of the specification (§2); `now` is the
    batch's, so one batch is judged by one clock reading."""
    if None in map(raw.get, _REQUIRED):
        raise RowProblem("missing " + ", ".join(k for k in _REQUIRED if raw.get(k) is None))
    if not _ALLOWED.issuperset(raw):
        raise RowProblem("unknown field " + ", ".join(sorted(map(str, set(raw) - _ALLOWED))))
    external_id, campaign_id, center_id, guest_id = map(raw.__getitem__, _IDENTIFIERS)
    # Checked together, and each again on its own only when one is not a plain valid id.
    if not (
        _is_plain_id(external_id)
        and _is_plain_id(campaign_id)
        and _is_plain_id(center_id)
        and _is_plain_id(guest_id)
    ):
        for key in _IDENTIFIERS:
            identifier(raw, key)
    outcome = _outcome(raw["outcome"])
    sent_at = parse_instant(raw["sentAt"], "sentAt")
    reported = raw.get("reportedAt")
    reported_at = sent_at if reported is None else parse_instant(reported, "reportedAt")
    check_times(sent_at, reported_at, now or datetime.now(UTC), "sentAt")
    try:
        attributes = parse_attributes(raw)
    except ValueError as problem:
        raise RowProblem(str(problem)) from None
    return ParsedMessage(
        external_id,
        campaign_id,
        center_id,
        guest_id,
        sent_at,
        outcome,
        credits_to_e4(raw["credits"]),
        reported_at,
        attributes,
    )


_IDENTIFIERS = ("externalId", "campaignId", "centerId", "guestId")


def _identity(message: ParsedMessage) -> tuple[str, str, str, datetime]:
    return (message.campaign_id, message.center_id, message.guest_id, message.sent_at)


_CONFLICT = (
    "externalId {id} is already recorded for another campaign, center, guest or sentAt; "
    "only outcome and credits may be restated"
)


@dataclass(slots=True)
class _Validated:
    organization_id: str
    message: ParsedMessage
    business_date: date


async def _validate(
    rows: Sequence[Mapping[str, Any]], scope: WriteScope
) -> tuple[list[tuple[int, _Validated]], list[RowError]]:
    errors: list[RowError] = []
    parsed: list[tuple[int, ParsedMessage]] = []
    now = datetime.now(UTC)
    for index, raw in enumerate(rows):
        try:
            if type(raw) is not dict and not isinstance(raw, Mapping):
                raise RowProblem("a message must be an object")
            parsed.append((index, parse_message(raw, now)))
        except RowProblem as problem:
            errors.append(RowError(index, str(problem)))

    campaign_ids = {m.campaign_id for _, m in parsed}
    center_ids = {m.center_id for _, m in parsed}
    campaigns = {c.id: c for c in await Campaign.filter(id__in=campaign_ids)}
    hierarchies = {
        org: await load_hierarchy(org)
        for org in sorted({c.organization_id for c in campaigns.values()})
    }
    centers = _centers_of(hierarchies, center_ids)
    # Campaigns that reach none of a scoped writer's centers do not exist for it: refused with
    # the words used for a campaign that does not exist at all.
    hidden = {
        c.id
        for c in campaigns.values()
        if scope.center_ids is not None
        and not any(
            _reaches(c, info)
            for center_id in scope.center_ids
            if (info := hierarchies[c.organization_id].centers.get(center_id)) is not None
        )
    }

    # A batch names few campaign and center pairs: each is checked once, and its rows find the
    # answer (a reason to reject, or the organization and the center's time zone) by the pair.
    checked: dict[tuple[str, str], str | tuple[str, ZoneInfo]] = {}
    valid: list[tuple[int, _Validated]] = []
    for index, message in parsed:
        pair = (message.campaign_id, message.center_id)
        verdict = checked.get(pair)
        if verdict is None:
            verdict = checked[pair] = _check_pair(campaigns, centers, hidden, pair, scope)
        if isinstance(verdict, str):
            errors.append(RowError(index, verdict))
            continue
        organization_id, zone = verdict
        if message.attributes is not NO_ATTRIBUTES:
            # The channel is the campaign's: an encoding or a category must fit it.
            mismatch = channel_mismatch(
                message.attributes, campaigns[message.campaign_id].channel, message.campaign_id
            )
            if mismatch is not None:
                errors.append(RowError(index, mismatch))
                continue
        # The business date: the calendar date at the center when the message was sent
        # (daylight saving included).
        valid.append(
            (index, _Validated(organization_id, message, message.sent_at.astimezone(zone).date()))
        )
    return valid, errors


def _centers_of(
    hierarchies: Mapping[str, OrgHierarchy], center_ids: Collection[str]
) -> dict[str, tuple[str, CenterInfo]]:
    """The batch's centers in these organizations, with their organization, from the hierarchy
    cached per catalog version: a thousand centers are not read and made into model objects
    again for every batch. (The batch's transaction checks that they still exist.)"""
    found: dict[str, tuple[str, CenterInfo]] = {}
    for organization_id, hierarchy in hierarchies.items():
        for center_id in center_ids:
            info = hierarchy.centers.get(center_id)
            if info is not None:
                found[center_id] = (organization_id, info)
    return found


def _check_pair(
    campaigns: Mapping[str, Campaign],
    centers: Mapping[str, tuple[str, CenterInfo]],
    hidden: Collection[str],
    pair: tuple[str, str],
    scope: WriteScope,
) -> str | tuple[str, ZoneInfo]:
    """Why a message of this campaign at this center is refused, or its organization and the
    center's time zone."""
    campaign_id, center_id = pair
    campaign = campaigns.get(campaign_id)
    if (
        campaign is None
        or campaign.id in hidden
        or (scope.organization_id is not None and campaign.organization_id != scope.organization_id)
    ):
        return f"unknown campaign {shown(campaign_id)}"
    found = centers.get(center_id)
    if (
        found is None
        or found[0] != campaign.organization_id
        or (scope.center_ids is not None and center_id not in scope.center_ids)
    ):
        return f"unknown center {shown(center_id)}"
    center = found[1]
    if not _reaches(campaign, center):
        return f"campaign {shown(campaign.id)} does not reach center {shown(center.id)}"
    return campaign.organization_id, ZoneInfo(center.timezone)


def _reaches(campaign: Campaign, center: CenterInfo) -> bool:
    """Whether the campaign reaches this center of its organization."""
    if campaign.created_from is CreatedFrom.ORGANIZATION:
        return campaign.owner_id == campaign.organization_id
    if campaign.created_from is CreatedFrom.ZONE:
        return center.zone_id == campaign.owner_id
    return center.id == campaign.owner_id


def _collapse_duplicates(
    valid: list[tuple[int, _Validated]], errors: list[RowError]
) -> dict[tuple[str, str], _Validated]:
    """One row per message: the newest `reportedAt` wins, the first of equals stays."""
    latest: dict[tuple[str, str], _Validated] = {}
    for index, row in valid:
        key = (row.organization_id, row.message.external_id)
        kept = latest.get(key)
        if kept is None:
            latest[key] = row
        elif _identity(kept.message) != _identity(row.message):
            errors.append(RowError(index, _CONFLICT.format(id=shown(row.message.external_id))))
        elif row.message.reported_at > kept.message.reported_at:
            latest[key] = row
    return latest


_COLUMNS = (
    "organization_id",
    "external_id",
    "campaign_id",
    "center_id",
    "guest_id",
    "guest_key",
    "sent_at",
    "business_date",
    "outcome",
    "credits_e4",
    "reported_at",
    "units",
    "country_code",
    "encoding",
    "category",
)


def _sql_values(row: _Validated, guest_key: int) -> list[Any]:
    """One row's parameters of the SQLite upsert."""
    m = row.message
    # Stored as text in UTC, the form Tortoise itself writes, so text order is time order.
    sent_at, reported_at = m.sent_at.isoformat(" "), m.reported_at.isoformat(" ")
    return [
        row.organization_id,
        m.external_id,
        m.campaign_id,
        m.center_id,
        m.guest_id,
        guest_key,
        sent_at,
        row.business_date,
        m.outcome.value,
        m.credits_e4,
        reported_at,
        m.attributes.units,
        *_attribute_texts(m.attributes),
    ]


_CONFLICT_KEY = "(organization_id, external_id, center_id)"
_UPDATE_IF_NEWER = (
    "DO UPDATE SET outcome = excluded.outcome, credits_e4 = excluded.credits_e4, "
    "reported_at = excluded.reported_at, units = excluded.units, "
    "country_code = excluded.country_code, encoding = excluded.encoding, "
    "category = excluded.category WHERE message.reported_at < excluded.reported_at "
    # Never restate a message recorded with another identity: the batch is then rejected.
    "AND message.campaign_id = excluded.campaign_id AND message.center_id = excluded.center_id "
    "AND message.guest_id = excluded.guest_id AND message.sent_at = excluded.sent_at"
)
# PostgreSQL: one statement per organization of a batch (the API's batches have one), so the
# statement text (and asyncpg's prepared plan) is the same for every batch whatever its size.
# Text columns go as arrays; numbers, instants and dates go as one comma-joined text of integers
# each, which PostgreSQL splits and casts in C: asyncpg encodes array elements one by one, asking
# each non-text element whether it is itself an iterable (an abstract-base-class check), and
# converts each datetime with Python arithmetic, which together cost a 10,000-message batch
# about 40 ms of the server's Python.
# Instants travel as microseconds since the Unix epoch, rebuilt as whole seconds plus
# microseconds: PostgreSQL multiplies an interval by a double, and both products stay exact
# integers for every instant Python can hold (seconds below 2^53; 10^6 x seconds is such an
# integer times 2^6), so no instant is rounded.
_PG_INTEGERS = "string_to_array(${n}::text, ',')::int8[]"
_PG_INSTANT = (
    "TIMESTAMPTZ 'epoch' + (b.{c} / 1000000) * INTERVAL '1 second' "
    "+ (b.{c} % 1000000) * INTERVAL '1 microsecond'"
)
# Campaign, center and outcome repeat within a batch: each goes as its distinct values and a
# position (from 1) into them per message.
_PG_BATCH = (
    "SELECT $1::text AS organization_id, b.external_id, "
    "($3::text[])[b.campaign_at] AS campaign_id, ($5::text[])[b.center_at] AS center_id, "
    "b.guest_id, b.guest_key::int4 AS guest_key, "
    f"{_PG_INSTANT.format(c='sent_us')} AS sent_at, "
    "DATE '1970-01-01' + b.business_day::int4 AS business_date, "
    "($11::text[])[b.outcome_at] AS outcome, b.credits_e4, "
    f"{_PG_INSTANT.format(c='reported_us')} AS reported_at, "
    "b.units::int4 AS units, ($16::text[])[b.attributes_at] AS country_code, "
    "($17::text[])[b.attributes_at] AS encoding, ($18::text[])[b.attributes_at] AS category "
    f"FROM unnest($2::text[], {_PG_INTEGERS.format(n=4)}, {_PG_INTEGERS.format(n=6)}, $7::text[], "
    f"{_PG_INTEGERS.format(n=8)}, {_PG_INTEGERS.format(n=9)}, {_PG_INTEGERS.format(n=10)}, "
    f"{_PG_INTEGERS.format(n=12)}, {_PG_INTEGERS.format(n=13)}, {_PG_INTEGERS.format(n=14)}, "
    f"{_PG_INTEGERS.format(n=15)}, {_PG_INTEGERS.format(n=19)}) "
    "AS b (external_id, campaign_at, center_at, guest_id, guest_key, sent_us, business_day, "
    "outcome_at, credits_e4, reported_us, units, attributes_at)"
)
# The upsert answers with a summary, not a row per message: counts, the campaigns it changed and
# the keys it left alone (none in a batch of new messages), so a 10,000-message batch does not
# come back as 10,000 rows for Python to sift.
_PG_UPSERT = (
    f"WITH batch AS ({_PG_BATCH}), "
    f"written AS (INSERT INTO message ({', '.join(_COLUMNS)}) SELECT * FROM batch "
    f"ON CONFLICT {_CONFLICT_KEY} {_UPDATE_IF_NEWER} "
    "RETURNING external_id, campaign_id, (xmax = 0) AS inserted), "
    "untouched AS (SELECT b.external_id FROM batch b WHERE NOT EXISTS "
    "(SELECT FROM written w WHERE w.external_id = b.external_id)) "
    "SELECT (SELECT count(*) FROM written) AS changed, "
    "(SELECT count(*) FROM written WHERE inserted) AS inserted, "
    "ARRAY(SELECT DISTINCT campaign_id FROM written) AS campaigns, "
    "ARRAY(SELECT external_id FROM untouched ORDER BY 1) AS untouched_ids"
)
# A batch of new messages (the common case: integrators push each message once) goes in as a
# plain INSERT first, inside a savepoint. ON CONFLICT checks the idempotency key before inserting
# and then again while inserting it: two descents of that index and a speculative-insertion
# record a message, where a plain INSERT makes one descent. A stored key anywhere in the batch
# makes the INSERT fail (rows go in key order, so a replayed batch fails at its first row); the
# savepoint is rolled back and the upsert above decides row by row. A key that a concurrent batch
# holds uncommitted makes the INSERT wait for that batch, exactly as the upsert would.
_PG_INSERT_NEW = f"INSERT INTO message ({', '.join(_COLUMNS)}) {_PG_BATCH}"
_SAVEPOINT = "new_messages"
# Where `_pg_batch_values` puts the guests' keys (comma-joined).
_PG_GUEST_KEYS = 7
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _joined(numbers: Iterable[int]) -> str:
    return ",".join(map(str, numbers))


def _coded(values: Sequence[H]) -> tuple[list[H], str]:
    """The distinct values, and each value's position (from 1) among them, joined."""
    distinct = list(dict.fromkeys(values))
    position = {value: at for at, value in enumerate(distinct, start=1)}
    return distinct, _joined(map(position.__getitem__, values))


async def _pg_batch_values(
    connection: BaseDBAsyncClient, organization_id: str, rows: Sequence[_Validated]
) -> list[Any]:
    """The parameters of `_PG_INSERT_NEW` and of `_PG_UPSERT` (the same) for one organization's
    rows, creating the guests' keys."""
    messages = [row.message for row in rows]
    guest_ids = [m.guest_id for m in messages]
    campaigns, campaign_at = _coded([m.campaign_id for m in messages])
    centers, center_at = _coded([m.center_id for m in messages])
    outcomes, outcome_at = _coded([m.outcome.value for m in messages])
    sent_us = [_microseconds(m.sent_at) for m in messages]
    return [
        organization_id,
        [m.external_id for m in messages],
        campaigns,
        campaign_at,
        centers,
        center_at,
        guest_ids,
        await keys_in_order(connection, organization_id, guest_ids),
        _joined(sent_us),
        _joined(day_number(row.business_date) for row in rows),
        outcomes,
        outcome_at,
        _joined(m.credits_e4 for m in messages),
        _joined(
            sent if m.reported_at is m.sent_at else _microseconds(m.reported_at)
            for m, sent in zip(messages, sent_us, strict=True)
        ),
        _joined(m.attributes.units for m in messages),
        *_pg_attributes(messages),
    ]


def _pg_attributes(messages: Sequence[ParsedMessage]) -> list[Any]:
    """Countries, encodings and categories as three arrays of the batch's distinct combinations
    of them (few: most batches have one, all null) and each message's position among those,
    joined: parameters $16 to $19."""
    combinations, at = _coded([_attribute_texts(m.attributes) for m in messages])
    return [
        [c[0] for c in combinations],
        [c[1] for c in combinations],
        [c[2] for c in combinations],
        at,
    ]


def _attribute_texts(attributes: CostAttributes) -> tuple[str | None, str | None, str | None]:
    """Country, encoding and category as the text columns hold them."""
    encoding, category = attributes.encoding, attributes.category
    return (
        attributes.country_code,
        None if encoding is None else encoding.value,
        None if category is None else category.value,
    )


async def _pg_insert_new(connection: BaseDBAsyncClient, parameters: list[Any]) -> bool:
    """Insert the rows as new messages; False (and nothing inserted) if any key is stored."""
    await connection.execute_script(f"SAVEPOINT {_SAVEPOINT}")
    try:
        await connection.execute_query(_PG_INSERT_NEW, parameters)
    except IntegrityError:
        await connection.execute_script(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        return False
    await connection.execute_script(f"RELEASE SAVEPOINT {_SAVEPOINT}")
    return True


def _microseconds(instant: datetime) -> int:
    """Microseconds since the Unix epoch, exactly."""
    return (instant - _EPOCH) // _MICROSECOND


_SELECT_STORED = (
    "SELECT external_id, campaign_id, center_id, guest_id, sent_at FROM message "
    "WHERE organization_id = {org} AND external_id {match}"
)
T = TypeVar("T")
H = TypeVar("H", bound=Hashable)


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _sqlite_upsert(row_count: int) -> str:
    row = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
    return (
        f"INSERT INTO message ({', '.join(_COLUMNS)}) VALUES {', '.join([row] * row_count)} "
        f"ON CONFLICT {_CONFLICT_KEY} {_UPDATE_IF_NEWER} RETURNING organization_id, external_id"
    )


def _as_instant(value: Any) -> datetime:
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant.astimezone(UTC)


async def _stored_identities(
    connection: BaseDBAsyncClient,
    dialect: str,
    keys: Sequence[tuple[str, str]],
    center_ids: Collection[str] | None,
) -> dict[tuple[str, str], list[tuple[str, str, str, datetime]]]:
    """Who, where and when of the stored messages with the batch's externalIds at the writer's
    centers (`None`: every center). Messages at other centers are another writer's: never read,
    so they can neither be learnt about nor block this batch."""
    by_org: dict[str, list[str]] = {}
    for org, external_id in keys:
        by_org.setdefault(org, []).append(external_id)
    stored: dict[tuple[str, str], list[tuple[str, str, str, datetime]]] = {}
    for org, external_ids in by_org.items():
        if dialect == "postgres":
            sql = _SELECT_STORED.format(org="$1", match="= ANY($2::text[])")
            queries = [(sql, [org, external_ids])]
        else:
            queries = [
                (
                    _SELECT_STORED.format(org="?", match=f"IN ({', '.join('?' * len(chunk))})"),
                    [org, *chunk],
                )
                for chunk in _chunks(external_ids, _ROWS_PER_STATEMENT)
            ]
        for sql, values in queries:
            for row in await connection.execute_query_dict(sql, values):
                if center_ids is not None and row["center_id"] not in center_ids:
                    continue
                stored.setdefault((org, row["external_id"]), []).append(
                    (
                        row["campaign_id"],
                        row["center_id"],
                        row["guest_id"],
                        _as_instant(row["sent_at"]),
                    )
                )
    return stored


def _conflicts(
    stored: Mapping[tuple[str, str], list[tuple[str, str, str, datetime]]],
    latest: Mapping[tuple[str, str], _Validated],
    first_index: Mapping[tuple[str, str], int],
) -> list[RowError]:
    """Batch rows whose externalId is stored, within the writer's centers, as another message
    (another campaign, guest or sentAt, or another of the writer's centers)."""
    return [
        RowError(first_index[key], _CONFLICT.format(id=shown(key[1])))
        for key, identities in stored.items()
        if any(identity != _identity(latest[key].message) for identity in identities)
    ]


async def _hold_references(
    connection: BaseDBAsyncClient, dialect: str, rows: Iterable[_Validated]
) -> None:
    """Lock the batch's campaigns and centers against deletion until it commits, as foreign
    keys would row by row (the message table has none: backend/models.py), and make sure they
    are still there."""
    wanted = {
        "campaign": sorted({row.message.campaign_id for row in rows}),
        "center": sorted({row.message.center_id for row in rows}),
    }
    for table, ids in wanted.items():
        if not ids:
            continue
        if dialect == "postgres":
            sql = f"SELECT id FROM {table} WHERE id = ANY($1::text[]) FOR KEY SHARE"
            found = await connection.execute_query_dict(sql, [ids])
        else:  # one writer at a time: nothing can delete them before the commit
            marks = ", ".join(placeholders(dialect, len(ids)))
            found = await connection.execute_query_dict(
                f"SELECT id FROM {table} WHERE id IN ({marks})", ids
            )
        if len(found) != len(ids):
            missing = sorted(set(ids) - {row["id"] for row in found})
            raise ProductError(
                f"The {table}s {', '.join(missing)} were removed while the batch was being "
                "recorded; nothing was stored.",
                code="INVALID_MESSAGES",
            )


@dataclass(slots=True)
class _Written:
    """What one upsert did."""

    changed: int
    inserted: int
    campaign_ids: set[str]
    # Keys of the batch the upsert left alone: replays, older restatements, or another identity.
    untouched: list[tuple[str, str]]
    # Where each of the batch's messages lies, for the reporting engine's derived rows.
    places: list[MessagePlace] = field(default_factory=list)


def _place(row: _Validated, guest_key: int) -> MessagePlace:
    m = row.message
    return MessagePlace(
        m.campaign_id,
        m.center_id,
        guest_key,
        day_number(row.business_date),
        m.outcome is MessageOutcome.PROCESSED,
        m.credits_e4,
    )


async def _upsert(
    connection: BaseDBAsyncClient,
    dialect: str,
    latest: dict[tuple[str, str], _Validated],
    stored: Mapping[tuple[str, str], object],
) -> _Written:
    """Insert new messages and restate those with a newer `reportedAt`. `stored` (SQLite) names
    the keys stored before, since SQLite's RETURNING cannot tell an insert from an update."""
    # Rows go in key order, so concurrent batches lock shared keys in the same order and cannot
    # deadlock one another.
    ordered = sorted(latest)
    rows = [latest[key] for key in ordered]
    if not rows:
        return _Written(0, 0, set(), [])
    if dialect == "postgres":
        written = _Written(0, 0, set(), [])
        by_org: dict[str, list[_Validated]] = {}
        for validated in rows:  # in key order, so organizations come in order too
            by_org.setdefault(validated.organization_id, []).append(validated)
        for org, org_rows in by_org.items():
            parameters = await _pg_batch_values(connection, org, org_rows)
            written.places.extend(
                _place(row, key)
                for row, key in zip(
                    org_rows, map(int, parameters[_PG_GUEST_KEYS].split(",")), strict=True
                )
            )
            if await _pg_insert_new(connection, parameters):
                written.changed += len(org_rows)
                written.inserted += len(org_rows)
                written.campaign_ids.update(row.message.campaign_id for row in org_rows)
                continue
            summary = (await connection.execute_query_dict(_PG_UPSERT, parameters))[0]
            written.changed += summary["changed"]
            written.inserted += summary["inserted"]
            written.campaign_ids.update(summary["campaigns"])
            written.untouched.extend((org, external_id) for external_id in summary["untouched_ids"])
        return written

    keys = await guest_keys(
        connection, dialect, {(row.organization_id, row.message.guest_id) for row in rows}
    )

    def values(row: _Validated) -> list[Any]:
        return _sql_values(row, keys[(row.organization_id, row.message.guest_id)])

    changed: set[tuple[str, str]] = set()
    for chunk in _chunks(rows, _ROWS_PER_STATEMENT):
        flat = [v for row in chunk for v in values(row)]
        for row in await connection.execute_query_dict(_sqlite_upsert(len(chunk)), flat):
            changed.add((row["organization_id"], row["external_id"]))
    return _Written(
        places=[_place(row, keys[(row.organization_id, row.message.guest_id)]) for row in rows],
        changed=len(changed),
        # SQLite runs one writing transaction at a time: what was read before still holds.
        inserted=sum(1 for key in changed if key not in stored),
        campaign_ids={latest[key].message.campaign_id for key in changed},
        untouched=[key for key in ordered if key not in changed],
    )


async def record_messages(
    rows: Sequence[Mapping[str, Any]], *, scope: WriteScope, actor: str
) -> IngestResult:
    """Validate and apply one batch atomically; raise `BatchRejected` naming every bad row.
    Rejected batches are recorded in the audit trail too (what was refused, by whom)."""
    try:
        return await _record(rows, scope, actor)
    except ProductError as refusal:
        if refusal.code in ("INVALID_MESSAGES", "BATCH_TOO_LARGE"):
            await audit_rejection(len(rows), scope.organization_id, actor, refusal)
        raise


async def audit_rejection(
    received: int, organization_id: str | None, actor: str, refusal: ProductError
) -> None:
    """Record a refused batch in the audit trail (messages and credit transactions alike)."""
    try:
        await IngestBatch.create(
            organization_id=organization_id,
            actor=actor,
            action="REJECTED",
            received=received,
            inserted=0,
            updated=0,
            unchanged=0,
            rejected=len(refusal.errors) if isinstance(refusal, BatchRejected) else received,
        )
    except Exception:  # the refusal is the answer; a failed audit write must not replace it
        logger.exception("recording a rejected batch in the audit trail failed")


async def _record(rows: Sequence[Mapping[str, Any]], scope: WriteScope, actor: str) -> IngestResult:
    if len(rows) > MAX_BATCH_SIZE:
        raise ProductError(
            f"A batch holds at most {MAX_BATCH_SIZE} messages; this one has {len(rows)}.",
            code="BATCH_TOO_LARGE",
        )
    valid, errors = await _validate(rows, scope)
    latest = _collapse_duplicates(valid, errors)
    if errors:
        raise BatchRejected(errors)
    first_index: dict[tuple[str, str], int] = {}
    for index, row in valid:
        first_index.setdefault((row.organization_id, row.message.external_id), index)

    async with in_transaction() as connection:
        dialect = str(connection.capabilities.dialect)
        await _hold_references(connection, dialect, latest.values())
        # A stored message with one of the batch's externalIds at another of the writer's
        # centers, or as another message at the same center, rejects the batch. A writer of one
        # center has no other: on PostgreSQL the upsert below finds the same-center ones. The
        # key's unique index covers one center, so two batches that record one externalId at
        # two centers at the same moment (each unseen by the other's read) both go in; within
        # one writer's scope that takes two integrations sending one id for two centers at once.
        single_center = scope.center_ids is not None and len(scope.center_ids) == 1
        stored = (
            await _stored_identities(connection, dialect, list(latest), scope.center_ids)
            if dialect == "sqlite" or not single_center
            else {}
        )
        conflicts = _conflicts(stored, latest, first_index)
        if conflicts:
            raise BatchRejected(conflicts)
        # The upsert leaves alone a stored message whose identity differs; such a row is found
        # below and the whole batch rolled back.
        written = await _upsert(connection, dialect, latest, stored)
        if dialect == "postgres":
            # Read in a new statement, so a row a concurrent batch committed while this one
            # waited for it is seen. Only rows the upsert left alone can conflict.
            conflicts = _conflicts(
                await _stored_identities(connection, dialect, written.untouched, scope.center_ids),
                latest,
                first_index,
            )
            if conflicts:
                raise BatchRejected(conflicts)
        # The reporting engine's derived rows, in this transaction: a reader that sees the
        # batch's seq sees its rows too.
        await record_batch(
            connection,
            written.places,
            written.campaign_ids,
            all_new=written.inserted == len(latest),
        )
        result = IngestResult(
            received=len(rows),
            inserted=written.inserted,
            updated=written.changed - written.inserted,
            unchanged=len(rows) - written.changed,
        )
        organizations = {org for org, _ in latest}
        await IngestBatch.create(
            using_db=connection,
            organization_id=next(iter(organizations)) if len(organizations) == 1 else None,
            actor=actor,
            received=result.received,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    return result
