"""A loopback load run: report pages, both drilldowns and ingest together, against a real
`credit-report serve` process. `tests/reliability/test_load.py` runs it briefly in CI (zero
errors); `python -m tests.reliability.loadtest` runs it for a minute and writes the figures."""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.reliability.server import CLI, START_TIMEOUT, Server

DEMO_ORGANIZATION = "org-serenity"
QUERY_REPORT = """
query Report($dateRange: DateRange, $orderBy: CampaignOrder) {
  campaigns(dateRange: $dateRange, orderBy: $orderBy, first: 25) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    edges { node { id name channel status targetedGuests processed creditsConsumed } }
  }
}
"""
QUERY_CENTERS = """
query Centers($id: ID!, $dateRange: DateRange) {
  campaign(id: $id, dateRange: $dateRange) {
    centerBreakdown { center { id name } targetedGuests processed creditsConsumed }
  }
}
"""
QUERY_DATES = """
query Dates($id: ID!, $dateRange: DateRange) {
  campaign(id: $id, dateRange: $dateRange) {
    dateBreakdown { date targetedGuests processed creditsConsumed }
  }
}
"""
QUERY_REACH = """
{ campaigns(first: 200) { edges { node { id centerBreakdown { center { id } } } } } }
"""
MUTATION = """
mutation Record($messages: [MessageInput!]!) { recordMessages(messages: $messages) { inserted } }
"""
OPERATIONS = ("report", "centers", "dates", "ingest")
INGEST_BATCH = 100


@dataclass
class LoadResult:
    seconds: float
    workers: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    messages_ingested: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def summary(self) -> dict[str, dict[str, float]]:
        """Per operation and overall: count, requests per second, p50 and p99 in ms."""
        rows = {op: self.latencies.get(op, []) for op in OPERATIONS}
        rows["all"] = [x for v in rows.values() for x in v]
        return {op: _stats(values, self.seconds) for op, values in rows.items()}


def _stats(values: list[float], seconds: float) -> dict[str, float]:
    if not values:
        return {"count": 0, "per_second": 0.0, "p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []
    p50 = statistics.median(ordered)
    p99 = cuts[98] if cuts else ordered[0]
    return {
        "count": len(values),
        "per_second": len(values) / seconds,
        "p50_ms": p50 * 1000,
        "p99_ms": p99 * 1000,
    }


async def seed_demo(database_url: str, messages: int, days: int) -> str:
    """The demo organization with `messages` messages, and a write token for it."""
    for command in (
        ["seed", "--demo", "--messages", str(messages), "--days", str(days)],
        ["token", "create", "--organization", DEMO_ORGANIZATION, "--write", "--label", "load"],
    ):
        process = await asyncio.create_subprocess_exec(
            *CLI, *command, "--database-url", database_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT * 4)
        assert process.returncode == 0, err.decode()
    return out.decode().splitlines()[-1]


async def run_load(
    base_url: str, secret: str, *, seconds: float, workers: int = 8, seed: int = 1
) -> LoadResult:
    """Each worker loops over a mix of 40% report pages, 25% center and 25% date drilldowns
    and 10% ingest batches of new messages, until `seconds` have passed."""
    rng = random.Random(seed)
    result = LoadResult(seconds=seconds, workers=workers)
    headers = {"Authorization": f"Bearer {secret}"}
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=30, limits=limits
    ) as http:
        reach_body = (await http.post("/graphql", json={"query": QUERY_REACH})).json()
        assert reach_body.get("data"), reach_body
        reach = [
            (edge["node"]["id"], row["center"]["id"])
            for edge in reach_body["data"]["campaigns"]["edges"]
            for row in edge["node"]["centerBreakdown"]
        ]
        assert reach, reach_body
        campaign_ids = sorted({campaign for campaign, _ in reach})
        today = datetime.now(UTC).date()
        serial = itertools.count()

        def window() -> dict[str, str]:
            days = rng.choice([7, 30, 90])
            return {"start": (today - timedelta(days=days)).isoformat(), "end": today.isoformat()}

        def batch() -> list[dict[str, Any]]:
            now = datetime.now(UTC)
            rows = []
            for _ in range(INGEST_BATCH):
                campaign, center = rng.choice(reach)
                rows.append(
                    {
                        "externalId": f"load-{seed}-{next(serial)}",
                        "campaignId": campaign,
                        "centerId": center,
                        "guestId": f"load-guest-{rng.randrange(5000)}",
                        "sentAt": (now - timedelta(minutes=rng.randrange(60 * 24 * 7))).isoformat(),
                        "outcome": rng.choice(["PROCESSED", "PROCESSED", "FAILED", "SKIPPED"]),
                        "credits": rng.choice(["0", "0.5", "1", "2.25"]),
                    }
                )
            return rows

        def operation() -> tuple[str, str, dict[str, Any]]:
            pick = rng.random()
            if pick < 0.4:
                order = {"field": rng.choice(["CREDITS_CONSUMED", "NAME", "TARGETED_GUESTS"]),
                         "direction": rng.choice(["ASC", "DESC"])}  # fmt: skip
                return "report", QUERY_REPORT, {"dateRange": window(), "orderBy": order}
            if pick < 0.65:
                return (
                    "centers",
                    QUERY_CENTERS,
                    {"id": rng.choice(campaign_ids), "dateRange": window()},
                )
            if pick < 0.9:
                return "dates", QUERY_DATES, {"id": rng.choice(campaign_ids), "dateRange": window()}
            return "ingest", MUTATION, {"messages": batch()}

        deadline = time.monotonic() + seconds

        async def worker() -> None:
            while time.monotonic() < deadline:
                name, query, variables = operation()
                started = time.perf_counter()
                try:
                    response = await http.post(
                        "/graphql", json={"query": query, "variables": variables}
                    )
                except httpx.TransportError as error:
                    result.errors.append(f"{name}: {error!r}")
                    continue
                elapsed = time.perf_counter() - started
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    result.errors.append(f"{name}: {response.status_code} {body}"[:500])
                    continue
                result.latencies.setdefault(name, []).append(elapsed)
                if name == "ingest":
                    result.messages_ingested += body["data"]["recordMessages"]["inserted"]

        await asyncio.gather(*(worker() for _ in range(workers)))
    return result


async def load_server(
    database_url: str, log: Path, *, messages: int, days: int, seconds: float, workers: int
) -> LoadResult:
    secret = await seed_demo(database_url, messages, days)
    server = Server(database_url, log)
    await server.start()
    try:
        return await run_load(server.url, secret, seconds=seconds, workers=workers)
    finally:
        await server.stop()
