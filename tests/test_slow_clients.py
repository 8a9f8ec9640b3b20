"""Slow clients are cut off: a request head must arrive within the header timeout (the server
closes the connection) and a body within the body timeout (408 `REQUEST_TIMEOUT`). Real
sockets against a real uvicorn server configured as `serve` configures it."""

from __future__ import annotations

import asyncio
import json

from backend.app import create_app
from backend.settings import Settings
from tests.live_server import live_server

HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
# Scheduling on a busy machine: how much later than its deadline a cut-off may come.
SLACK = 3.0
SETTINGS = Settings(
    database_url="unused://", header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT
)
HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n\r\n"


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (reading what it sends)."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


async def test_a_client_dribbling_its_request_head_is_disconnected() -> None:
    async with live_server(SETTINGS, create_app(SETTINGS, manage_database=False)) as address:
        reader, writer = await asyncio.open_connection(*address)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent = 0
        closed = False
        try:
            for byte in HEAD:  # one byte a second, as a slowloris client sends
                writer.write(bytes([byte]))
                await writer.drain()
                sent += 1
                if await _closed_within(reader, 1.0):
                    closed = True
                    break
        except ConnectionError:
            closed = True
        elapsed = loop.time() - started
        writer.close()
    assert closed
    assert sent < len(HEAD)  # cut off before the head was complete
    assert HEADER_TIMEOUT - 0.5 <= elapsed <= HEADER_TIMEOUT + SLACK, elapsed


async def test_a_connection_that_sends_nothing_is_closed() -> None:
    async with live_server(SETTINGS, create_app(SETTINGS, manage_database=False)) as address:
        reader, writer = await asyncio.open_connection(*address)
        closed = await _closed_within(reader, HEADER_TIMEOUT + SLACK)
        writer.close()
    assert closed


async def test_a_kept_alive_connection_is_not_cut_between_or_during_requests() -> None:
    async with live_server(SETTINGS, create_app(SETTINGS, manage_database=False)) as address:
        reader, writer = await asyncio.open_connection(*address)
        answers = []
        for _ in range(2):
            writer.write(HEAD)
            await writer.drain()
            answers.append(await reader.readuntil(b'{"status":"ok"}'))
            # Idle for longer than the header timeout, shorter than uvicorn's keep-alive (5 s).
            await asyncio.sleep(HEADER_TIMEOUT + 0.5)
        writer.close()
    assert all(answer.startswith(b"HTTP/1.1 200 OK") for answer in answers)


async def test_a_body_that_dribbles_in_gets_408_and_the_connection_is_closed() -> None:
    body = json.dumps({"email": "slow@example.com", "password": "x" * 60}).encode()
    head = (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    async with live_server(SETTINGS, create_app(SETTINGS, manage_database=False)) as address:
        reader, writer = await asyncio.open_connection(*address)
        loop = asyncio.get_running_loop()
        writer.write(head)
        await writer.drain()
        started = loop.time()
        answer = b""
        try:
            for byte in body:  # two bytes a second: it would take half a minute
                writer.write(bytes([byte]))
                await writer.drain()
                try:
                    async with asyncio.timeout(0.5):
                        answer += await reader.read(4096)
                except TimeoutError:
                    continue
                if answer:
                    break
        except ConnectionError:
            pass
        elapsed = loop.time() - started
        closed = await _closed_within(reader, SLACK)
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout"
    assert b"connection: close" in headers.lower()
    assert json.loads(payload)["error"]["code"] == "REQUEST_TIMEOUT"
    assert BODY_TIMEOUT - 0.5 <= elapsed <= BODY_TIMEOUT + SLACK, elapsed
    assert closed


async def test_a_body_sent_in_pieces_within_the_timeout_is_served() -> None:
    body = b'{"email": "a@example.com"}'
    head = (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    async with live_server(SETTINGS, create_app(SETTINGS, manage_database=False)) as address:
        reader, writer = await asyncio.open_connection(*address)
        writer.write(head + body[:10])
        await writer.drain()
        await asyncio.sleep(BODY_TIMEOUT / 2)
        writer.write(body[10:])
        await writer.drain()
        answer = await reader.readuntil(b"}}")
        writer.close()
    # The handler read the whole body: it says the password is missing.
    assert answer.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Give an email and a password." in answer
