"""Reads while messages stream in, on two app servers, and a cold start.

    .venv/bin/python -m bench.mixed --preset small --database-url postgres://…/bench_small

On a loaded preset (bench/generate.py), with real `credit-report serve` processes:

1. two servers, A and B, on the same database; 10 clients read, spread over both, the
   organization report page, the busiest center's report page, and the busiest campaign's
   center and date drilldowns (last 90 days) for `--seconds`: the quiet figures;
   (each read is reported per server: A also takes the writes);
2. the same reads while a writer records batches of 1,000 new messages of the busiest
   campaigns, dated on the dataset's last four days, through server A at a fixed rate
   (`--rate`, 2,000 messages/s by default): each read's p50/p99 under ingest and its ratio
   to the quiet figures of the same run;
3. higher rates in steps (`--ramp`), each for `--seconds`: the highest rate the writer
   sustains while every read keeps p99 <= 500 ms;
4. a third server started on the ledger as it now is: the time from its process start to its
   first organization page, and to three pages in a row within 1.5x the quiet p50;
5. each server's peak resident memory.

Results go to stdout and to docs/benchmarks.md (a section per preset and database).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import ops
from bench.dataset import Dataset
from bench.dburl import DatabaseUrl, message_count
from bench.presets import PRESETS
from bench.results import replace_section
from bench.run import machine
from bench.servers import CLI, ROOT, RssSampler, create_token, free_port, product_server
from bench.timing import Latency, Request, graphql

WINDOW_DAYS = 90
CLIENTS = 10
BATCH = 1_000
WRITERS = 4  # batches in flight at most
READ_P99_LIMIT_MS = 500.0


@dataclass
class Phase:
    name: str
    target_rate: float  # messages/s asked for (0: quiet)
    seconds: float
    reads: dict[str, list[float]] = field(default_factory=dict)
    recorded: int = 0
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.recorded / self.seconds

    def latency(self, key: str) -> Latency:
        return Latency.of(self.reads[key])

    def worst_p99(self) -> float:
        return max(self.latency(key).p99_ms for key in self.reads)


def _log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


async def _reader(
    client: httpx.AsyncClient, requests: list[tuple[str, Request]], phase: Phase, deadline: float
) -> None:
    for key, request in itertools.cycle(requests):
        if time.perf_counter() >= deadline:
            return
        started = time.perf_counter()
        response = await request(client)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or b'"errors"' in response.content:
            phase.errors += 1
            continue
        phase.reads.setdefault(key, []).append(elapsed)


async def _writer(
    client: httpx.AsyncClient,
    url: str,
    token: str,
    stream: Iterator[dict[str, Any]],
    phase: Phase,
    deadline: float,
) -> None:
    """Batches of BATCH at the phase's rate, at most WRITERS in flight."""
    if phase.target_rate <= 0:
        return
    interval = BATCH / phase.target_rate
    in_flight = asyncio.Semaphore(WRITERS)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def send(batch: list[dict[str, Any]]) -> None:
        try:
            body = orjson.dumps(
                {"query": ops.MUTATION_RECORD_MESSAGES, "variables": {"messages": batch}}
            )
            response = await client.post(f"{url}/graphql", content=body, headers=headers)
            if response.status_code == 200 and b'"errors"' not in response.content:
                phase.recorded += len(batch)
            else:
                phase.errors += 1
                _log(f"ingest error: {response.text[:200]}")
        finally:
            in_flight.release()

    tasks = []
    next_at = time.perf_counter()
    while time.perf_counter() < deadline:
        await in_flight.acquire()
        batch = list(itertools.islice(stream, BATCH))
        tasks.append(asyncio.create_task(send(batch)))
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.gather(*tasks)


async def _phase(
    client: httpx.AsyncClient,
    requests: list[tuple[str, Request]],
    write: tuple[str, str, Iterator[dict[str, Any]]],
    name: str,
    rate: float,
    seconds: float,
) -> Phase:
    phase = Phase(name, rate, seconds)
    deadline = time.perf_counter() + seconds
    url, token, stream = write
    started = time.perf_counter()
    await asyncio.gather(
        _writer(client, url, token, stream, phase, deadline),
        *(_reader(client, requests[i:] + requests[:i], phase, deadline) for i in range(CLIENTS)),
    )
    phase.seconds = time.perf_counter() - started
    _log(
        f"{name}: {phase.rate:,.0f} messages/s recorded, worst read p99 "
        f"{phase.worst_p99():.1f} ms, {phase.errors} errors"
    )
    return phase


async def _cold_start(
    client: httpx.AsyncClient,
    database_url: str,
    token: str,
    page: ops.Operation,
    quiet_p50_ms: float,
    log: Path,
) -> tuple[float, float, int]:
    """Seconds from process start to the first organization page, to three pages in a row
    within 1.5x the quiet p50; and the server's peak resident memory."""
    port = free_port()
    command = [CLI, "serve", "--database-url", database_url, "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    sampler = RssSampler(process.pid)
    sampler.start()
    try:
        request = graphql(url, token, page.query, page.variables)
        first_page = steady = 0.0
        in_a_row = 0
        while time.perf_counter() - started < 600:
            try:
                sent = time.perf_counter()
                response = await request(client)
                elapsed = time.perf_counter() - sent
            except httpx.TransportError:
                await asyncio.sleep(0.02)
                continue
            if response.status_code != 200:
                await asyncio.sleep(0.02)
                continue
            if not first_page:
                first_page = time.perf_counter() - started
            in_a_row = in_a_row + 1 if elapsed * 1000 <= 1.5 * quiet_p50_ms else 0
            if in_a_row == 3:
                steady = time.perf_counter() - started
                break
        return first_page, steady, sampler.max_bytes
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
        sampler.stop()


def _render(
    preset: str,
    dialect: str,
    stored: int,
    quiet: Phase,
    loaded: Phase,
    ramp: list[Phase],
    cold: tuple[float, float, int],
    memory: dict[str, int],
    command: str,
) -> str:
    keys = sorted(quiet.reads)
    lines = [
        f"### `{preset}` on {dialect}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}, {machine()}; {stored:,} messages stored at "
        f"the start; `{command}`. {CLIENTS} clients read through two servers; the writer "
        f"records batches of {BATCH:,} through the first. Load average at the end: "
        f"{os.getloadavg()[0]:.1f} (2 CPUs; other work on the machine shows here).",
        "",
        "| read | quiet p50 | quiet p99 | under ingest p50 | p99 | p50 ratio | p99 ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in keys:
        q, u = quiet.latency(key), loaded.latency(key)
        lines.append(
            f"| {key} | {q.p50_ms:.1f} | {q.p99_ms:.1f} | {u.p50_ms:.1f} | {u.p99_ms:.1f} | "
            f"{u.p50_ms / q.p50_ms:.2f}x | {u.p99_ms / q.p99_ms:.2f}x |"
        )
    lines += [
        "",
        f"- Ingest asked: {loaded.target_rate:,.0f} messages/s; recorded: {loaded.rate:,.0f} "
        f"messages/s; errors: quiet {quiet.errors}, under ingest {loaded.errors}.",
        "- Ramp (rate asked → recorded, worst read p99): "
        + "; ".join(
            f"{p.target_rate:,.0f} → {p.rate:,.0f} msg/s, {p.worst_p99():.0f} ms" for p in ramp
        )
        + ".",
    ]
    sustained = [
        p.rate
        for p in [loaded, *ramp]
        if p.rate >= 0.95 * p.target_rate and p.worst_p99() <= READ_P99_LIMIT_MS
    ]
    lines.append(
        f"- Highest ingest sustained with every read's p99 ≤ {READ_P99_LIMIT_MS:.0f} ms: "
        + (f"**{max(sustained):,.0f} messages/s**." if sustained else "none of the rates tried.")
    )
    lines.append(
        f"- Cold start of a third server: first organization page after **{cold[0]:.2f} s**, "
        f"three in a row within 1.5x the quiet p50 after **{cold[1]:.2f} s**; its peak "
        f"resident memory {cold[2] / 2**20:.0f} MB."
    )
    lines.append(
        "- Peak resident memory: "
        + ", ".join(f"{name} {value / 2**20:.0f} MB" for name, value in memory.items())
        + "."
    )
    return "\n".join(lines) + "\n"


async def main(arguments: argparse.Namespace) -> None:
    preset = PRESETS[arguments.preset]
    db = DatabaseUrl(arguments.database_url)
    stored = await message_count(db, preset.organization_id)
    if stored < preset.messages:
        raise SystemExit(f"load the preset first: python -m bench.generate --preset {preset.name}")
    dataset = Dataset(preset)
    org = preset.organization_id
    end = preset.end
    start = end - timedelta(days=WINDOW_DAYS - 1)
    center = max(dataset.centers, key=lambda c: c.guests).id
    tokens = {
        "org": create_token(db.url, org),
        "center": create_token(db.url, org, "--center", center),
        "write": create_token(db.url, org, "--write"),
    }
    results = ROOT / "bench" / "results"
    limits = httpx.Limits(max_connections=CLIENTS * 4, max_keepalive_connections=CLIENTS * 4)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        with (
            product_server(db.url, results / f"mixed-a-{preset.name}-{db.dialect}.log") as a,
            product_server(db.url, results / f"mixed-b-{preset.name}-{db.dialect}.log") as b,
        ):
            page = ops.report_page("org", "", "org", org, None, start, end)
            first = await graphql(a.url, tokens["org"], page.query, page.variables)(client)
            busiest = first.json()["data"]["campaigns"]["edges"][0]["node"]["id"]
            operations = {
                "organization page": page,
                "center page": ops.report_page("center", "", "center", org, center, start, end),
                "center drilldown": ops.drilldown("x-centers", "", org, busiest, start, end),
                "date drilldown": ops.drilldown("x-dates", "", org, busiest, start, end),
            }
            requests = [
                (f"{key}, {name}", graphql(server.url, tokens[op.token], op.query, op.variables))
                for name, server in (("A", a), ("B", b))
                for key, op in operations.items()
            ]
            write = (a.url, tokens["write"], dataset.live_messages(f"{time.time_ns():x}"))
            _log(f"servers {a.url} and {b.url}; busiest campaign {busiest}")
            await _phase(client, requests, write, "warm-up", 0, 5)
            quiet = await _phase(client, requests, write, "quiet", 0, arguments.seconds)
            loaded = await _phase(
                client, requests, write, "under ingest", arguments.rate, arguments.seconds
            )
            ramp = [
                await _phase(client, requests, write, f"ramp {rate:,}", rate, arguments.seconds)
                for rate in arguments.ramp
            ]
            memory = {"server A": a.max_rss, "server B": b.max_rss}
        cold = await _cold_start(
            client,
            db.url,
            tokens["org"],
            page,
            quiet.latency("organization page, B").p50_ms,
            results / f"mixed-cold-{preset.name}-{db.dialect}.log",
        )
    command = f".venv/bin/python -m bench.mixed --preset {preset.name} --rate {arguments.rate:g}"
    section = _render(preset.name, db.dialect, stored, quiet, loaded, ramp, cold, memory, command)
    print(section)
    if not arguments.no_docs:
        replace_section(f"mixed:{preset.name}-{db.dialect}", section)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rate", type=float, default=2_000.0, help="messages/s under ingest")
    parser.add_argument(
        "--ramp", type=float, nargs="*", default=[5_000.0, 10_000.0], help="higher rates"
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--no-docs", action="store_true")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
