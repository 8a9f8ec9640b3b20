"""Sums are exact at any size (§2): rows stored before the ledger's bounds may hold credits near
the 64-bit limit, and every report path (the in-memory indexes, SQL for zones, the center index)
still adds them up exactly, with no error. Voiding such rows takes the reports back to zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tortoise.transactions import in_transaction

from backend.engine.store import usage_store
from backend.models import Campaign
from backend.principal import Principal
from backend.voiding import void_messages
from tests.factories import ORG, changed_behind_the_ledger, load_hierarchy, message, record, token
from tests.graphql_client import execute, http_client, post

# 2^62 - 1 ten-thousandths a message: two of them still fit in 64 bits, three do not.
LEGACY_CREDITS_E4 = 2**62 - 1
ONE = Decimal("461168601842738.7903")
TWO = Decimal("922337203685477.5806")
THREE = Decimal("1383505805528216.3709")
ZERO = Decimal(0)

QUERY_REPORT = """
query Report($zoneId: ID, $centerId: ID) {
  campaigns(zoneId: $zoneId, centerId: $centerId) {
    totals { creditsConsumed }
    edges { node { id creditsConsumed } }
  }
}
"""

QUERY_DRILLDOWNS = """
query Drilldowns($zoneId: ID, $centerId: ID) {
  campaign(id: "cmp-org", zoneId: $zoneId, centerId: $centerId) {
    creditsConsumed
    centerBreakdown { center { id } creditsConsumed }
    dateBreakdown { date creditsConsumed }
  }
}
"""

ORG_PRINCIPAL = Principal(ORG)


async def record_legacy_rows() -> None:
    """Three valid messages of cmp-org (two at Pune on two days, one at Mumbai), then raised to
    what a ledger without bounds may have stored."""
    await load_hierarchy()
    await record(
        message("huge-1", center_id="c-pune", guest_id="g-1"),
        message("huge-2", center_id="c-pune", guest_id="g-2", sent_at="2026-03-02T10:00:00+05:30"),
        message("huge-3", center_id="c-mumbai", guest_id="g-3"),
    )
    async with in_transaction() as connection:
        await connection.execute_query(f"UPDATE message SET credits_e4 = {LEGACY_CREDITS_E4}")
        await changed_behind_the_ledger(connection, {"cmp-org"})


def org_credits(report: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The totals and cmp-org's own credits of a `campaigns` answer."""
    campaigns = report["campaigns"]
    nodes = {edge["node"]["id"]: edge["node"] for edge in campaigns["edges"]}
    return (
        Decimal(campaigns["totals"]["creditsConsumed"]),
        Decimal(nodes["cmp-org"]["creditsConsumed"]),
    )


def drilldowns(data: dict[str, Any]) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
    found = data["campaign"]
    return (
        Decimal(found["creditsConsumed"]),
        {r["center"]["id"]: Decimal(r["creditsConsumed"]) for r in found["centerBreakdown"]},
        {r["date"]: Decimal(r["creditsConsumed"]) for r in found["dateBreakdown"]},
    )


async def versions() -> dict[str, int]:
    return {c.id: c.ledger_version for c in await Campaign.filter(organization_id=ORG)}


async def report(**scope: str) -> tuple[Decimal, Decimal]:
    return org_credits(await execute(QUERY_REPORT, scope, principal=ORG_PRINCIPAL))


async def drilldown(
    **scope: str,
) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
    return drilldowns(await execute(QUERY_DRILLDOWNS, scope, principal=ORG_PRINCIPAL))


async def test_reports_add_up_credits_beyond_64_bits_exactly(db: str) -> None:
    await record_legacy_rows()
    # Every scope is answered from the engine's arrays, whose sums outgrow 64 bits.
    assert await report() == (THREE, THREE)
    assert await report(zoneId="zone-w") == (THREE, THREE)
    assert await report(centerId="c-pune") == (TWO, TWO)
    assert await report(centerId="c-mumbai") == (ONE, ONE)
    usages = await usage_store().usages(list(await versions()))
    assert usages is not None and usages["cmp-org"].credits_before.dtype == object

    by_center = {"c-pune": TWO, "c-mumbai": ONE}
    by_date = {"2026-03-01": TWO, "2026-03-02": ONE}
    assert await drilldown() == (THREE, by_center, by_date)
    assert await drilldown(zoneId="zone-w") == (THREE, by_center, by_date)
    assert await drilldown(zoneId="zone-w") == (THREE, by_center, by_date)
    assert await drilldown(centerId="c-pune") == (
        TWO,
        {"c-pune": TWO},
        {"2026-03-01": ONE, "2026-03-02": ONE},
    )


async def test_the_http_answer_carries_the_exact_text(db: str) -> None:
    await record_legacy_rows()
    secret = await token()
    async with http_client() as client:
        answer = await post(client, QUERY_REPORT, token=secret)
        zone = await post(client, QUERY_DRILLDOWNS, {"zoneId": "zone-w"}, token=secret)
    assert answer.status_code == 200 and zone.status_code == 200
    assert "errors" not in answer.json() and "errors" not in zone.json()
    assert org_credits(answer.json()["data"]) == (THREE, THREE)
    assert drilldowns(zone.json()["data"])[0] == THREE
    # Exactly these digits: no float, no exponent, no rounding on the way out.
    totals = answer.json()["data"]["campaigns"]["totals"]["creditsConsumed"]
    assert totals.rstrip("0") == "1383505805528216.3709"


async def test_voiding_the_legacy_rows_brings_the_reports_back_to_zero(db: str) -> None:
    await record_legacy_rows()
    assert await report() == (THREE, THREE)
    await drilldown()  # the arrays hold the huge rows before the void

    result = await void_messages(ORG, ["huge-1", "huge-2", "huge-3"], actor="test")
    assert [(v.external_id, v.credits) for v in result.voided] == [
        ("huge-1", ONE),
        ("huge-2", ONE),
        ("huge-3", ONE),
    ]
    assert await report() == (ZERO, ZERO)
    assert await report(zoneId="zone-w") == (ZERO, ZERO)
    assert await report(centerId="c-pune") == (ZERO, ZERO)
    assert await drilldown() == (ZERO, {}, {})
    assert await drilldown(zoneId="zone-w") == (ZERO, {}, {})
