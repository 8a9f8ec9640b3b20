"""Shared by the reliability tests: generated message histories, the oracle that says what the
ledger must hold afterwards, and a client that sends batches with retries."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

MUTATION = """
mutation Record($messages: [MessageInput!]!) {
  recordMessages(messages: $messages) { received inserted updated unchanged }
}
"""

QUERY_REPORT = """
query Report {
  campaigns(first: 50) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    edges { node { id targetedGuests processed creditsConsumed } }
  }
}
"""

# campaign -> centers it reaches in tests.factories.hierarchy()
REACH = {
    "cmp-org": ["c-pune", "c-mumbai", "c-nyc", "c-goa"],
    "cmp-west": ["c-pune", "c-mumbai"],
    "cmp-nyc": ["c-nyc"],
}
OUTCOMES = ("PROCESSED", "FAILED", "SKIPPED")
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
RETRYABLE_CODES = {"UNAVAILABLE", "CONCURRENT_UPDATE"}


def histories(rng: random.Random, count: int, prefix: str = "m") -> dict[str, list[dict[str, Any]]]:
    """`count` messages, each with one to three versions of increasing `reportedAt` (a late
    failure report, a refund): same who, where and when; new outcome and credits."""
    result: dict[str, list[dict[str, Any]]] = {}
    for i in range(count):
        campaign = rng.choice(sorted(REACH))
        sent_at = START + timedelta(minutes=rng.randrange(60 * 24 * 20))
        base = {
            "externalId": f"{prefix}-{i}",
            "campaignId": campaign,
            "centerId": rng.choice(REACH[campaign]),
            "guestId": f"g-{rng.randrange(60)}",
            "sentAt": sent_at.isoformat(),
        }
        versions = []
        for v in range(rng.randint(1, 3)):
            versions.append(
                {
                    **base,
                    "outcome": rng.choice(OUTCOMES),
                    "credits": str(Decimal(rng.randrange(0, 40000)) / 10000),
                    "reportedAt": (sent_at + timedelta(hours=v)).isoformat(),
                }
            )
        result[base["externalId"]] = versions
    return result


def final_states(messages: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The oracle: what the ledger holds once every version has arrived, in any order."""
    return {
        external_id: max(versions, key=lambda v: datetime.fromisoformat(v["reportedAt"]))
        for external_id, versions in messages.items()
    }


@dataclass(frozen=True)
class Numbers:
    targeted_guests: int
    processed: int
    credits: Decimal


def expected_report(final: dict[str, dict[str, Any]]) -> dict[str | None, Numbers]:
    """Per campaign id, and the totals under the key None."""
    groups: dict[str | None, list[dict[str, Any]]] = {None: list(final.values())}
    for state in final.values():
        groups.setdefault(state["campaignId"], []).append(state)
    return {
        key: Numbers(
            len({s["guestId"] for s in rows}),
            sum(s["outcome"] == "PROCESSED" for s in rows),
            sum((Decimal(s["credits"]) for s in rows), Decimal(0)),
        )
        for key, rows in groups.items()
    }


def reported_numbers(data: dict[str, Any]) -> dict[str | None, Numbers]:
    def numbers(row: dict[str, Any]) -> Numbers:
        return Numbers(row["targetedGuests"], row["processed"], Decimal(row["creditsConsumed"]))

    report = data["campaigns"]
    result: dict[str | None, Numbers] = {None: numbers(report["totals"])}
    for edge in report["edges"]:
        if edge["node"]["processed"] or edge["node"]["targetedGuests"]:
            result[edge["node"]["id"]] = numbers(edge["node"])
    return result


def deliveries(
    rng: random.Random, messages: dict[str, list[dict[str, Any]]], clients: int, overlap: float
) -> list[list[list[dict[str, Any]]]]:
    """For each client, shuffled batches: every version goes to one client at least, and
    each client also gets a share of everything (overlapping, out of order)."""
    per_client: list[list[dict[str, Any]]] = [[] for _ in range(clients)]
    for versions in messages.values():
        for version in versions:
            owners = {rng.randrange(clients)} | {
                c for c in range(clients) if rng.random() < overlap
            }
            for c in owners:
                per_client[c].append(version)
    plans = []
    for rows in per_client:
        rng.shuffle(rows)
        batches = []
        while rows:
            size = rng.randint(1, 60)
            batches.append(rows[:size])
            rows = rows[size:]
        plans.append(batches)
    return plans


@dataclass
class SendLog:
    acknowledged: int = 0
    retries: int = 0
    duplicates: int = 0


async def send_batch(
    post: Callable[[list[dict[str, Any]]], Awaitable[httpx.Response]],
    batch: list[dict[str, Any]],
    log: SendLog,
    *,
    attempts: int = 20,
) -> dict[str, Any]:
    """Send until acknowledged, retrying what a client should retry (503 / UNAVAILABLE /
    connection errors); anything else fails the test."""
    for attempt in range(attempts):
        try:
            response = await post(batch)
        except httpx.TransportError:
            log.retries += 1
            await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
            continue
        body = response.json()
        errors = body.get("errors") or []
        codes = {e.get("extensions", {}).get("code") for e in errors}
        if response.status_code == 503 or codes & RETRYABLE_CODES:
            log.retries += 1
            await asyncio.sleep(min(0.05 * 2**attempt, 1.0))
            continue
        assert response.status_code == 200 and not errors, (response.status_code, body)
        log.acknowledged += 1
        result: dict[str, Any] = body["data"]["recordMessages"]
        return result
    raise AssertionError(f"batch not acknowledged after {attempts} attempts")
