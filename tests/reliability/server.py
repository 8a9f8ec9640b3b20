"""A real `credit-report serve` process on a loopback port, for the tests that kill it."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from pathlib import Path

import httpx

from tests.factories import ORG, hierarchy

CLI = [sys.executable, "-c", "from backend.cli import main; main()"]
SERVE = [*CLI, "serve"]
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


async def seed(database_url: str, tmp_path: Path) -> str:
    """Load the factories' organization and return a write token for it, through the command
    line: a separate process, like the server, so this process's own ORM state (set up for
    whichever database the other tests use) is left alone."""
    document = tmp_path / "organization.json"
    document.write_text(json.dumps(hierarchy()))
    for command in (
        ["import", str(document)],
        ["token", "create", "--organization", ORG, "--write"],
    ):
        process = await asyncio.create_subprocess_exec(
            *CLI, *command, "--database-url", database_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
        assert process.returncode == 0, err.decode()
    return out.decode().splitlines()[-1]
