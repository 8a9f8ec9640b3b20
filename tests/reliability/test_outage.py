"""Database outage: the app's connections to PostgreSQL are cut (a TCP proxy between them resets
every connection and refuses new ones) under load, then restored. While the database is out of
reach every request gets a coded UNAVAILABLE (503, Retry-After), never a 500 or a hang; once it
is back, requests succeed again with no restart of the app, and the ledger ends exactly as the
acknowledged and retried batches say.

Always runs on PostgreSQL (the outage of an embedded SQLite file is not a thing), in a database
of its own behind the proxy, so the shared server keeps serving every other test.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.conftest import POSTGRES_SERVER, _create_postgres_database, _drop_postgres_database
from tests.reliability.ingest import (
    MUTATION,
    QUERY_REPORT,
    expected_report,
    final_states,
    histories,
    reported_numbers,
)
from tests.reliability.proxy import TcpProxy
from tests.reliability.server import Server, seed

QUERY_DRILLDOWN = """
query Drilldown($id: ID!) {
  campaign(id: $id, dateRange: {start: "2026-03-01", end: "2026-03-21"}) {
    centerBreakdown { center { id } creditsConsumed }
    dateBreakdown { date creditsConsumed }
  }
}
"""
UP_SECONDS = 1.5
DOWN_SECONDS = 3.0
RECOVERY_TIMEOUT = 15.0
AFTER_RECOVERY_SECONDS = 1.5
# Requests already past the database when the cut happens may still finish either way.
SETTLE_SECONDS = 0.5


@dataclass
class Observations:
    cut_at: float = 0.0
    restored_at: float = 0.0
    # (sent at, answered at, status, error codes)
    answers: list[tuple[float, float, int, frozenset[str]]] = field(default_factory=list)


async def test_requests_are_unavailable_while_the_database_is_cut_and_recover_after(
    tmp_path: Path,
) -> None:
    name = f"test_cr_{uuid.uuid4().hex[:12]}"
    await _create_postgres_database(name)
    server_address = urlsplit(POSTGRES_SERVER)
    proxy = TcpProxy(server_address.hostname or "127.0.0.1", server_address.port or 5432)
    await proxy.start()
    direct_url = f"{POSTGRES_SERVER}/{name}"
    proxied_url = direct_url.replace(
        f"@{server_address.hostname}:{server_address.port}", f"@127.0.0.1:{proxy.port}"
    )
    assert proxied_url != direct_url
    server = Server(proxied_url, tmp_path / "server.log")
    try:
        secret = await seed(direct_url, tmp_path)
        await server.start()
        await exercise(server, proxy, secret)
    finally:
        await server.stop()
        await proxy.close()
        await _drop_postgres_database(name)


async def exercise(server: Server, proxy: TcpProxy, secret: str) -> None:
    rng = random.Random(11)
    messages = histories(rng, 1_200)
    rows = [v for versions in messages.values() for v in versions]
    rng.shuffle(rows)
    pending = [rows[i : i + 40] for i in range(0, len(rows), 40)]
    seen = Observations()
    stop = asyncio.Event()
    back = asyncio.Event()  # a request sent after the restore succeeded
    headers = {"Authorization": f"Bearer {secret}"}
    start = time.monotonic()

    async with httpx.AsyncClient(base_url=server.url, timeout=20, headers=headers) as http:

        async def ask(query: str, variables: dict[str, Any]) -> tuple[int, frozenset[str], Any]:
            sent = time.monotonic() - start
            response = await http.post("/graphql", json={"query": query, "variables": variables})
            body = response.json()
            codes = frozenset(e["extensions"]["code"] for e in body.get("errors") or [])
            seen.answers.append((sent, time.monotonic() - start, response.status_code, codes))
            if seen.restored_at and sent > seen.restored_at and not codes:
                back.set()
            return response.status_code, codes, body

        async def reader() -> None:
            while not stop.is_set():
                await ask(QUERY_REPORT, {})
                await ask(QUERY_DRILLDOWN, {"id": rng.choice(["cmp-org", "cmp-west", "cmp-nyc"])})

        async def writer() -> None:
            while pending and not stop.is_set():
                batch = pending.pop(0)
                _, codes, _ = await ask(MUTATION, {"messages": batch})
                if codes:
                    pending.insert(0, batch)  # not applied: send it again later
                    await asyncio.sleep(0.1)

        async def outage() -> None:
            await asyncio.sleep(UP_SECONDS)
            seen.cut_at = time.monotonic() - start
            await proxy.cut()
            await asyncio.sleep(DOWN_SECONDS)
            seen.restored_at = time.monotonic() - start
            await proxy.restore()
            with contextlib.suppress(TimeoutError):  # judged below, from the observations
                await asyncio.wait_for(back.wait(), RECOVERY_TIMEOUT)
            await asyncio.sleep(AFTER_RECOVERY_SECONDS)
            stop.set()

        await asyncio.gather(outage(), *(reader() for _ in range(3)), writer(), writer())

        # Whatever the writers did not get acknowledged, they send now.
        while pending:
            _, codes, body = await ask(MUTATION, {"messages": pending[0]})
            assert not codes, body
            pending.pop(0)
        _, codes, report = await ask(QUERY_REPORT, {})

    assert_outage_was_coded(seen)
    assert not codes
    assert reported_numbers(report["data"]) == expected_report(final_states(messages))


def recovered(seen: Observations) -> bool:
    return any(sent > seen.restored_at and not codes for sent, _, _, codes in seen.answers)


def assert_outage_was_coded(seen: Observations) -> None:
    before = [a for a in seen.answers if a[1] < seen.cut_at]
    during = [
        a for a in seen.answers if seen.cut_at + SETTLE_SECONDS < a[0] and a[1] < seen.restored_at
    ]
    after = [a for a in seen.answers if a[0] > seen.restored_at]
    assert before and all(status == 200 and not codes for _, _, status, codes in before)

    # Down: coded, retryable, and answered promptly rather than left hanging.
    assert len(during) >= 10, during
    for sent, answered, status, codes in during:
        assert (status, codes) == (503, frozenset({"UNAVAILABLE"})), (sent, status, codes)
        assert answered - sent < 5, "a request hung while the database was down"
    for _, _, status, codes in seen.answers:
        assert status in (200, 503) and codes <= {"UNAVAILABLE"}, (status, codes)

    # Up again, without restarting the app: from the first success on, everything succeeds.
    assert recovered(seen), "requests did not succeed again after the database came back"
    first_success = min(sent for sent, _, _, codes in after if not codes)
    assert first_success - seen.restored_at < RECOVERY_TIMEOUT
    settled = [a for a in after if a[0] > first_success + SETTLE_SECONDS]
    assert settled and all(status == 200 and not codes for _, _, status, codes in settled)
