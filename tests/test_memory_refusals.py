"""Refused large requests leave the server's memory where it was.

The server freezes what it holds at start-up and collects cyclic garbage rarely
(backend/memory.py), so a request that ends in a reference cycle outlives its response until an
older generation is collected. An error's traceback is such a cycle: it holds the frames it
passed through, graphql-core's frames hold the error, and the resolver's frames the request's
whole input. Twenty rejected 10,000-message batches took a served process from 83 MB to about
240 MB that way; the view now drops the tracebacks once the errors are formatted
(`release_errors` in backend/api/errors.py).

Two levels: in process, a refused request leaves nothing for the cycle collector (exact, fast,
and names the kind that regressed); against a real `credit-report serve`, twenty refused
requests of each kind leave its resident memory within RSS_BOUND_MB of where it was after a
warm-up. The bound is generous on purpose: the first large request raises the allocator's
high-water mark by about 15 MB, which glibc keeps for the next one; a rejected batch kept alive
costs about 14 MB more with every one of the twenty.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import types
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from backend.api.limits import MAX_REQUEST_BYTES
from backend.ledger import MAX_BATCH_SIZE
from tests.factories import ORG, load_hierarchy, message, token
from tests.graphql_client import http_client
from tests.reliability.server import CLI, START_TIMEOUT, Server, seed

REPEATS = 20
RSS_BOUND_MB = 50.0
# At most this many objects may be left in cycles by one refused request (the client's own
# response makes about 15); one kept alive leaves thousands, its frames among them.
MAX_CYCLIC_OBJECTS = 100

QUERY_BY_CREDIT_SOURCES = (
    "query($ids: [ID!]) { campaigns(first: 1, filter: {creditSourceIds: $ids}) { totalCount } }"
)
MUTATION_RECORD = (
    "mutation Record($messages: [MessageInput!]!) { recordMessages(messages: $messages) "
    "{ received inserted } }"
)
QUERY_REPORT = "{ campaigns(first: 10) { totalCount edges { node { id creditsConsumed } } } }"


@dataclass(frozen=True)
class Refusal:
    body: bytes
    principal: str | None  # "read", "write", or None for no credentials at all
    status: int
    code: str
    rows: int | None = None  # INVALID_MESSAGES: how many rows the error must name


def _credit_source_ids_body() -> bytes:
    """The reported request: a list of ids as long as a body may be (about 4 million)."""
    head = orjson.dumps({"query": QUERY_BY_CREDIT_SOURCES})[:-1] + b',"variables":{"ids":['
    tail = b"]}}"
    count = (MAX_REQUEST_BYTES - 1024 - len(head) - len(tail)) // 2
    return head + b",".join([b"1"] * count) + tail


def _batch_body(count: int, **fields: str) -> bytes:
    messages = [message(f"m-{i}", guest_id=f"g-{i % 50}", **fields) for i in range(count)]
    return orjson.dumps({"query": MUTATION_RECORD, "variables": {"messages": messages}})


KINDS = (
    "anonymous large body",
    "list too long",
    "every row invalid",
    "batch too large",
    "coercion fails",
)


@functools.cache
def refusals() -> dict[str, Refusal]:
    """Built when first needed (about 13 MB of bodies), once for the whole run."""
    ids = _credit_source_ids_body()
    built = {
        "anonymous large body": Refusal(ids, None, 401, "UNAUTHENTICATED"),
        "list too long": Refusal(ids, "read", 200, "LIST_TOO_LONG"),
        "every row invalid": Refusal(
            _batch_body(MAX_BATCH_SIZE, campaign_id="cmp-unknown"),
            "write",
            200,
            "INVALID_MESSAGES",
            rows=MAX_BATCH_SIZE,
        ),
        "batch too large": Refusal(
            _batch_body(MAX_BATCH_SIZE + 1), "write", 200, "BATCH_TOO_LARGE"
        ),
        "coercion fails": Refusal(
            _batch_body(9_000, outcome="UNHEARD_OF"), "write", 200, "BAD_USER_INPUT"
        ),
    }
    assert tuple(built) == KINDS
    assert all(len(refusal.body) <= MAX_REQUEST_BYTES for refusal in built.values())
    return built


def _headers(refusal: Refusal, tokens: dict[str, str]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if refusal.principal is not None:
        headers["Authorization"] = f"Bearer {tokens[refusal.principal]}"
    return headers


def _assert_refused(response: httpx.Response, refusal: Refusal) -> None:
    assert response.status_code == refusal.status, response.text[:500]
    answer = response.json()
    assert answer.get("data") is None
    error = answer["errors"][0]
    assert error["extensions"]["code"] == refusal.code, error
    if refusal.rows is not None:
        assert len(error["extensions"]["rows"]) == refusal.rows


# In process: nothing of a refused request is left for the cycle collector.


@contextmanager
def _cyclic_garbage() -> Iterator[list[Any]]:
    """Yields the objects that only the cycle collector could free among those dropped in the
    block (filled in when the block ends)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    found: list[Any] = []
    try:
        yield found
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()


@pytest.mark.parametrize("kind", KINDS)
async def test_a_refused_request_is_freed_without_the_cycle_collector(db: str, kind: str) -> None:
    refusal = refusals()[kind]
    await load_hierarchy()
    tokens = {"read": await token(), "write": await token(write=True)}
    async with http_client() as client:
        # Once first: parsing, validating and compiling the coercion of a new document leave
        # cycles of their own, once per process.
        first = await client.post(
            "/graphql", content=refusal.body, headers=_headers(refusal, tokens)
        )
        _assert_refused(first, refusal)
        del first
        with _cyclic_garbage() as garbage:
            response = await client.post(
                "/graphql", content=refusal.body, headers=_headers(refusal, tokens)
            )
            _assert_refused(response, refusal)
            del response
    frames = [o.f_code.co_qualname for o in garbage if isinstance(o, types.FrameType)]
    assert not frames, f"a refused request's frames were left in cycles: {frames[:20]}"
    assert len(garbage) <= MAX_CYCLIC_OBJECTS


# A real server: its resident memory after twenty refused requests of each kind.


def _resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # in kB
    raise AssertionError(f"no VmRSS for process {pid}")


async def _read_token(database_url: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *CLI, "token", "create", "--organization", ORG, "--database-url", database_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
    assert process.returncode == 0, err.decode()
    return out.decode().splitlines()[-1]


@dataclass
class Served:
    server: Server
    pid: int
    tokens: dict[str, str]


@pytest.fixture
async def served(database_url: str, tmp_path: Path) -> AsyncIterator[Served]:
    tokens = {"write": await seed(database_url, tmp_path)}
    tokens["read"] = await _read_token(database_url)
    server = Server(database_url, tmp_path / "server.log")
    await server.start()
    assert server.process is not None
    try:
        yield Served(server, server.process.pid, tokens)
    finally:
        await server.stop()


async def _warm_up(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    """Normal traffic first, so the baseline holds what serving any request makes."""
    read = {"Authorization": f"Bearer {tokens['read']}"}
    write = {"Authorization": f"Bearer {tokens['write']}"}
    for round_ in range(3):
        messages = [message(f"w-{round_}-{i}", guest_id=f"g-{i}") for i in range(100)]
        recorded = await client.post(
            "/graphql",
            json={"query": MUTATION_RECORD, "variables": {"messages": messages}},
            headers=write,
        )
        assert recorded.json()["data"]["recordMessages"]["received"] == 100, recorded.text
        report = await client.post("/graphql", json={"query": QUERY_REPORT}, headers=read)
        assert report.json()["data"]["campaigns"]["totalCount"] > 0, report.text


async def test_twenty_refused_large_requests_of_each_kind_leave_memory_where_it_was(
    served: Served,
) -> None:
    figures: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=served.server.url, timeout=60) as client:
        await _warm_up(client, served.tokens)
        figures["baseline"] = baseline = _resident_mb(served.pid)
        for kind, refusal in refusals().items():
            headers = _headers(refusal, served.tokens)
            for _ in range(REPEATS):
                _assert_refused(
                    await client.post("/graphql", content=refusal.body, headers=headers), refusal
                )
            # Answered after the last refusal: that request is over in the server, too.
            assert (await client.get("/healthz")).status_code == 200
            figures[kind] = _resident_mb(served.pid)
            shown = ", ".join(f"{name}: {mb:.1f} MB" for name, mb in figures.items())
            print(f"resident memory: {shown}")
            assert figures[kind] - baseline <= RSS_BOUND_MB, (
                f"{REPEATS} refused requests ({kind}) left the server at {figures[kind]:.1f} MB, "
                f"over {RSS_BOUND_MB:.0f} MB above its {baseline:.1f} MB baseline ({shown})"
            )
