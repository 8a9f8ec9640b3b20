"""The benchmark's own machinery on the `tiny` preset: not a timed test.

The generator loads through the product's ingest path (in a subprocess, as the benchmark runs
it), and the floor's hand-written SQL must give the numbers a direct computation over the
generated messages gives, because the benchmark asserts the product against that floor.
"""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bench import ops
from bench.dataset import CHANNELS, CREATED_FROM, TYPES, Dataset
from bench.dburl import DatabaseUrl
from bench.floor import create_app, index_statements
from bench.presets import PRESETS
from bench.timing import Latency, percentile

ROOT = Path(__file__).resolve().parent.parent
TINY = PRESETS["tiny"]


@pytest.fixture(scope="module")
def tiny_database(tmp_path_factory: pytest.TempPathFactory) -> DatabaseUrl:
    db = DatabaseUrl(f"sqlite://{tmp_path_factory.mktemp('bench') / 'tiny.db'}")
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--preset", "tiny", "--database-url", db.url],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return db


def test_dataset_is_deterministic_exact_and_covers_every_kind() -> None:
    first, second = Dataset(TINY), Dataset(TINY)
    assert first.hierarchy_document() == second.hierarchy_document()
    assert list(first.messages()) == list(second.messages())
    assert sum(count for _, _, count in first.cells()) == TINY.messages
    kinds = {(c.type, c.created_from, c.channel) for c in first.campaigns}
    assert len(kinds) == len(TYPES) * len(CREATED_FROM) * len(CHANNELS)


def test_fresh_messages_are_new_and_after_the_dataset() -> None:
    fresh = list(Dataset(TINY).fresh_messages(500, "t"))
    assert len(fresh) == 500
    assert len({m["externalId"] for m in fresh}) == 500
    assert all(datetime.fromisoformat(m["sentAt"]).date() > TINY.end for m in fresh)


def _expected_report(dataset: Dataset, start: date, end: date) -> dict[str, Any]:
    """The report computed straight from the generated messages, in Python."""
    timezone = {c.id: ZoneInfo(c.timezone) for c in dataset.centers}
    guests: dict[str, set[str]] = defaultdict(set)
    processed: dict[str, int] = defaultdict(int)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    all_guests: set[str] = set()
    for m in dataset.messages():
        day = datetime.fromisoformat(m["sentAt"]).astimezone(timezone[m["centerId"]]).date()
        if not start <= day <= end:
            continue
        guests[m["campaignId"]].add(m["guestId"])
        all_guests.add(m["guestId"])
        processed[m["campaignId"]] += m["outcome"] == "PROCESSED"
        credits[m["campaignId"]] += Decimal(m["credits"])
    rows = sorted(dataset.campaigns, key=lambda c: (-credits[c.id], c.id))[: ops.PAGE_SIZE]
    return {
        "totalCount": len(dataset.campaigns),
        "totals": (len(all_guests), sum(processed.values()), sum(credits.values(), Decimal())),
        "ids": [c.id for c in rows],
        "usage": [(len(guests[c.id]), processed[c.id], credits[c.id]) for c in rows],
    }


async def test_floor_matches_a_direct_computation(tiny_database: DatabaseUrl) -> None:
    dataset = Dataset(TINY)
    start, end = TINY.end - timedelta(days=89), TINY.end
    op = ops.report_page("report-org", "", "org", TINY.organization_id, None, start, end)
    app = create_app(tiny_database)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://floor") as client,
    ):
        body = (await client.get(op.floor_path, params=op.floor_params)).json()
        busiest = body["rows"][0]["id"]
        dates = ops.drilldown("drilldown-dates", "", TINY.organization_id, busiest, start, end)
        by_date = (await client.get(dates.floor_path, params=dates.floor_params)).json()
    got = ops.normal_from_floor(op.key, body)
    expected = _expected_report(dataset, start, end)
    assert got["totalCount"] == expected["totalCount"]
    assert got["totals"] == expected["totals"]
    assert [row[0] for row in got["rows"]] == expected["ids"]
    assert [row[7:] for row in got["rows"]] == expected["usage"]
    assert len(by_date["dates"]) == 90  # zero-filled
    assert sum(Decimal(d["creditsConsumed"]) for d in by_date["dates"]) == Decimal(
        body["rows"][0]["creditsConsumed"]
    )


def test_normal_forms_compare_exact_decimals() -> None:
    api = {
        "campaign": {
            "id": "c",
            "name": "n",
            "targetedGuests": 2,
            "processed": 1,
            "creditsConsumed": "1.5000",
            "dateBreakdown": [],
        }
    }
    floor = {
        "id": "c",
        "name": "n",
        "targetedGuests": 2,
        "processed": 1,
        "creditsConsumed": "1.5",
        "dates": [],
    }
    a = ops.normal_from_api("drilldown-dates", api)
    assert ops.first_difference(a, ops.normal_from_floor("drilldown-dates", floor)) is None
    floor["creditsConsumed"] = "1.5001"
    assert ops.first_difference(a, ops.normal_from_floor("drilldown-dates", floor))


def test_percentiles_and_index_statements() -> None:
    samples = [i / 1000 for i in range(1, 101)]
    assert percentile(samples, 50) == 0.05 and percentile(samples, 99) == 0.099
    assert Latency.of(samples).p99_ms == pytest.approx(99.0)
    assert all("INCLUDE" in s for s in index_statements("postgres"))
    assert not any("INCLUDE" in s for s in index_statements("sqlite"))


def test_mixed_load_and_accounts_benchmarks_run_on_tiny(tiny_database: DatabaseUrl) -> None:
    """bench.mixed and bench.accounts end to end with real servers, briefly: each phase must
    record what it asked for and answer every read without an error."""
    mixed = subprocess.run(
        [
            sys.executable, "-m", "bench.mixed", "--preset", "tiny", "--database-url",
            tiny_database.url, "--seconds", "2", "--rate", "1000", "--ramp", "--no-docs",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert mixed.returncode == 0, mixed.stderr[-2000:]
    assert "errors: quiet 0, under ingest 0" in mixed.stdout, mixed.stdout
    assert "| organization page, B |" in mixed.stdout
    accounts = subprocess.run(
        [
            sys.executable, "-m", "bench.accounts", "--preset", "tiny", "--database-url",
            tiny_database.url, "--transactions", "20", "--messages", "2000", "--repeat", "5",
            "--no-docs",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert accounts.returncode == 0, accounts.stderr[-2000:]
    assert "| one-year statement with its days |" in accounts.stdout, accounts.stdout
