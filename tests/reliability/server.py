"""A real `credit-report serve` process on a loopback port, for the tests that kill it."""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from backend.auth import create_token
from backend.db import close_database, open_database
from backend.importer import apply_document
from tests.factories import ORG, hierarchy

SERVE = [sys.executable, "-c", "from backend.cli import main; main()", "serve"]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """Starts, waits for `/healthz`, and stops (gently or with SIGKILL) one server process."""

    def __init__(self, database_url: str, log: Path, port: int | None = None) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *SERVE,
                *("--port", str(self.port), "--database-url", self.database_url),
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise AssertionError(f"server exited: {self.log.read_text()[-3000:]}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        await self.kill()
        raise AssertionError(f"server did not start: {self.log.read_text()[-3000:]}")

    async def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback but the database's own."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await asyncio.wait_for(self.process.wait(), 10)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                await self.kill()


async def seed(database_url: str, **token_options: Any) -> str:
    """Load the factories' organization and return a write token for it."""
    await open_database(database_url)
    try:
        await apply_document(hierarchy())
        _, secret = await create_token(ORG, can_write=True, **token_options)
    finally:
        await close_database()
    return secret
