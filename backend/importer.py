"""`credit-report import`: the hierarchy, catalog and messages from a JSON (Lines) document.

Every record is an upsert by id (messages by externalId through the ledger), so loading the same
file twice changes nothing; a file is applied in one transaction, and a rejected file names
every bad record and stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.transactions import in_transaction

from backend.catalog import advance_catalog_versions
from backend.enums import CampaignStatus, CampaignType, Channel, CreatedFrom
from backend.errors import ProductError
from backend.ledger import MAX_BATCH_SIZE, TRUSTED_IMPORT, BatchRejected, record_messages
from backend.models import Campaign, Center, CreditSource, Organization, Zone

SECTIONS = ("organizations", "zones", "centers", "creditSources", "campaigns", "messages")


class ImportRejected(ProductError):
    code = "INVALID_IMPORT"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        listed = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"Import rejected, nothing stored:\n{listed}{more}")


@dataclass(frozen=True)
class ImportSummary:
    entities: int
    messages_received: int
    messages_inserted: int
    messages_updated: int


def read_document(path: Path) -> dict[str, Any]:
    """A JSON document with any of SECTIONS, or JSON Lines of messages (one object a line)."""
    text = path.read_text(encoding="utf-8")
    try:
        # Decimals straight from the text: a credit must never pass through a binary float.
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError:
        return {"messages": list(_json_lines(text))}
    if isinstance(document, list):
        return {"messages": document}
    if not isinstance(document, dict):
        raise ImportRejected(["the file must hold a JSON object, an array or JSON Lines"])
    unknown = sorted(set(document) - set(SECTIONS))
    if unknown:
        raise ImportRejected([f"unknown section {name!r}" for name in unknown])
    return document


def _json_lines(text: str) -> Iterator[Any]:
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: not JSON ({error.msg})")
    if problems:
        raise ImportRejected(problems)


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
                    "channel": _choice(Channel, record, "channel", where, problems),
                    "credit_source_id": source_id,
                    "status": _choice(CampaignStatus, record, "status", where, problems),
                },
            )
        )
    if problems:
        raise ImportRejected(problems)
    return writes


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
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Validate and apply a whole document in one transaction."""
    messages = _records(document, "messages")
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
        inserted = updated = 0
        for start in range(0, len(messages), MAX_BATCH_SIZE):
            batch = messages[start : start + MAX_BATCH_SIZE]
            try:
                result = await record_messages(batch, scope=TRUSTED_IMPORT, actor=actor)
            except BatchRejected as rejected:
                raise ImportRejected(
                    [f"messages[{start + e.index}]: {e.reason}" for e in rejected.errors]
                ) from None
            inserted += result.inserted
            updated += result.updated
            if on_progress is not None:
                on_progress(len(batch))
    return ImportSummary(len(writes), len(messages), inserted, updated)


async def import_file(
    path: Path, *, on_progress: Callable[[int], None] | None = None
) -> ImportSummary:
    return await apply_document(
        read_document(path), actor=f"import:{path.name}", on_progress=on_progress
    )
