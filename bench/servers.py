"""Server processes under test: start on a free port, wait until healthy, sample memory, stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CLI = str(VENV_BIN / "credit-report")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli(*args: str) -> str:
    """Run `credit-report …` and return its standard output; fail loudly with its reason."""
    done = subprocess.run([CLI, *args], capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"credit-report {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


def create_token(database_url: str, organization: str, *extra: str) -> str:
    """A new API token through the CLI (`token create` prints it as its last line)."""
    out = cli(
        "token",
        "create",
        "--database-url",
        database_url,
        "--organization",
        organization,
        "--label",
        "bench",
        *extra,
    )
    return out.strip().splitlines()[-1]


def rss_bytes(pid: int) -> int:
    """Resident set size from /proc (Linux): the larger of the current size (VmRSS) and the
    kernel's own high-water mark (VmHWM), so a peak between two samples is not missed; 0 when
    the process is gone."""
    peak = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    peak = max(peak, int(line.split()[1]) * 1024)
    except OSError:
        pass
    return peak


class RssSampler(threading.Thread):
    """Samples a process's RSS every `interval` seconds for as long as it runs; keeps the max."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.max_bytes = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.max_bytes = max(self.max_bytes, rss_bytes(self.pid))
            self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


class Server:
    """A subprocess serving HTTP on 127.0.0.1:port, with its output in a log file."""

    def __init__(self, name: str, command: list[str], port: int, log: Path) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.sampler: RssSampler | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                self.command,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.sampler = RssSampler(self.process.pid)
        self.sampler.start()
        self._wait_healthy()
        return self

    def _wait_healthy(self, timeout: float = 600.0) -> None:
        # Generous: the product migrates the schema on start, which may backfill derived data.
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early; see {self.log}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become healthy in {timeout:.0f} s; see {self.log}")

    @property
    def max_rss(self) -> int:
        return self.sampler.max_bytes if self.sampler else 0

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.sampler is not None:
            self.sampler.stop()


def product_server(database_url: str, log: Path) -> Server:
    port = free_port()
    command = [CLI, "serve", "--database-url", database_url, "--port", str(port)]
    return Server("credit-report serve", command, port, log)


def floor_server(database_url: str, log: Path) -> Server:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bench.floor",
        "--database-url",
        database_url,
        "--port",
        str(port),
    ]
    return Server("floor", command, port, log)
