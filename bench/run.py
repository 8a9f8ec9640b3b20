"""The benchmark: one command, a real server, the full HTTP stack, and the floor in the same run.

    .venv/bin/python -m bench.run --preset small --database-url sqlite://bench/data/small.db

Loads the preset first if the database holds fewer messages (bench/generate.py), then:

1. starts `credit-report serve` on a free port and creates an organization token, a center
   token and a write token with `credit-report token create`;
2. times, through HTTP, after a warm-up: the report page (first 50 campaigns, last 90 days,
   every column and totals) for the organization and for the busiest center; the center and
   the date drilldown of the busiest campaign; ingest of 100,000 new messages through
   `recordMessages`; and the report page under 10 concurrent clients;
3. builds the floor's indexes, starts the floor (bench/floor.py), asserts that its numbers
   equal the product's exactly, and times it the same way;
4. samples the product server's resident memory throughout and writes the results to
   bench/results/ (JSON) and docs/benchmarks.md (a section per preset and database).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import floor, ops
from bench.calibration import cpu_check
from bench.dataset import Dataset
from bench.dburl import DatabaseUrl, message_count, vacuum
from bench.generate import load
from bench.presets import PRESETS, Preset
from bench.results import write_results
from bench.servers import ROOT, Server, create_token, floor_server, product_server
from bench.timing import Latency, Request, Throughput, concurrent, get, graphql, sequential

WINDOW_DAYS = 90
INGEST_BATCH = 10_000
# Batches in flight in the timed ingest (a sequential pass is timed too, and reported beside it).
INGEST_IN_FLIGHT = 2
INGEST_DAYS = 30  # the ingest writes the days after the dataset's end (Dataset.fresh_messages)
CLIENTS = 10


@dataclass
class OpResult:
    key: str
    title: str
    product: Latency
    floor: Latency | None = None

    @property
    def ratio(self) -> float | None:
        return self.product.p50_ms / self.floor.p50_ms if self.floor else None


@dataclass
class RunResult:
    preset: str
    database: str
    database_url: str
    command: str
    started_at: str
    dataset: dict[str, Any]
    machine: dict[str, Any]
    window: tuple[str, str]
    busiest_campaign: str = ""
    center: str = ""
    ops: list[OpResult] = field(default_factory=list)
    ingest_messages: int = 0
    ingest_seconds: float = 0.0
    ingest_batch: Latency | None = None
    ingest_in_flight: int = INGEST_IN_FLIGHT
    ingest_sequential_rate: float = 0.0
    concurrency: Throughput | None = None
    floor_concurrency: Throughput | None = None
    floor_index_seconds: float = 0.0
    product_max_rss: int = 0
    floor_max_rss: int = 0
    exact: bool = False
    mismatch: str = ""
    duration_seconds: float = 0.0

    @property
    def ingest_rate(self) -> float:
        return self.ingest_messages / self.ingest_seconds if self.ingest_seconds else 0.0


def _log(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def _graphql_data(response: httpx.Response) -> dict[str, Any]:
    payload = orjson.loads(response.content)
    if payload.get("errors"):
        raise RuntimeError(f"GraphQL errors: {payload['errors']}")
    data: dict[str, Any] = payload["data"]
    return data


async def _ingest(
    client: httpx.AsyncClient,
    server: Server,
    token: str,
    dataset: Dataset,
    in_flight: int,
) -> tuple[int, float, Latency]:
    """Record the preset's `ingest` count of new messages in batches, `in_flight` at a time, as
    integrators pushing from several workers do; return messages, seconds and batch latency.
    The request bodies are made before the clock starts: building them is the client's work."""
    tag = f"{datetime.now(UTC):%Y%m%d%H%M%S}-{in_flight}"
    messages = dataset.fresh_messages(dataset.preset.ingest, tag)
    requests = []
    while batch := list(itertools.islice(messages, INGEST_BATCH)):
        send = graphql(server.url, token, ops.MUTATION_RECORD_MESSAGES, {"messages": batch})
        requests.append((len(batch), send))
    slots = asyncio.Semaphore(in_flight)
    batches: list[float] = []

    async def record(count: int, send: Request) -> None:
        async with slots:
            t0 = time.perf_counter()
            response = await send(client)
            batches.append(time.perf_counter() - t0)
        outcome = _graphql_data(response)["recordMessages"]
        if outcome["inserted"] != count:
            raise RuntimeError(f"ingest inserted {outcome['inserted']} of {count}: {outcome}")

    started = time.perf_counter()
    await asyncio.gather(*(record(count, send) for count, send in requests))
    seconds = time.perf_counter() - started
    return sum(count for count, _ in requests), seconds, Latency.of(batches)


async def _measure(args: argparse.Namespace, preset: Preset, db: DatabaseUrl) -> RunResult:
    started = time.perf_counter()
    dataset = Dataset(preset, args.seed)
    stored = await message_count(db, preset.organization_id)
    if stored < preset.messages:
        _log(f"{db.label} holds {stored:,} messages; loading preset {preset.name}")
        loaded = await load(preset, db, seed=args.seed, jobs=args.jobs)
        _log(f"loaded {loaded.messages:,} messages at {loaded.rate:,.0f}/s")
        stored = await message_count(db, preset.organization_id)
    await floor.drop_indexes(db)

    end = preset.end
    start = end - timedelta(days=WINDOW_DAYS - 1)
    center = max(dataset.centers, key=lambda c: c.guests).id
    result = RunResult(
        preset=preset.name,
        database=await _database_version(db),
        database_url=db.url,
        command=" ".join([".venv/bin/python -m bench.run", *sys.argv[1:]]),
        started_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        dataset=_dataset_summary(preset, stored),
        machine={**machine(), "cpu_check_start": cpu_check()},
        window=(start.isoformat(), end.isoformat()),
        center=center,
    )
    org = preset.organization_id
    _log("creating tokens with `credit-report token create`")
    tokens = {
        "org": create_token(db.url, org),
        "center": create_token(db.url, org, "--center", center),
        "write": create_token(db.url, org, "--write"),
    }
    results_dir = ROOT / "bench" / "results"
    limits = httpx.Limits(max_connections=CLIENTS * 2, max_keepalive_connections=CLIENTS * 2)
    async with httpx.AsyncClient(timeout=600, limits=limits) as client:
        product = product_server(db.url, results_dir / f"server-{preset.name}-{db.dialect}.log")
        with product:
            _log(f"product server on {product.url}")
            report_org = ops.report_page(
                "report-org", "Report page, organization scope", "org", org, None, start, end
            )
            # A server builds its usage index in the background when it starts, and the first
            # report waits for it: one report first, so the ingest is timed on a server in its
            # steady state rather than beside its start-up.
            await graphql(product.url, tokens["org"], report_org.query, report_org.variables)(
                client
            )
            _log(f"ingest: {preset.ingest:,} new messages, {INGEST_BATCH:,} a batch, one at a time")
            recorded, seconds, _ = await _ingest(client, product, tokens["write"], dataset, 1)
            result.ingest_sequential_rate = recorded / seconds
            _log(f"ingest, sequential: {result.ingest_sequential_rate:,.0f} messages/s")
            _log(f"ingest: {preset.ingest:,} more, {INGEST_IN_FLIGHT} batches in flight")
            result.ingest_messages, result.ingest_seconds, result.ingest_batch = await _ingest(
                client, product, tokens["write"], dataset, INGEST_IN_FLIGHT
            )
            _log(f"ingest, {INGEST_IN_FLIGHT} in flight: {result.ingest_rate:,.0f} messages/s")
            # After the ingest, what autovacuum would soon do anyway.
            await vacuum(db)

            first_page = await graphql(
                product.url, tokens["org"], report_org.query, report_org.variables
            )(client)
            busiest = _graphql_data(first_page)["campaigns"]["edges"][0]["node"]["id"]
            result.busiest_campaign = busiest
            operations = [
                report_org,
                ops.report_page(
                    "report-center", "Report page, center scope", "center", org, center, start, end
                ),
                ops.drilldown(
                    "drilldown-centers",
                    "Center drilldown, busiest campaign",
                    org,
                    busiest,
                    start,
                    end,
                ),
                ops.drilldown(
                    "drilldown-dates", "Date drilldown, busiest campaign", org, busiest, start, end
                ),
            ]
            answers: dict[str, Any] = {}
            for op in operations:
                send = graphql(product.url, tokens[op.token], op.query, op.variables)
                latency, response = await sequential(
                    client,
                    send,
                    warmup=args.warmup,
                    repeat=args.repeat,
                    budget_seconds=args.budget,
                )
                answers[op.key] = ops.normal_from_api(op.key, _graphql_data(response))
                result.ops.append(OpResult(op.key, op.title, latency))
                _log(f"{op.title}: p50 {latency.p50_ms:.1f} ms, p99 {latency.p99_ms:.1f} ms")
            # Untimed: the days the ingest wrote to, so its derived data is checked too.
            ingested = ops.report_page(
                "report-ingested",
                "Report page over the ingested days",
                "org",
                org,
                None,
                end + timedelta(days=1),
                end + timedelta(days=INGEST_DAYS + 1),
            )
            response = await graphql(
                product.url, tokens["org"], ingested.query, ingested.variables
            )(client)
            answers[ingested.key] = ops.normal_from_api(ingested.key, _graphql_data(response))
            send = graphql(product.url, tokens["org"], report_org.query, report_org.variables)
            result.concurrency = await concurrent(
                client, send, clients=CLIENTS, seconds=args.seconds, warmup=2.0
            )
            c = result.concurrency
            _log(
                f"{CLIENTS} clients: {c.per_second:.1f} req/s, p50 {c.latency.p50_ms:.1f} ms, "
                f"p99 {c.latency.p99_ms:.1f} ms"
            )
        result.product_max_rss = product.max_rss
        result.machine["cpu_check_end"] = cpu_check()

        _log("building the floor's indexes")
        t0 = time.perf_counter()
        saved_stats = await floor.create_indexes(db)
        result.floor_index_seconds = time.perf_counter() - t0
        try:
            floor_app = floor_server(db.url, results_dir / f"floor-{preset.name}-{db.dialect}.log")
            with floor_app:
                result.exact = True
                for op, op_result in zip(operations, result.ops, strict=True):
                    send = get(floor_app.url + op.floor_path, op.floor_params)
                    latency, response = await sequential(
                        client,
                        send,
                        warmup=args.warmup,
                        repeat=args.repeat,
                        budget_seconds=args.budget,
                    )
                    op_result.floor = latency
                    expected = ops.normal_from_floor(op.key, orjson.loads(response.content))
                    difference = ops.first_difference(answers[op.key], expected)
                    if difference is not None:
                        result.exact = False
                        result.mismatch += f"{op.key}{difference}; "
                        _log(f"MISMATCH {op.key}: product vs floor at {difference}")
                    _log(
                        f"floor {op.title}: p50 {latency.p50_ms:.1f} ms "
                        f"(product/floor {op_result.ratio:.2f})"
                    )
                response = await get(floor_app.url + ingested.floor_path, ingested.floor_params)(
                    client
                )
                expected = ops.normal_from_floor(ingested.key, orjson.loads(response.content))
                difference = ops.first_difference(answers[ingested.key], expected)
                if difference is not None:
                    result.exact = False
                    result.mismatch += f"{ingested.key}{difference}; "
                    _log(f"MISMATCH {ingested.key}: product vs floor at {difference}")
                send = get(floor_app.url + report_org.floor_path, report_org.floor_params)
                result.floor_concurrency = await concurrent(
                    client, send, clients=CLIENTS, seconds=args.seconds, warmup=2.0
                )
            result.floor_max_rss = floor_app.max_rss
        finally:
            await floor.drop_indexes(db, restore=saved_stats)
    result.duration_seconds = time.perf_counter() - started
    result.machine["commit_at_end"] = code_state()
    return result


async def _database_version(db: DatabaseUrl) -> str:
    from bench.dburl import server_version

    return await server_version(db)


def _dataset_summary(preset: Preset, stored: int) -> dict[str, Any]:
    return {
        "messages_generated": preset.messages,
        "messages_stored": stored,
        "zones": preset.zones,
        "centers": preset.centers,
        "campaigns": preset.campaigns,
        "guests": preset.guests,
        "first_date": preset.start.isoformat(),
        "last_date": preset.end.isoformat(),
    }


def machine() -> dict[str, Any]:
    import os
    import platform

    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "commit": code_state(),
    }


def code_state() -> str:
    """The commit, and whether backend/ differs from it (the server runs the working tree)."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, check=False)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "backend")
    backend = git("log", "-1", "--format=%h", "--", "backend")
    return f"backend/ at {backend}" + (" + uncommitted changes" if dirty else "")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--database-url", required=True, help="sqlite://file.db or postgres://…")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--jobs", type=int, default=2, help="generator: batches in flight")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per operation")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per operation")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds per operation after which timing stops (once 20 samples are in)",
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="concurrency test length")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "docs" / "benchmarks.md",
        help="Markdown file whose section for this preset and database is replaced",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch --output")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    preset = PRESETS[args.preset]
    db = DatabaseUrl(args.database_url)
    result = asyncio.run(_measure(args, preset, db))
    json_path = ROOT / "bench" / "results" / f"{preset.name}-{db.dialect}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_bytes(orjson.dumps(asdict(result), option=orjson.OPT_INDENT_2))
    section = write_results(result, None if args.no_docs else args.output)
    print(section)
    if not result.exact:
        print(f"FAILED: the product's numbers differ from the floor's: {result.mismatch}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
