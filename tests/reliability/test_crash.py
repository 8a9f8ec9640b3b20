"""Crash mid-batch: the server process is SIGKILLed while batches are in flight. After a restart
every acknowledged batch is there whole, no batch is there in part, the audit trail matches the
data, and resending what was never acknowledged completes the ledger exactly."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import httpx

from backend.db import close_database, open_database
from backend.models import IngestBatch, Message
from tests.factories import ORG
from tests.reliability.ingest import (
    MUTATION,
    QUERY_REPORT,
    SendLog,
    expected_report,
    final_states,
    histories,
    reported_numbers,
    send_batch,
)
from tests.reliability.server import Server, seed

CLIENTS = 6
BATCH_SIZE = 800
BATCHES = 12
KILL_AFTER_ACKNOWLEDGED = 3


async def stored_ids(database_url: str) -> tuple[set[str], int]:
    await open_database(database_url, run_migrations=False)
    try:
        ids = set(await Message.filter(organization_id=ORG).values_list("external_id", flat=True))
        audited = sum(await IngestBatch.all().values_list("received", flat=True))
    finally:
        await close_database()
    return {str(i) for i in ids}, audited


async def test_a_killed_server_loses_nothing_acknowledged_and_applies_no_half_batch(
    database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(7)
    secret = await seed(database_url, tmp_path)
    # One version per message, so a message present means its batch was applied.
    messages = histories(rng, BATCH_SIZE * BATCHES)
    rows = [versions[0] for versions in messages.values()]
    batches = [rows[i : i + BATCH_SIZE] for i in range(0, len(rows), BATCH_SIZE)]
    acknowledged: set[int] = set()
    cut_off: set[int] = set()  # in flight when the server died
    server = Server(database_url, tmp_path / "server.log")
    await server.start()
    killed = asyncio.Event()
    enough_acknowledged = asyncio.Event()
    headers = {"Authorization": f"Bearer {secret}"}

    async def client(indexes: list[int]) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            for index in indexes:
                if killed.is_set():
                    return
                try:
                    response = await http.post(
                        "/graphql",
                        json={"query": MUTATION, "variables": {"messages": batches[index]}},
                        headers=headers,
                    )
                except httpx.TransportError:
                    cut_off.add(index)  # the server died under this request
                    return
                body = response.json()
                assert "errors" not in body, body
                assert body["data"]["recordMessages"]["inserted"] == BATCH_SIZE
                acknowledged.add(index)
                if len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED:
                    enough_acknowledged.set()

    async def killer() -> None:
        await enough_acknowledged.wait()
        # Let the clients' next batches get under way, then pull the plug.
        await asyncio.sleep(rng.uniform(0.02, 0.15))
        killed.set()
        await server.kill()

    try:
        plan = list(range(len(batches)))
        await asyncio.gather(killer(), *(client(plan[c::CLIENTS]) for c in range(CLIENTS)))
    finally:
        await server.kill()
    assert KILL_AFTER_ACKNOWLEDGED <= len(acknowledged) < len(batches)
    assert cut_off, "no batch was in flight when the server was killed"

    present, audited = await stored_ids(database_url)
    applied = set()
    for index, batch in enumerate(batches):
        ids = {m["externalId"] for m in batch}
        inside = len(ids & present)
        assert inside in (0, len(ids)), f"batch {index} is half applied: {inside}/{len(ids)}"
        if inside:
            applied.add(index)
    assert acknowledged <= applied, "an acknowledged batch is missing"
    assert audited == len(applied) * BATCH_SIZE, "the audit trail and the data disagree"

    restarted = Server(database_url, tmp_path / "server.log", port=server.port)
    await restarted.start()
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=60) as http:
            report = await http.post("/graphql", json={"query": QUERY_REPORT}, headers=headers)
            applied_rows = {m["externalId"]: [m] for i in applied for m in batches[i]}
            assert reported_numbers(report.json()["data"]) == expected_report(
                final_states(applied_rows)
            )

            # The clients retry what was never acknowledged, which may have been applied.
            async def post(batch: list[dict[str, Any]]) -> httpx.Response:
                return await http.post(
                    "/graphql",
                    json={"query": MUTATION, "variables": {"messages": batch}},
                    headers=headers,
                )

            log = SendLog()
            for index in sorted(set(range(len(batches))) - acknowledged):
                result = await send_batch(post, batches[index], log)
                assert result["inserted"] == (0 if index in applied else BATCH_SIZE)
            report = await http.post("/graphql", json={"query": QUERY_REPORT}, headers=headers)
    finally:
        await restarted.stop()
    everything = {m["externalId"]: [m] for m in rows}
    assert reported_numbers(report.json()["data"]) == expected_report(final_states(everything))
