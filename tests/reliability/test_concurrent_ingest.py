"""Concurrent ingest: eight clients send overlapping, shuffled batches at the same time, with
retries, duplicate deliveries and restatements (newer `reportedAt`); the ledger, the report and
the audit trail must end exactly where the oracle says."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from backend.ledger import credits_to_e4
from backend.models import ApiToken, IngestBatch, Message
from tests.factories import load_hierarchy, token
from tests.graphql_client import http_client, post
from tests.reliability.ingest import (
    MUTATION,
    QUERY_REPORT,
    SendLog,
    deliveries,
    expected_report,
    final_states,
    histories,
    reported_numbers,
    send_batch,
)

CLIENTS = 8
MESSAGES = 400
DUPLICATE_DELIVERY = 0.25  # an acknowledged batch sent again, as after a lost response


async def test_eight_concurrent_clients_converge_on_the_oracle(db: str) -> None:
    rng = random.Random(20261124)
    await load_hierarchy()
    messages = histories(rng, MESSAGES)
    plans = deliveries(rng, messages, CLIENTS, overlap=0.3)
    secrets = [await token(write=True) for _ in range(CLIENTS)]
    logs = [SendLog() for _ in range(CLIENTS)]

    async with http_client() as client:

        async def run_client(index: int) -> None:
            async def send(batch: list[dict[str, Any]]) -> httpx.Response:
                return await post(client, MUTATION, {"messages": batch}, token=secrets[index])

            for batch in plans[index]:
                await send_batch(send, batch, logs[index])
                if rng.random() < DUPLICATE_DELIVERY:
                    logs[index].duplicates += 1
                    again = await send_batch(send, batch, logs[index])
                    assert again["inserted"] == 0

        await asyncio.gather(*(run_client(i) for i in range(CLIENTS)))
        report = await post(client, QUERY_REPORT, token=await token())

    final = final_states(messages)
    stored = {
        row["external_id"]: row
        for row in await Message.all().values("external_id", "outcome", "credits_e4", "reported_at")
    }
    assert set(stored) == set(final)
    for external_id, state in final.items():
        row = stored[external_id]
        assert row["outcome"] == state["outcome"], external_id
        assert row["credits_e4"] == credits_to_e4(state["credits"]), external_id
        assert row["reported_at"] == datetime.fromisoformat(state["reportedAt"]), external_id

    body = report.json()
    assert "errors" not in body, body
    assert reported_numbers(body["data"]) == expected_report(final)
    assert expected_report(final)[None].credits > Decimal(0)

    # The audit trail: one row per acknowledged batch, each message inserted exactly once.
    batches = await IngestBatch.all().values("actor", "received", "inserted")
    assert len(batches) == sum(log.acknowledged for log in logs)
    assert sum(b["inserted"] for b in batches) == MESSAGES
    token_ids = {t.id for t in await ApiToken.filter(can_write=True)}
    assert {b["actor"] for b in batches} == {f"token:{i}" for i in token_ids}
    assert sum(log.duplicates for log in logs) > 0
