"""The minute-long loopback load run, writing its figures into docs/benchmarks.md.

    .venv/bin/python -m tests.reliability.loadtest --database sqlite
    .venv/bin/python -m tests.reliability.loadtest --database postgres

Each run seeds a fresh database with the demo organization (40,000 messages over 180 days by
default), starts `credit-report serve` on a loopback port, and runs eight workers for 60
seconds: 40% report pages, 25% center and 25% date drilldowns (7-, 30- or 90-day windows) and
10% ingest batches of 100 new messages. It replaces its own block of docs/benchmarks.md
(between `<!-- load:DATABASE:start -->` and `<!-- load:DATABASE:end -->`) unless `--no-docs`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tests.reliability.load import OPERATIONS, LoadResult, load_server

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
POSTGRES_SERVER = os.environ.get(
    "CREDIT_REPORT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"
)
HEADING = "## Mixed load on loopback"
INTRO = """
Report pages, center and date drilldowns and ingest at the same time, through a real
`credit-report serve` process on a loopback port (the client on the same machine). The CI
test `tests/reliability/test_load.py` runs the same mix for 8 seconds and requires zero
errors; the figures below come from the minute-long run, `python -m tests.reliability.loadtest
--database sqlite|postgres`, which writes its own block here.
"""


def markdown(
    database: str, result: LoadResult, messages: int, days: int, load_before: float
) -> str:
    summary = result.summary()
    lines = [
        f"### {'SQLite' if database == 'sqlite' else 'PostgreSQL'}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {os.cpu_count()} CPUs (load "
        f"average {load_before:.1f} before the run: other work on the machine slows it); demo "
        f"organization with {messages:,} messages over {days} days; {result.workers} workers for "
        f"{result.seconds:.0f} s; {len(result.errors)} errors; "
        f"{result.messages_ingested:,} messages ingested.",
        "",
        "| operation | requests | per second | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for operation in (*OPERATIONS, "all"):
        row = summary[operation]
        lines.append(
            f"| {operation} | {row['count']:,} | {row['per_second']:.1f} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} |"
        )
    return "\n".join(lines)


def write_docs(path: Path, database: str, block: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = f"<!-- load:{database}:start -->", f"<!-- load:{database}:end -->"
    if HEADING not in text:
        text = text.rstrip() + f"\n\n{HEADING}\n{INTRO}"
    wrapped = f"{start}\n{block}\n{end}"
    if start in text:
        text = re.sub(
            re.escape(start) + ".*?" + re.escape(end), lambda _: wrapped, text, flags=re.S
        )
    else:
        text = text.rstrip() + f"\n\n{wrapped}\n"
    path.write_text(text)


async def main(args: argparse.Namespace) -> int:
    import asyncpg  # type: ignore[import-untyped]

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        name = f"load_{uuid.uuid4().hex[:10]}"
        if args.database == "sqlite":
            url = f"sqlite://{Path(tmp) / 'load.db'}"
        else:
            admin = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.close()
            url = f"{POSTGRES_SERVER}/{name}"
        try:
            result = await load_server(
                url, Path(tmp) / "server.log", messages=args.messages, days=args.days,
                seconds=args.seconds, workers=args.workers,
            )  # fmt: skip
        finally:
            if args.database == "postgres":
                admin = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await admin.close()
    block = markdown(args.database, result, args.messages, args.days, load_before)
    print(block)
    for error in result.errors[:10]:
        print("error:", error)
    if not args.no_docs:
        write_docs(args.docs, args.database, block)
    return 1 if result.errors else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--messages", type=int, default=40_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--no-docs", action="store_true")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
