"""Timing over HTTP: sequential latencies after a warm-up, and throughput under concurrency."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

Request = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Latency:
    samples: int
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ordered = sorted(seconds)
        return cls(
            samples=len(ordered),
            p50_ms=percentile(ordered, 50) * 1000,
            p99_ms=percentile(ordered, 99) * 1000,
            mean_ms=sum(ordered) / len(ordered) * 1000,
        )


@dataclass(frozen=True)
class Throughput:
    clients: int
    seconds: float
    requests: int
    latency: Latency

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (p99 of 100 samples is the 99th)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def graphql(url: str, token: str, query: str, variables: dict[str, Any]) -> Request:
    body = orjson.dumps({"query": query, "variables": variables})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(f"{url}/graphql", content=body, headers=headers)

    return send


def get(url: str, params: dict[str, str]) -> Request:
    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(url, params=params)

    return send


async def _timed(client: httpx.AsyncClient, request: Request) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await request(client)  # httpx reads the whole body before returning
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
    return elapsed, response


async def sequential(
    client: httpx.AsyncClient,
    request: Request,
    *,
    warmup: int,
    repeat: int,
    budget_seconds: float,
    minimum: int = 20,
) -> tuple[Latency, httpx.Response]:
    """`repeat` timed requests one after another after `warmup` untimed ones; stops early past
    `budget_seconds` once `minimum` samples are in (a slow operation on a large dataset), and
    warms up for at most a quarter of the budget."""
    response: httpx.Response | None = None
    warming = time.perf_counter()
    for done in range(warmup):
        _, response = await _timed(client, request)
        # A slow operation needs fewer rounds to warm its caches.
        if done >= 1 and time.perf_counter() - warming > budget_seconds / 4:
            break
    seconds: list[float] = []
    started = time.perf_counter()
    for _ in range(repeat):
        elapsed, response = await _timed(client, request)
        seconds.append(elapsed)
        if len(seconds) >= minimum and time.perf_counter() - started > budget_seconds:
            break
    assert response is not None
    return Latency.of(seconds), response


async def concurrent(
    client: httpx.AsyncClient, request: Request, *, clients: int, seconds: float, warmup: float
) -> Throughput:
    """`clients` loops sending back-to-back for `seconds` (after `warmup` untimed seconds)."""
    latencies: list[float] = []
    measuring = False

    async def loop(deadline: float) -> None:
        while time.perf_counter() < deadline:
            elapsed, _ = await _timed(client, request)
            if measuring:
                latencies.append(elapsed)

    await asyncio.gather(*(loop(time.perf_counter() + warmup) for _ in range(clients)))
    measuring = True
    started = time.perf_counter()
    await asyncio.gather(*(loop(started + seconds) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return Throughput(clients, elapsed, len(latencies), Latency.of(latencies))
