"""A real uvicorn server, configured as `credit-report serve` configures it, in the test's own
event loop: clients reach it over loopback sockets, and it shares the test's database."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette

from backend.server import server_config
from backend.settings import Settings

START_TIMEOUT = 10.0


@asynccontextmanager
async def live_server(settings: Settings, app: Starlette) -> AsyncIterator[tuple[str, int]]:
    """Yields the server's (host, port)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    # No logging configuration: uvicorn's own would point handlers at pytest's captured streams.
    server = uvicorn.Server(server_config(settings, app, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(START_TIMEOUT):
            while not server.started:
                if serving.done():
                    serving.result()
                    raise AssertionError("the server stopped before it started")
                await asyncio.sleep(0.01)
        yield host, port
    finally:
        server.should_exit = True
        await serving
        listener.close()
