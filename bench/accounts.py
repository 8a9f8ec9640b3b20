"""Credit accounts on a loaded preset: balances, a year's statement, and transactions beside
message ingest.

    .venv/bin/python -m bench.accounts --preset small --database-url postgres://…/bench_small

1. makes the preset's organization hold 12 accounts (its 4 credit sources and 8 more) and
   records 5,000 credit transactions on each through `recordCreditTransactions` (batches of
   1,000; idempotent, so a second run records nothing new);
2. times through HTTP, after a warm-up: the balances of every account (with forecasts), and
   one account's statement for the year up to the dataset's end with its days;
3. times message ingest (batches of 10,000 through `recordMessages`) alone and while another
   client records credit transactions, to show whether one slows the other.

Results go to stdout and to docs/benchmarks.md (a section per preset and database).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

import httpx
import orjson

from bench import ops
from bench.dataset import Dataset
from bench.dburl import DatabaseUrl, message_count
from bench.presets import PRESETS, Preset
from bench.results import replace_section
from bench.run import machine
from bench.servers import ROOT, create_token, product_server
from bench.timing import graphql, sequential

ACCOUNTS = 12
TRANSACTIONS_PER_ACCOUNT = 5_000
TRANSACTION_BATCH = 1_000
MESSAGE_BATCH = 10_000

QUERY_BALANCES = """
query Balances {
  creditAccounts {
    creditSource { id name }
    balance
    forecast { dailyBurn daysLeft runsOutOn runsOutEarliest runsOutLatest }
  }
}
"""
QUERY_STATEMENT = """
query Statement($id: ID!, $range: DateRange!) {
  creditAccount(creditSourceId: $id) {
    statement(dateRange: $range) {
      start end openingBalance purchased granted adjusted expired consumed closingBalance
      consumedByChannel { channel credits }
      consumedByCampaign { campaign { id } credits }
      days { date opening credited consumed closing }
    }
  }
}
"""
MUTATION_TRANSACTIONS = """
mutation Record($transactions: [CreditTransactionInput!]!) {
  recordCreditTransactions(transactions: $transactions) { received inserted updated unchanged }
}
"""
EXTRA_SOURCES = [(f"cs-pool-{n:02}", f"Regional pool {n:02}") for n in range(1, 9)]


def _log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def _transactions(
    preset: Preset,
    source_ids: list[str],
    tag: str,
    per_account: int,
    reported_at: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Per account: a monthly grant, purchases, adjustments and the odd expiry, spread over
    the preset's days (positive balances dominate, as on a real account)."""
    for source in source_ids:
        for n in range(per_account):
            day = preset.start + timedelta(days=n * preset.days // per_account)
            at = datetime.combine(day, clock(9, n % 60), tzinfo=UTC)
            kind, credits = (
                ("GRANT", "5000")
                if n % 400 == 0
                else ("EXPIRY", "-250.5")
                if n % 997 == 0
                else ("ADJUSTMENT", "-1.25" if n % 2 else "3.5")
                if n % 10 == 0
                else ("PURCHASE", f"{100 + n % 900}.{n % 10000:04d}")
            )
            yield {
                "externalId": f"t-{tag}-{source}-{n:05d}",
                "creditSourceId": source,
                "kind": kind,
                "credits": credits,
                "occurredAt": at.isoformat(),
                "note": "bench",
                **({"reportedAt": reported_at.isoformat()} if reported_at else {}),
            }


async def _post(client: httpx.AsyncClient, url: str, token: str, body: dict[str, Any]) -> None:
    response = await client.post(
        f"{url}/graphql",
        content=orjson.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    if response.status_code != 200 or b'"errors"' in response.content:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")


async def _record_transactions(
    client: httpx.AsyncClient, url: str, token: str, rows: list[dict[str, Any]]
) -> float:
    started = time.perf_counter()
    for i in range(0, len(rows), TRANSACTION_BATCH):
        body = {
            "query": MUTATION_TRANSACTIONS,
            "variables": {"transactions": rows[i : i + TRANSACTION_BATCH]},
        }
        await _post(client, url, token, body)
    return time.perf_counter() - started


async def _ingest(
    client: httpx.AsyncClient, url: str, token: str, messages: list[dict[str, Any]]
) -> float:
    started = time.perf_counter()
    for i in range(0, len(messages), MESSAGE_BATCH):
        body = {
            "query": ops.MUTATION_RECORD_MESSAGES,
            "variables": {"messages": messages[i : i + MESSAGE_BATCH]},
        }
        await _post(client, url, token, body)
    return time.perf_counter() - started


async def main(arguments: argparse.Namespace) -> None:
    from backend.db import close_database, open_database
    from backend.importer import apply_document

    preset = PRESETS[arguments.preset]
    db = DatabaseUrl(arguments.database_url)
    if await message_count(db, preset.organization_id) < preset.messages:
        raise SystemExit(f"load the preset first: python -m bench.generate --preset {preset.name}")
    org = preset.organization_id
    dataset = Dataset(preset)
    await open_database(db.url)
    try:
        await apply_document(
            {
                "creditSources": [
                    {"id": i, "organizationId": org, "name": n} for i, n in EXTRA_SOURCES
                ]
            }
        )
    finally:
        await close_database()
    document = dataset.hierarchy_document()
    sources = [s["id"] for s in document["creditSources"]] + [i for i, _ in EXTRA_SOURCES]
    assert len(sources) == ACCOUNTS
    tokens = {"org": create_token(db.url, org), "write": create_token(db.url, org, "--write")}
    results = ROOT / "bench" / "results"
    end = preset.end
    year = {"start": (end - timedelta(days=364)).isoformat(), "end": end.isoformat()}
    async with httpx.AsyncClient(timeout=600) as client:
        with product_server(db.url, results / f"accounts-{preset.name}-{db.dialect}.log") as server:
            per_account = arguments.transactions
            rows = list(_transactions(preset, sources, "bench", per_account))
            _log(f"recording {len(rows):,} credit transactions on {ACCOUNTS} accounts")
            seconds = await _record_transactions(client, server.url, tokens["write"], rows)
            _log(f"{len(rows) / seconds:,.0f} transactions/s (a replay records nothing new)")
            balances, _ = await sequential(
                client,
                graphql(server.url, tokens["org"], QUERY_BALANCES, {}),
                warmup=3,
                repeat=arguments.repeat,
                budget_seconds=30,
            )
            _log(f"balances: p50 {balances.p50_ms:.1f} ms, p99 {balances.p99_ms:.1f} ms")
            statement, _ = await sequential(
                client,
                graphql(
                    server.url,
                    tokens["org"],
                    QUERY_STATEMENT,
                    {"id": "cs-always-on", "range": year},
                ),
                warmup=3,
                repeat=arguments.repeat,
                budget_seconds=30,
            )
            _log(f"statement: p50 {statement.p50_ms:.1f} ms, p99 {statement.p99_ms:.1f} ms")
            tag = f"{time.time_ns():x}"
            alone = list(dataset.fresh_messages(arguments.messages, f"acc-a-{tag}"))
            beside = list(dataset.fresh_messages(arguments.messages, f"acc-b-{tag}"))
            alone_rate = len(alone) / await _ingest(client, server.url, tokens["write"], alone)
            # Restatements of the recorded transactions (a newer reportedAt): as much writing,
            # and the accounts keep their size from run to run.
            more = list(_transactions(preset, sources, "bench", per_account, datetime.now(UTC)))
            ingest_task = asyncio.create_task(_ingest(client, server.url, tokens["write"], beside))
            transactions_task = asyncio.create_task(
                _record_transactions(client, server.url, tokens["write"], more)
            )
            beside_seconds = await ingest_task
            await transactions_task
            beside_rate = len(beside) / beside_seconds
            _log(f"message ingest: {alone_rate:,.0f}/s alone, {beside_rate:,.0f}/s beside")
    section = "\n".join(
        [
            f"### Accounts, `{preset.name}` on {db.dialect}",
            "",
            f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}, {machine()}; {ACCOUNTS} accounts with "
            f"{per_account:,} transactions each; `.venv/bin/python -m bench.accounts "
            f"--preset {preset.name}`. Load average at the end: {os.getloadavg()[0]:.1f}.",
            "",
            "| request | p50 ms | p99 ms | target |",
            "| --- | ---: | ---: | --- |",
            f"| balances of every account, with forecasts | {balances.p50_ms:.1f} | "
            f"{balances.p99_ms:.1f} | p50 ≤ 50 ms: "
            f"{'met' if balances.p50_ms <= 50 else 'not met'} |",
            f"| one-year statement with its days | {statement.p50_ms:.1f} | "
            f"{statement.p99_ms:.1f} | p50 ≤ 50 ms: "
            f"{'met' if statement.p50_ms <= 50 else 'not met'} |",
            "",
            f"- Recording transactions: {len(rows) / seconds:,.0f} a second "
            f"(batches of {TRANSACTION_BATCH:,}).",
            f"- Message ingest (batches of {MESSAGE_BATCH:,}, one at a time): "
            f"{alone_rate:,.0f} messages/s alone, {beside_rate:,.0f} messages/s while another "
            "client records credit transactions.",
            "",
        ]
    )
    print(section)
    if not arguments.no_docs:
        replace_section(f"accounts:{preset.name}-{db.dialect}", section)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--transactions", type=int, default=TRANSACTIONS_PER_ACCOUNT, help="per account"
    )
    parser.add_argument(
        "--messages", type=int, default=50_000, help="messages ingested alone, then beside"
    )
    parser.add_argument("--no-docs", action="store_true")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
