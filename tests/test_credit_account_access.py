"""Who reaches credit accounts (§9), how their transactions page, and what they cost: zone and
center principals get FORBIDDEN from every query and mutation, read tokens from the mutation;
cursors are sealed per account; statements are priced by their days."""

from __future__ import annotations

from typing import Any

from backend.accounts.transactions import record_transactions
from backend.models import CreditTransaction
from tests.factories import ORG, load_hierarchy, token
from tests.graphql_client import http_client, post

ACCOUNTS = "{ creditAccounts { creditSource { id } balance } }"
ACCOUNT = (
    '{ creditAccount(creditSourceId: "cs-ao") { balance forecast { daysLeft } alerts { id } } }'
)
STATEMENT = """{ creditAccount(creditSourceId: "cs-ao") {
  statement(dateRange: {start: "2026-03-01", end: "2026-03-31"}) { consumed } } }"""
TRANSACTIONS = """{ creditAccount(creditSourceId: "cs-ao") {
  transactions { totalCount edges { node { externalId } } } } }"""
RECORD = """mutation { recordCreditTransactions(transactions: [{externalId: "t-1",
  creditSourceId: "cs-ao", kind: GRANT, credits: "10", occurredAt: "2026-03-01T00:00:00Z"}]) {
  inserted } }"""
EVERY_OPERATION = [ACCOUNTS, ACCOUNT, STATEMENT, TRANSACTIONS, RECORD]


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_zone_and_center_principals_are_forbidden_everywhere(db: str) -> None:
    await load_hierarchy()
    scoped = [
        await token(zone="zone-w"),
        await token(zone="zone-w", write=True),
        await token(center="c-pune"),
        await token(center="c-pune", write=True),
    ]
    async with http_client() as client:
        for secret in scoped:
            for operation in EVERY_OPERATION:
                body = (await post(client, operation, token=secret)).json()
                assert _codes(body) == ["FORBIDDEN"], (operation, body)
                assert body["data"] in (None, {"creditAccount": None}), body
    assert await CreditTransaction.all().count() == 0


async def test_an_organization_read_token_reads_but_may_not_record(db: str) -> None:
    await load_hierarchy()
    reader = await token()
    async with http_client() as client:
        for operation in EVERY_OPERATION[:-1]:
            body = (await post(client, operation, token=reader)).json()
            assert "errors" not in body, (operation, body)
        body = (await post(client, RECORD, token=reader)).json()
        assert _codes(body) == ["FORBIDDEN"]
        assert "--write" in body["errors"][0]["message"]
        writer = await token(write=True)
        body = (await post(client, RECORD, token=writer)).json()
        assert body == {"data": {"recordCreditTransactions": {"inserted": 1}}}


async def test_another_organizations_account_does_not_exist(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        query = '{ creditAccount(creditSourceId: "cs-x") { balance } }'
        body = (await post(client, query, token=await token())).json()
        assert body == {"data": {"creditAccount": None}}
        body = (await post(client, ACCOUNTS, token=await token())).json()
        ids = [a["creditSource"]["id"] for a in body["data"]["creditAccounts"]]
        assert ids == ["cs-ao", "cs-sms"]


PAGE = """query($after: String, $source: ID!) { creditAccount(creditSourceId: $source) {
  transactions(first: 3, after: $after, dateRange: {start: "2026-03-01", end: "2026-03-31"}) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { externalId date } } } } }"""


async def test_transaction_pages_visit_each_once_newest_first(db: str) -> None:
    await load_hierarchy()
    await record_transactions(
        [
            {
                "externalId": f"t-{n:02d}",
                "creditSourceId": "cs-ao",
                "kind": "GRANT",
                "credits": "1",
                # Two a day, from 28 February to 5 March.
                "occurredAt": f"2026-03-{1 + n // 2:02d}T0{n % 2}:00:00+05:30",
            }
            for n in range(10)
        ]
        + [
            {
                "externalId": "t-feb",
                "creditSourceId": "cs-ao",
                "kind": "GRANT",
                "credits": "1",
                "occurredAt": "2026-02-28T12:00:00+05:30",
            }
        ],
        organization_id=ORG,
        actor="test",
    )
    reader = await token()
    seen: list[str] = []
    after = None
    async with http_client() as client:
        while True:
            variables = {"after": after, "source": "cs-ao"}
            body = (await post(client, PAGE, variables, token=reader)).json()
            page = body["data"]["creditAccount"]["transactions"]
            assert page["totalCount"] == 10
            seen += [e["node"]["externalId"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == [f"t-{n:02d}" for n in reversed(range(10))]
        # A cursor of one account is refused for another, and an altered one too.
        for source, cursor in (("cs-sms", after), ("cs-ao", after[:-2] + "AA")):
            variables = {"after": cursor, "source": source}
            body = (await post(client, PAGE, variables, token=reader)).json()
            assert _codes(body) == ["INVALID_CURSOR"], body


async def test_long_statements_are_priced_by_their_days(db: str) -> None:
    await load_hierarchy()
    ten_years = '{start: "2016-01-01", end: "2025-12-31"}'
    statements = " ".join(
        f'a{n}: creditAccount(creditSourceId: "cs-ao") {{ statement(dateRange: {ten_years}) '
        "{ days { date } } }"
        for n in range(20)
    )
    async with http_client() as client:
        body = (await post(client, f"{{ {statements} }}", token=await token())).json()
        assert _codes(body) == ["QUERY_TOO_COSTLY"], body
        query = (
            '{ creditAccount(creditSourceId: "cs-ao") { transactions(first: 201) { totalCount } } }'
        )
        body = (await post(client, query, token=await token())).json()
        assert _codes(body) == ["PAGE_SIZE_TOO_LARGE"], body
