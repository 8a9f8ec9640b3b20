"""Generate a benchmark dataset through the product's own import path.

    .venv/bin/python -m bench.generate --preset small --database-url sqlite://bench/data/small.db

The hierarchy goes through `backend.importer.apply_document` (the `credit-report import`
code), the messages through `backend.ledger.record_messages` (what `recordMessages` and the
importer call) in batches of 10,000: the same validation, business dates and upserts, and
whatever derived data the ledger maintains. Deterministic for a given preset and seed. An
interrupted load resumes: batches already stored are skipped, and a replayed batch changes
nothing because the ledger is idempotent.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bench.dataset import Dataset
from bench.dburl import DatabaseUrl, analyze, ensure_database, message_count, vacuum
from bench.presets import PRESETS, Preset

BATCH_SIZE = 10_000
# Refresh planner statistics after these many messages (see `analyze`).
ANALYZE_AT = frozenset({20_000, 100_000, 300_000, 1_000_000, 3_000_000})
ACTOR = "bench-generate"


@dataclass(frozen=True)
class LoadResult:
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _is_transient(error: Exception) -> bool:
    """Deadlocks and serialization failures between concurrent batches: safe to replay."""
    return getattr(error, "sqlstate", None) in ("40P01", "40001") or "deadlock" in str(error)


async def _record(batch: list[dict[str, Any]]) -> None:
    from backend.ledger import TRUSTED_IMPORT, record_messages

    for attempt in range(5):
        try:
            await record_messages(batch, scope=TRUSTED_IMPORT, actor=ACTOR)
            return
        except Exception as error:  # the driver's error types differ per database
            cause = error.__cause__ if isinstance(error.__cause__, Exception) else error
            if attempt == 4 or not (_is_transient(error) or _is_transient(cause)):
                raise
            await asyncio.sleep(0.05 * (attempt + 1))


async def load(
    preset: Preset, db: DatabaseUrl, *, seed: int = 42, jobs: int = 1, quiet: bool = False
) -> LoadResult:
    """Create the database if needed and load the preset; return what was recorded."""
    from backend.db import close_database, open_database
    from backend.importer import apply_document

    await ensure_database(db)
    # SQLite has one writer: concurrent batches would only queue behind each other.
    jobs = 1 if db.dialect == "sqlite" else max(1, jobs)
    stored = await message_count(db, preset.organization_id)
    # With `jobs` batches in flight, the last `jobs` before the count may be incomplete.
    skip = max(0, (stored // BATCH_SIZE - jobs) * BATCH_SIZE)
    dataset = Dataset(preset, seed)
    await open_database(db.url)
    started = time.perf_counter()
    try:
        await apply_document(dataset.hierarchy_document(), actor=ACTOR)
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]:>8,.0f} msg/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, disable=quiet) as progress:
            task = progress.add_task(
                f"Loading {preset.name} into {db.label}",
                total=preset.messages,
                completed=skip,
                rate=0.0,
            )
            in_flight: set[asyncio.Task[None]] = set()
            done = 0
            queued = skip

            def _advance(count: int, _job: object) -> None:
                nonlocal done
                done += count
                elapsed = time.perf_counter() - started
                progress.update(task, advance=count, rate=done / elapsed if elapsed else 0.0)

            for batch in _batches(dataset.messages(skip=skip), BATCH_SIZE):
                if len(in_flight) >= jobs:
                    finished, in_flight = await asyncio.wait(
                        in_flight, return_when=asyncio.FIRST_COMPLETED
                    )
                    for finished_task in finished:
                        finished_task.result()
                if queued in ANALYZE_AT:
                    await asyncio.gather(*in_flight)
                    await analyze(db)
                queued += len(batch)
                job = asyncio.create_task(_record(batch))
                job.add_done_callback(functools.partial(_advance, len(batch)))
                in_flight.add(job)
            for pending in asyncio.as_completed(in_flight):
                await pending
        await vacuum(db)
    finally:
        await close_database()
    return LoadResult(preset.messages - skip, time.perf_counter() - started)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--database-url", required=True, help="sqlite://file.db or postgres://…")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--jobs", type=int, default=2, help="batches in flight (PostgreSQL only; default 2)"
    )
    return parser


def main() -> None:
    args = _parser().parse_args()
    result = asyncio.run(
        load(PRESETS[args.preset], DatabaseUrl(args.database_url), seed=args.seed, jobs=args.jobs)
    )
    print(
        f"Recorded {result.messages:,} messages in {result.seconds:,.1f} s "
        f"({result.rate:,.0f} messages/s)."
    )


if __name__ == "__main__":
    main()
