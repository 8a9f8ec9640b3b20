"""The demo's credit accounts: a year of grants, purchases, an expiry and an adjustment, sized
so every balance is positive and the SMS account runs out within weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from backend import demo
from backend.accounts.transactions import record_transactions
from backend.importer import apply_document
from backend.ledger import TRUSTED_IMPORT, record_messages
from backend.principal import Principal
from tests.graphql_client import execute

ACCOUNTS = """{ creditAccounts { creditSource { id } balance forecast { daysLeft }
  transactions(first: 50) { edges { node { kind } } } } }"""


async def test_the_demo_accounts_are_in_credit_and_one_runs_out_within_weeks(db: str) -> None:
    await apply_document(demo.hierarchy_document())
    now = datetime.now(UTC)
    messages = list(demo.demo_messages(6_000, end=now.date(), days=90, until=now))
    consumed = demo.CreditsConsumed(since=now - timedelta(days=demo.RECENT_DAYS))
    for start in range(0, len(messages), 5_000):
        batch = messages[start : start + 5_000]
        await record_messages(batch, scope=TRUSTED_IMPORT, actor="seed")
        consumed.add(batch)
    rows = demo.demo_credit_transactions(consumed, end=now.date(), days=90)
    await record_transactions(rows, organization_id=None, actor="seed")
    data = await execute(ACCOUNTS, principal=Principal(demo.ORGANIZATION_ID))
    accounts = {a["creditSource"]["id"]: a for a in data["creditAccounts"]}
    assert all(Decimal(a["balance"]) > 0 for a in accounts.values()), accounts
    assert 7 <= accounts["cs-sms"]["forecast"]["daysLeft"] <= 28
    assert 30 <= accounts["cs-always-on"]["forecast"]["daysLeft"] <= 60
    kinds = [e["node"]["kind"] for e in accounts["cs-always-on"]["transactions"]["edges"]]
    assert sorted(set(kinds)) == ["ADJUSTMENT", "EXPIRY", "GRANT"] and kinds.count("GRANT") == 12
    for source in ("cs-sms", "cs-whatsapp", "cs-email"):
        purchases = [e["node"]["kind"] for e in accounts[source]["transactions"]["edges"]]
        assert purchases == ["PURCHASE"] * 4
