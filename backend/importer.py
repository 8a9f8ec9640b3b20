"""`credit-report import`: the hierarchy, catalog and messages from a JSON document, or messages
from JSON Lines.

Every record is an upsert by id (messages by externalId through the ledger), so loading the same
file twice changes nothing; a file is applied in one transaction, and a rejected file names
every problem of every bad record and stores nothing.

A file is looked at before the database is: a missing, unreadable or empty file is refused
first. A JSON document is read whole (it holds the hierarchy and the catalog, and messages in
modest numbers); JSON Lines are read as a stream, a batch of the ledger's size at a time, so
memory stays flat whatever the file's size.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from tortoise.transactions import in_transaction

from backend.accounts.transactions import (
    MAX_TRANSACTION_BATCH,
    TransactionsRejected,
    record_transactions,
)
from backend.catalog import advance_catalog_versions
from backend.costs.attributes import ATTRIBUTE_FIELDS
from backend.costs.rate_cards import parse_rate_card, store_rate_cards
from backend.costs.templates import check_template_text
from backend.enums import CampaignStatus, CampaignType, Channel, CreatedFrom
from backend.errors import ProductError
from backend.ledger import (
    MAX_BATCH_SIZE,
    TRUSTED_IMPORT,
    BatchRejected,
    parse_message,
    record_messages,
    shown,
)
from backend.models import Campaign, Center, CreditSource, Organization, Zone

SECTIONS = (
    "organizations", "zones", "centers", "creditSources", "campaigns", "messages",
    "creditTransactions", "rateCards",
)  # fmt: skip
# A message's fields (specification §6); `reportedAt` and the cost attributes (§10) may be
# left out.
MESSAGE_FIELDS = (
    "externalId", "campaignId", "centerId", "guestId", "sentAt", "outcome", "credits",
)  # fmt: skip
OPTIONAL_MESSAGE_FIELDS = ("reportedAt", *ATTRIBUTE_FIELDS)
# Problems kept to be listed; past this they are counted only (a file of garbage must not fill
# the memory with its complaints).
MAX_LISTED_PROBLEMS = 10_000


class ImportRejected(ProductError):
    code = "INVALID_IMPORT"

    def __init__(self, problems: Sequence[str], total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        listed = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {self.total - 50} more" if self.total > 50 else ""
        super().__init__(f"Import rejected, nothing stored:\n{listed}{more}")


class ImportFileError(ProductError):
    """The file itself cannot be imported (missing, unreadable, empty, not UTF-8)."""

    code = "INVALID_IMPORT"


@dataclass(frozen=True)
class ImportSummary:
    entities: int
    messages_received: int
    messages_inserted: int
    messages_updated: int


# Called with (bytes read, messages recorded) after every batch.
ProgressCallback = Callable[[int, int], None]


class _Problems:
    """Every problem found, the first MAX_LISTED_PROBLEMS of them kept for the report, which
    lists them in the order of the file's rows."""

    def __init__(self) -> None:
        self._listed: list[tuple[int, int, str]] = []
        self.total = 0

    def add(self, problem: str, row: int) -> None:
        self.total += 1
        if len(self._listed) < MAX_LISTED_PROBLEMS:
            self._listed.append((row, self.total, problem))

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportRejected([problem for *_, problem in sorted(self._listed)], self.total)


@dataclass
class ImportSource:
    """A file checked before the database is opened: its form, and for a document its
    content (a syntax error is reported before anything else happens)."""

    path: Path
    form: Literal["document", "lines"]
    size: int
    document: dict[str, Any] = field(default_factory=dict)

    async def apply(
        self, *, actor: str | None = None, on_progress: ProgressCallback | None = None
    ) -> ImportSummary:
        actor = actor or f"import:{self.path.name}"
        if self.form == "document":
            return await apply_document(
                self.document,
                actor=actor,
                on_progress=(
                    None
                    if on_progress is None
                    else lambda done, total: on_progress(self.size * done // total, done)
                ),
            )
        return await _apply_lines(self.path, self.size, actor=actor, on_progress=on_progress)


def open_import(path: Path) -> ImportSource:
    """Check the file and tell its form: a JSON document (an object of SECTIONS, or an array
    of messages) or JSON Lines of messages (the first line a whole object of message fields).
    Raises `ImportFileError` or `ImportRejected`; touches no database."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            first = _first_line(file)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise ImportFileError(f"{path}: permission denied") from None
    except OSError as error:
        raise ImportFileError(f"{path}: {error.strerror or error}") from None
    stripped = first.strip()
    if not stripped:
        raise ImportFileError(f"{path} is empty: there is nothing to import")
    if stripped.startswith(b"{"):
        try:
            record = json.loads(stripped)
        except (ValueError, UnicodeDecodeError):
            record = None  # a document spread over lines
        if isinstance(record, dict) and record and not set(record) <= set(SECTIONS):
            return ImportSource(path, "lines", size)
    document = read_document(path)
    if not any(document.get(section) for section in SECTIONS):
        raise ImportFileError(f"{path} holds no records: there is nothing to import")
    return ImportSource(path, "document", size, document)


def _first_line(file: BinaryIO) -> bytes:
    """The first line with anything but white space on it (a byte-order mark dropped), or
    b"" when there is none."""
    for number, line in enumerate(file):
        if number == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.strip():
            return line
    return b""


def read_document(path: Path) -> dict[str, Any]:
    """A JSON document with any of SECTIONS, or an array of messages."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path} is not UTF-8 text ({error.reason})") from None
    try:
        # Decimals straight from the text: a credit must never pass through a binary float.
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ImportRejected(
            [f"line {error.lineno}, column {error.colno}: not JSON ({error.msg})"]
        ) from None
    if isinstance(document, list):
        return {"messages": document}
    if not isinstance(document, dict):
        raise ImportRejected(["the file must hold a JSON object, an array or JSON Lines"])
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise ImportRejected(
            [f"unknown section {name!r} (known: {', '.join(SECTIONS)})" for name in unknown]
        )
    return document


def _json_lines(file: BinaryIO, problems: _Problems) -> Iterator[tuple[int, Any, int]]:
    """(line number from 1, parsed value, bytes read so far) for every line that is not blank;
    a line that is not JSON is a problem, and reading goes on."""
    position = 0
    for number, raw in enumerate(file, start=1):
        position += len(raw)
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
            if type(value) is dict and any(type(v) is float for v in value.values()):
                # A JSON number is refused (credits are strings), and its refusal quotes it as
                # written: 2.50, not the binary float 2.5.
                value = json.loads(raw, parse_float=Decimal)
        except json.JSONDecodeError as error:  # orjson's error is one too
            problems.add(f"line {number}: not JSON ({error.msg}, column {error.colno})", number)
            continue
        yield number, value, position


def _records(document: Mapping[str, Any], section: str) -> list[Any]:
    records = document.get(section, [])
    if not isinstance(records, list):
        raise ImportRejected([f"{section} must be a list"])
    return records


def _text(record: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} must be a non-empty string")
        return ""
    if len(value) > 200:
        problems.append(f"{where}: {key} is longer than 200 characters")
    return value


def _timezone(record: Mapping[str, Any], where: str, problems: list[str]) -> str:
    name = _text(record, "timezone", where, problems)
    if name:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"{where}: unknown IANA time zone {name!r}")
    return name


def _choice(kind: Any, record: Mapping[str, Any], key: str, where: str, problems: list[str]) -> Any:
    value = record.get(key)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        problems.append(f"{where}: {key} {value!r} is not one of {allowed}")
        return None


class _Catalog:
    """What the file and the database together say exists, to check references before writing."""

    def __init__(self) -> None:
        self.organizations: set[str] = set()
        self.zone_org: dict[str, str] = {}
        self.center_org: dict[str, str] = {}
        self.source_org: dict[str, str] = {}

    async def load(self) -> None:
        self.organizations = {str(i) for i in await Organization.all().values_list("id", flat=True)}
        self.zone_org = dict(await Zone.all().values_list("id", "organization_id"))
        self.center_org = dict(await Center.all().values_list("id", "organization_id"))
        self.source_org = dict(await CreditSource.all().values_list("id", "organization_id"))


def _owned(
    kind: str,
    record: Mapping[str, Any],
    where: str,
    known: dict[str, str],
    catalog: _Catalog,
    problems: list[str],
) -> tuple[str, str]:
    """Check a record's id and organization; an id may never move to another organization."""
    record_id = _text(record, "id", where, problems)
    organization_id = _text(record, "organizationId", where, problems)
    if organization_id and organization_id not in catalog.organizations:
        problems.append(f"{where}: unknown organization {organization_id!r}")
    previous = known.get(record_id)
    if record_id and previous is not None and previous != organization_id:
        problems.append(f"{where}: {kind} {record_id!r} belongs to another organization")
    known[record_id] = organization_id
    return record_id, organization_id


async def _validate_entities(document: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Check every non-message record; return (model, fields) pairs ready to upsert, in order."""
    catalog = _Catalog()
    await catalog.load()
    problems: list[str] = []
    writes: list[tuple[str, dict[str, Any]]] = []

    for i, record in enumerate(_records(document, "organizations")):
        where = f"organizations[{i}]"
        if not isinstance(record, dict):
            problems.append(f"{where}: must be an object")
            continue
        org_id = _text(record, "id", where, problems)
        fields = {
            "id": org_id,
            "name": _text(record, "name", where, problems),
            "timezone": _timezone(record, where, problems),
        }
        catalog.organizations.add(org_id)
        writes.append(("organization", fields))

    for i, record in enumerate(_records(document, "zones")):
        where = f"zones[{i}]"
        if not isinstance(record, dict):
            problems.append(f"{where}: must be an object")
            continue
        zone_id, org_id = _owned("zone", record, where, catalog.zone_org, catalog, problems)
        writes.append(
            (
                "zone",
                {
                    "id": zone_id,
                    "organization_id": org_id,
                    "name": _text(record, "name", where, problems),
                },
            )
        )

    for i, record in enumerate(_records(document, "centers")):
        where = f"centers[{i}]"
        if not isinstance(record, dict):
            problems.append(f"{where}: must be an object")
            continue
        center_id, org_id = _owned("center", record, where, catalog.center_org, catalog, problems)
        center_zone: str | None = record.get("zoneId")
        if center_zone is not None and catalog.zone_org.get(center_zone) != org_id:
            problems.append(f"{where}: unknown zone {center_zone!r} in organization {org_id!r}")
        writes.append(
            (
                "center",
                {
                    "id": center_id,
                    "organization_id": org_id,
                    "zone_id": center_zone,
                    "name": _text(record, "name", where, problems),
                    "timezone": _timezone(record, where, problems),
                },
            )
        )

    for i, record in enumerate(_records(document, "creditSources")):
        where = f"creditSources[{i}]"
        if not isinstance(record, dict):
            problems.append(f"{where}: must be an object")
            continue
        source_id, org_id = _owned(
            "credit source", record, where, catalog.source_org, catalog, problems
        )
        writes.append(
            (
                "credit_source",
                {
                    "id": source_id,
                    "organization_id": org_id,
                    "name": _text(record, "name", where, problems),
                },
            )
        )

    campaign_org = dict(await Campaign.all().values_list("id", "organization_id"))
    for i, record in enumerate(_records(document, "campaigns")):
        where = f"campaigns[{i}]"
        if not isinstance(record, dict):
            problems.append(f"{where}: must be an object")
            continue
        campaign_id, org_id = _owned("campaign", record, where, campaign_org, catalog, problems)
        created_from = _choice(CreatedFrom, record, "createdFrom", where, problems)
        owner_id = _text(record, "ownerId", where, problems)
        owner_org = {
            CreatedFrom.ORGANIZATION: {org_id: org_id},
            CreatedFrom.ZONE: catalog.zone_org,
            CreatedFrom.CENTER: catalog.center_org,
        }.get(created_from, {}).get(owner_id)
        if created_from is not None and owner_org != org_id:
            problems.append(
                f"{where}: ownerId {owner_id!r} is not a {created_from.value.lower()} "
                f"of organization {org_id!r}"
            )
        source_id = str(record.get("creditSourceId"))
        if catalog.source_org.get(source_id) != org_id:
            problems.append(
                f"{where}: unknown credit source {source_id!r} in organization {org_id!r}"
            )
        channel = _choice(Channel, record, "channel", where, problems)
        writes.append(
            (
                "campaign",
                {
                    "id": campaign_id,
                    "organization_id": org_id,
                    "name": _text(record, "name", where, problems),
                    "type": _choice(CampaignType, record, "type", where, problems),
                    "created_from": created_from,
                    "owner_id": owner_id,
                    "channel": channel,
                    "credit_source_id": source_id,
                    "status": _choice(CampaignStatus, record, "status", where, problems),
                    **_template(record, channel, where, problems),
                },
            )
        )
    if problems:
        raise ImportRejected(problems)
    return writes


def _template(
    record: Mapping[str, Any], channel: Channel | None, where: str, problems: list[str]
) -> dict[str, str | None]:
    """The optional `template`: set (or cleared with null) only when the record names it, so a
    file written before templates existed leaves a stored one alone."""
    if "template" not in record:
        return {}
    template = record["template"]
    if template is None:
        return {"template": None}
    if not isinstance(template, str):
        problems.append(f"{where}: template must be a string or null")
        return {}
    if channel is Channel.EMAIL:
        problems.append(f"{where}: template is the text of an SMS or WhatsApp campaign")
    try:
        check_template_text(template)
    except ProductError as refused:
        problems.append(f"{where}: template: {refused}")
    return {"template": template}


_MODELS: dict[str, Any] = {
    "organization": Organization,
    "zone": Zone,
    "center": Center,
    "credit_source": CreditSource,
    "campaign": Campaign,
}


async def apply_document(
    document: Mapping[str, Any],
    *,
    actor: str = "import",
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Validate and apply a whole document in one transaction. `on_progress` gets (messages
    recorded, messages in the document) after every batch."""
    messages = _records(document, "messages")
    problems = _Problems()
    async with in_transaction() as connection:
        writes = await _validate_entities(document)
        organizations: set[str] = set()
        for model_name, fields in writes:
            record_id = fields.pop("id")
            organizations.add(
                record_id if model_name == "organization" else fields["organization_id"]
            )
            await _MODELS[model_name].update_or_create(id=record_id, defaults=fields)
        await advance_catalog_versions(connection, organizations)
        writer = _MessageWriter(actor, problems)
        for start in range(0, len(messages), MAX_BATCH_SIZE):
            batch = messages[start : start + MAX_BATCH_SIZE]
            await writer.write(
                batch, [(start + i, f"messages[{start + i}]") for i in range(len(batch))]
            )
            if on_progress is not None:
                on_progress(start + len(batch), len(messages))
        transactions = _records(document, "creditTransactions")
        await _write_credit_transactions(transactions, actor, problems, after=len(messages))
        await _write_rate_cards(
            _records(document, "rateCards"), problems, after=len(messages) + len(transactions)
        )
        problems.raise_if_any()
    return ImportSummary(len(writes), len(messages), writer.inserted, writer.updated)


async def _write_credit_transactions(
    rows: list[Any], actor: str, problems: _Problems, *, after: int
) -> None:
    """The `creditTransactions` section (§9) through the accounts' one validation, a batch at a
    time; every refused row is named by its place in the file (listed after the messages)."""
    for start in range(0, len(rows), MAX_TRANSACTION_BATCH):
        batch = rows[start : start + MAX_TRANSACTION_BATCH]
        try:
            await record_transactions(batch, organization_id=None, actor=actor)
        except TransactionsRejected as rejected:
            for error in rejected.errors:
                row = start + error.index
                problems.add(f"creditTransactions[{row}]: {error.reason}", after + row)


async def _write_rate_cards(rows: list[Any], problems: _Problems, *, after: int) -> None:
    """The `rateCards` section (§10): each card upserted by (creditSourceId, validFrom), its
    rates replaced; every refused card named by its place (listed after the transactions)."""
    sources = dict(await CreditSource.all().values_list("id", "organization_id"))
    cards = []
    first_at: dict[tuple[str, object], int] = {}
    for index, record in enumerate(rows):
        card, refusals = parse_rate_card(record, sources)
        if card is not None:
            key = (card.credit_source_id, card.valid_from)
            if key in first_at:
                refusals = [f"the same creditSourceId and validFrom as rateCards[{first_at[key]}]"]
            first_at.setdefault(key, index)
            cards.append(card)
        for refusal in refusals:
            problems.add(f"rateCards[{index}]: {refusal}", after + index)
    if not problems.total:
        await store_rate_cards(cards)


async def _apply_lines(
    path: Path, size: int, *, actor: str, on_progress: ProgressCallback | None
) -> ImportSummary:
    """Messages from JSON Lines, a batch at a time, in one transaction; rows are named by
    their line number (from 1, as a text editor counts)."""
    problems = _Problems()
    async with in_transaction():
        writer = _MessageWriter(actor, problems)
        batch: list[Any] = []
        labels: list[tuple[int, str]] = []
        for number, value, position in _stream_lines(path, problems):
            batch.append(value)
            labels.append((number, f"line {number}"))
            if len(batch) == MAX_BATCH_SIZE:
                await writer.write(batch, labels)
                batch, labels = [], []
                if on_progress is not None:
                    on_progress(position, writer.received)
        if batch:
            await writer.write(batch, labels)
        if on_progress is not None:
            on_progress(size, writer.received)
        problems.raise_if_any()
    return ImportSummary(0, writer.received, writer.inserted, writer.updated)


def _stream_lines(path: Path, problems: _Problems) -> Iterator[tuple[int, Any, int]]:
    with path.open("rb") as file:
        yield from _json_lines(file, problems)


class _MessageWriter:
    """Hands batches to the ledger. After a rejected batch the file is doomed (its transaction
    rolls back), but the remaining batches are still checked, so that one run names every
    problem of every row."""

    def __init__(self, actor: str, problems: _Problems) -> None:
        self.actor = actor
        self.problems = problems
        self.received = self.inserted = self.updated = 0

    async def write(self, batch: Sequence[Any], labels: Sequence[tuple[int, str]]) -> None:
        """`labels`: each row's position in the file and its name in a problem."""
        self.received += len(batch)
        try:
            result = await record_messages(batch, scope=TRUSTED_IMPORT, actor=self.actor)
        except BatchRejected as rejected:
            await self._name_problems(batch, labels, rejected)
            return
        self.inserted += result.inserted
        self.updated += result.updated

    async def _name_problems(
        self, batch: Sequence[Any], labels: Sequence[tuple[int, str]], rejected: BatchRejected
    ) -> None:
        """The ledger names a row's first problem; a person fixing the file wants them all."""
        rows = [(labels[e.index], batch[e.index], e.reason) for e in rejected.errors]
        campaigns, centers = await _known_references(row for _, row, _ in rows)
        now = datetime.now(UTC)
        for (position, label), row, reason in rows:
            for problem in message_problems(row, reason, now, campaigns, centers):
                self.problems.add(f"{label}: {problem}", position)


async def _known_references(rows: Iterator[Any]) -> tuple[set[str], set[str]]:
    """Which of these rows' campaign and center ids exist at all."""
    campaign_ids: set[str] = set()
    center_ids: set[str] = set()
    for row in rows:
        if isinstance(row, Mapping):
            if isinstance(row.get("campaignId"), str):
                campaign_ids.add(row["campaignId"])
            if isinstance(row.get("centerId"), str):
                center_ids.add(row["centerId"])
    campaigns = await Campaign.filter(id__in=campaign_ids).values_list("id", flat=True)
    centers = await Center.filter(id__in=center_ids).values_list("id", flat=True)
    return {str(c) for c in campaigns}, {str(c) for c in centers}


# A message that passes every check: each field of a bad row is checked by putting it into this
# one, so every problem is found in the ledger's own words. `sentAt` is the earliest allowed, so
# that a `reportedAt` checked against it is refused only for being out of bounds.
_VALID_MESSAGE = {
    "externalId": "x",
    "campaignId": "x",
    "centerId": "x",
    "guestId": "x",
    "sentAt": "2000-01-01T00:00:00+00:00",
    "outcome": "PROCESSED",
    "credits": "0",
}


def message_problems(
    row: Any,
    ledger_reason: str,
    now: datetime,
    campaigns: set[str] | None = None,
    centers: set[str] | None = None,
) -> list[str]:
    """Every problem of a message the ledger refused for `ledger_reason` (its first): missing
    and unknown fields, each field's value, and, when its values are at fault too, campaign
    and center ids that exist nowhere. A row whose only fault is its references or a conflict
    with what is stored has just the ledger's reason."""
    if not isinstance(row, Mapping):
        return [ledger_reason]
    problems: list[str] = []
    missing = [key for key in MESSAGE_FIELDS if row.get(key) is None]
    if missing:
        problems.append("missing " + ", ".join(missing))
    unknown = sorted(map(str, set(row) - {*MESSAGE_FIELDS, *OPTIONAL_MESSAGE_FIELDS}))
    if unknown:
        problems.append(
            f"unknown field{'s' if len(unknown) > 1 else ''} "
            + ", ".join(shown(name) for name in unknown)
        )
    sent_at_valid = False
    for key in (*MESSAGE_FIELDS, *OPTIONAL_MESSAGE_FIELDS):
        value = row.get(key)
        if value is None:
            continue
        probe = {**_VALID_MESSAGE, key: value}
        if key == "reportedAt" and sent_at_valid:
            probe["sentAt"] = row["sentAt"]
        try:
            parse_message(probe, now)
        except ValueError as problem:
            problems.append(str(problem))
        else:
            sent_at_valid = sent_at_valid or key == "sentAt"
    if not problems:
        return [ledger_reason]
    campaign_id, center_id = row.get("campaignId"), row.get("centerId")
    if campaigns is not None and isinstance(campaign_id, str) and campaign_id not in campaigns:
        problems.append(f"unknown campaign {shown(campaign_id)}")
    if centers is not None and isinstance(center_id, str) and center_id not in centers:
        problems.append(f"unknown center {shown(center_id)}")
    return problems


async def import_file(path: Path, *, on_progress: ProgressCallback | None = None) -> ImportSummary:
    """Check the file, then apply it (the command line checks it before opening the
    database, and applies it after)."""
    return await open_import(path).apply(on_progress=on_progress)
