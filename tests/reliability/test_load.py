"""A short loopback load run in CI: report pages, drilldowns and ingest together against a real
server process, with zero errors. (The minute-long run that writes docs/benchmarks.md is
`python -m tests.reliability.loadtest`; the test does not write figures.)"""

from __future__ import annotations

from pathlib import Path

from tests.reliability.load import OPERATIONS, load_server

SECONDS = 8
WORKERS = 8


async def test_mixed_load_on_loopback_has_zero_errors(database_url: str, tmp_path: Path) -> None:
    result = await load_server(
        database_url, tmp_path / "server.log", messages=5_000, days=60, seconds=SECONDS,
        workers=WORKERS,
    )  # fmt: skip
    assert result.errors == []
    summary = result.summary()
    for operation in OPERATIONS:
        assert summary[operation]["count"] > 0, summary
    assert result.messages_ingested == summary["ingest"]["count"] * 100
    # A floor far below what a laptop does, to catch a server that serialises or stalls.
    assert summary["all"]["per_second"] > 5, summary
