"""Voiding stored messages (backend/voiding.py, `credit-report messages void`): the rows leave
every report at once, are kept whole in voided_message, the audit trail records the void, and
the external id may be recorded again."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from backend.errors import NotFound
from backend.models import IngestBatch, Message, VoidedMessage
from backend.principal import Principal
from backend.voiding import void_messages
from tests.factories import (
    ORG,
    OTHER_ORG,
    changed_behind_the_ledger,
    hierarchy,
    load_hierarchy,
    message,
    record,
)
from tests.graphql_client import execute
from tests.test_cli import numbers as cli_numbers
from tests.test_cli import run

QUERY_REPORT = """
query Report($zoneId: ID, $centerId: ID) {
  campaigns(zoneId: $zoneId, centerId: $centerId) {
    totals { targetedGuests processed creditsConsumed }
    edges { node { id targetedGuests processed creditsConsumed } }
  }
}
"""

QUERY_DRILLDOWNS = """
query Drilldowns($id: ID!, $zoneId: ID) {
  campaign(id: $id, zoneId: $zoneId) {
    targetedGuests processed creditsConsumed
    centerBreakdown { center { id } targetedGuests processed creditsConsumed }
    dateBreakdown { date targetedGuests processed creditsConsumed }
  }
}
"""

ORG_PRINCIPAL = Principal(ORG)
Numbers = tuple[int, int, Decimal]


def numbers(node: dict[str, Any]) -> Numbers:
    return node["targetedGuests"], node["processed"], Decimal(node["creditsConsumed"])


async def seed() -> None:
    """cmp-org: keep-1 (Pune, 1 Mar, g-1, 1 credit) and keep-2 (Mumbai, 2 Mar, g-2, 2) stay;
    "bad" is stored at two centers (Pune, 3 Mar, g-3, 1,000; Mumbai, 4 Mar, g-4, FAILED,
    300). org-2 has a message "bad" of its own (9 credits)."""
    await load_hierarchy()
    await record(
        message("keep-1", guest_id="g-1", credits="1"),
        message(
            "keep-2", center_id="c-mumbai", guest_id="g-2", sent_at="2026-03-02T10:00:00+05:30",
            credits="2",
        ),
        message("bad", guest_id="g-3", sent_at="2026-03-03T10:00:00+05:30", credits="1000"),
        message(
            "bad-at-mumbai", center_id="c-mumbai", guest_id="g-4",
            sent_at="2026-03-04T10:00:00+05:30", outcome="FAILED", credits="300",
        ),
        message("bad", "cmp-x", "c-x", "g-1", "2026-03-01T10:00:00+00:00", credits="9"),
    )  # fmt: skip
    # The key is (organization, externalId, center): one id may be stored at several centers
    # (by writers scoped to each). Made so here without depending on how a writer gets there.
    async with in_transaction() as connection:
        await connection.execute_query(
            "UPDATE message SET external_id = 'bad' WHERE external_id = 'bad-at-mumbai'"
        )
        await changed_behind_the_ledger(connection, {"cmp-org"})


async def report(principal: Principal = ORG_PRINCIPAL, **scope: str) -> dict[str, Numbers]:
    """Each campaign's numbers and the totals (under "totals")."""
    found = (await execute(QUERY_REPORT, scope, principal=principal))["campaigns"]
    answer = {e["node"]["id"]: numbers(e["node"]) for e in found["edges"]}
    return {**answer, "totals": numbers(found["totals"])}


async def drilldowns(**scope: str) -> tuple[Numbers, dict[str, Numbers], dict[str, Numbers]]:
    found = (await execute(QUERY_DRILLDOWNS, {"id": "cmp-org", **scope}, principal=ORG_PRINCIPAL))[
        "campaign"
    ]
    return (
        numbers(found),
        {r["center"]["id"]: numbers(r) for r in found["centerBreakdown"]},
        {r["date"]: numbers(r) for r in found["dateBreakdown"]},
    )


KEPT_ONLY = (2, 2, Decimal(3))
KEPT_CENTERS = {"c-pune": (1, 1, Decimal(1)), "c-mumbai": (1, 1, Decimal(2))}
KEPT_DAYS = {"2026-03-01": (1, 1, Decimal(1)), "2026-03-02": (1, 1, Decimal(2))}


async def test_voiding_takes_the_rows_out_of_every_report(db: str) -> None:
    await seed()
    # Every scope and drilldown holds the bad rows first.
    assert (await report())["cmp-org"] == (4, 3, Decimal(1303))
    assert (await report(zoneId="zone-w"))["cmp-org"] == (4, 3, Decimal(1303))
    assert (await report(centerId="c-pune"))["cmp-org"] == (2, 2, Decimal(1001))
    total, centers, days = await drilldowns()
    assert total == (4, 3, Decimal(1303)) and set(centers) == {"c-pune", "c-mumbai"}
    assert list(days) == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]

    result = await void_messages(ORG, ["bad", "nope"], actor="cli:ops")
    assert [(v.external_id, v.center_id, v.campaign_id, v.credits) for v in result.voided] == [
        ("bad", "c-mumbai", "cmp-org", Decimal(300)),
        ("bad", "c-pune", "cmp-org", Decimal(1000)),
    ]
    assert result.voided[1].sent_at == datetime(2026, 3, 3, 4, 30, tzinfo=UTC)
    assert result.not_found == ["nope"]

    organization = await report()
    assert organization["cmp-org"] == KEPT_ONLY and organization["totals"] == KEPT_ONLY
    assert (await report(zoneId="zone-w"))["cmp-org"] == KEPT_ONLY
    assert (await report(centerId="c-pune"))["cmp-org"] == (1, 1, Decimal(1))
    assert (await report(centerId="c-mumbai"))["cmp-org"] == (1, 1, Decimal(2))
    assert await drilldowns() == (KEPT_ONLY, KEPT_CENTERS, KEPT_DAYS)
    assert await drilldowns(zoneId="zone-w") == (KEPT_ONLY, KEPT_CENTERS, KEPT_DAYS)

    # The other organization's message with the same external id is untouched.
    other = await report(Principal(OTHER_ORG))
    assert other["cmp-x"] == (1, 1, Decimal(9))
    assert await Message.filter(organization_id=OTHER_ORG, external_id="bad").count() == 1

    batch = await IngestBatch.get(id=result.batch_id)
    assert (
        batch.action,
        batch.actor,
        batch.organization_id,
        batch.received,
        batch.inserted,
        batch.updated,
        batch.unchanged,
        batch.rejected,
    ) == ("VOIDED", "cli:ops", ORG, 2, 0, 2, 1, 0)


async def test_voided_rows_are_kept_whole(db: str) -> None:
    await seed()
    stored = await Message.filter(organization_id=ORG, external_id="bad").order_by("center_id")
    result = await void_messages(ORG, ["bad"], actor="test")
    kept = await VoidedMessage.filter(batch_id=result.batch_id).order_by("center_id")
    fields = (
        "organization_id", "external_id", "campaign_id", "center_id", "guest_id", "sent_at",
        "credits_e4", "reported_at",
    )  # fmt: skip
    assert [[getattr(v, f) for f in fields] for v in kept] == [
        [getattr(m, f) for f in fields] for m in stored
    ]
    assert [v.outcome for v in kept] == [m.outcome.value for m in stored] == ["FAILED", "PROCESSED"]
    assert await Message.filter(organization_id=ORG, external_id="bad").count() == 0


async def test_voiding_twice_finds_nothing_the_second_time(db: str) -> None:
    await seed()
    await void_messages(ORG, ["bad"], actor="test")
    with pytest.raises(NotFound, match="nothing was voided"):
        await void_messages(ORG, ["bad"], actor="test")
    # Nothing happened, so nothing is recorded.
    assert await IngestBatch.filter(action="VOIDED").count() == 1
    assert await VoidedMessage.all().count() == 2


async def test_an_unknown_organization_is_refused(db: str) -> None:
    await seed()
    with pytest.raises(NotFound, match="Unknown organization 'org-missing'"):
        await void_messages("org-missing", ["bad"], actor="test")
    assert await Message.filter(external_id="bad").count() == 3


async def test_a_voided_external_id_can_be_recorded_again(db: str) -> None:
    await seed()
    await void_messages(ORG, ["bad"], actor="test")
    again = await record(message("bad", guest_id="g-3", credits="1.5"))
    assert (again.inserted, again.updated, again.unchanged) == (1, 0, 0)
    assert (await report())["cmp-org"] == (3, 3, Decimal("4.5"))


async def test_voiding_neutralises_a_row_stored_before_the_bounds(db: str) -> None:
    """A row from before the ledger's bounds, sent in the year 9999 with the most credits a
    BIGINT holds: its campaign's date drilldown spans eight thousand years and is refused until
    the row is voided."""
    await load_hierarchy()
    await record(message("ok"), message("legacy", guest_id="g-2"))
    far = datetime(9999, 12, 30, 12, tzinfo=UTC)  # asyncpg would send 9999-12-31 as infinity
    async with in_transaction() as connection:
        postgres = connection.capabilities.dialect == "postgres"
        instant, day = (far, date(9999, 12, 30)) if postgres else (far.isoformat(" "), "9999-12-30")
        marks = ("$1", "$1", "$2") if postgres else ("?", "?", "?")
        await connection.execute_query(
            "UPDATE message SET sent_at = {}, reported_at = {}, business_date = {}, ".format(*marks)
            + f"credits_e4 = {2**63 - 1} WHERE external_id = 'legacy'",
            [instant, day] if postgres else [instant, instant, day],
        )
        await changed_behind_the_ledger(connection, {"cmp-org"})
    assert (await report())["cmp-org"] == (2, 2, Decimal("922337203685478.5807"))
    with pytest.raises(AssertionError, match="at most 3660 are allowed"):
        await drilldowns()

    result = await void_messages(ORG, ["legacy"], actor="test")
    assert [(v.sent_at, v.credits_e4) for v in result.voided] == [(far, 2**63 - 1)]
    kept = await VoidedMessage.get(batch_id=result.batch_id)
    assert (kept.sent_at, kept.reported_at, kept.credits_e4) == (far, far, 2**63 - 1)
    assert (await report())["cmp-org"] == (1, 1, Decimal(1))
    assert await drilldowns() == (
        (1, 1, Decimal(1)),
        {"c-pune": (1, 1, Decimal(1))},
        {"2026-03-01": (1, 1, Decimal(1))},
    )


def test_messages_void_command(database_url: str, tmp_path: Path) -> None:
    document = tmp_path / "org.json"
    document.write_text(
        json.dumps(
            hierarchy(
                messages=[
                    message("m-1", credits="0.5"),
                    message("m-2", guest_id="g-2", credits="1000000"),
                    message("m-2", "cmp-x", "c-x", "g-1", "2026-03-01T10:00:00+00:00"),
                ]
            )
        )
    )
    assert run("import", str(document), database_url=database_url).returncode == 0

    voided = run(
        "messages", "void", "--organization", ORG, "m-2", "m-9", "--actor", "ops:ana",
        database_url=database_url,
    )  # fmt: skip
    assert voided.returncode == 0, voided.stderr
    header, row, *rest = voided.stdout.splitlines()
    assert header.split() == ["VOIDED", "CENTER", "CAMPAIGN", "SENT", "AT", "CREDITS"]
    assert row.split() == ["m-2", "c-pune", "cmp-org", "2026-03-01", "04:30:00Z", "1000000.0000"]
    assert rest[0] == "Not found: m-9"
    assert rest[1] == (
        "Voided 1 message of organization org-1 in batch 2 (1 id not found); "
        "kept in voided_message."
    )

    audit = run("audit", database_url=database_url)
    assert audit.returncode == 0, audit.stderr
    header, newest, imported = audit.stdout.splitlines()
    assert header.split() == [
        "BATCH", "RECEIVED", "AT", "ACTOR", "ORGANIZATION", "ACTION", "ROWS", "NEW", "RESTATED",
        "UNCHANGED", "REJECTED",
    ]  # fmt: skip
    assert newest.split()[3:] == ["ops:ana", ORG, "VOIDED", "2", "0", "1", "1", "0"]
    assert imported.split()[5] == "RECORDED"

    again = run("messages", "void", "--organization", ORG, "m-2", database_url=database_url)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines() == [
        "credit-report: error: No stored message of organization 'org-1' has the external id "
        "m-2; nothing was voided."
    ]
    unknown = run("messages", "void", "--organization", "org-9", "m-1", database_url=database_url)
    assert unknown.returncode != 0
    assert unknown.stderr.strip() == "credit-report: error: Unknown organization 'org-9'."

    # The other organization's m-2 and this one's m-1 are still there.
    usage = cli_numbers(database_url)
    assert usage["rows"] == 2
    assert usage["usage"]["cmp-org"].credits_consumed == Decimal("0.5")


def test_messages_void_help() -> None:
    shown = run("messages", "void", "--help", database_url="unused://")
    assert shown.returncode == 0
    for words in ("EXTERNAL_ID", "--organization", "--actor", "voided_message", "VOIDED batch"):
        assert words in " ".join(shown.stdout.split())
