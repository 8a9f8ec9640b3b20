"""`./dev demo` installs only what running needs, asks the database whether the demo is there
(on SQLite and on PostgreSQL, whose missing database it creates), and `--fresh` deletes only a
SQLite file.

The script runs in a copy of the checkout whose `.venv/bin/python` records pip's installs
instead of making them and runs this environment's Python for everything else."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND, POSTGRES_SERVER, _drop_postgres_database
from tests.reliability.server import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in ("dev", "pyproject.toml"):
        (copy / name).write_bytes((ROOT / name).read_bytes())
    (copy / "dev").chmod(0o755)
    for folder in ("backend", "frontend"):
        (copy / folder).symlink_to(ROOT / folder)
    bin_dir = copy / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text(
        "#!/bin/bash\n"
        'if [ "$1" = -m ] && [ "$2" = pip ]; then echo "$*" >> "$(dirname "$0")/pip.log"; '
        "exit 0; fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    (bin_dir / "credit-report").write_text(
        f'#!/bin/bash\nexec {sys.executable} -c "from backend.cli import main; main()" "$@"\n'
    )
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    return copy


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """None: the demo's own SQLite file; on PostgreSQL a database that does not exist yet."""
    if BACKEND == "sqlite":
        yield None
        return
    name = f"test_cr_demo_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        asyncio.run(_drop_postgres_database(name))


def _environment(database_url: str | None, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_REPORT_")}
    env["CREDIT_REPORT_PORT"] = str(port)
    if database_url is not None:
        env["CREDIT_REPORT_DATABASE_URL"] = database_url
    return env


def _demo(checkout: Path, database_url: str | None) -> str:
    """Runs `./dev demo` until it serves, stops it; returns what it printed."""
    port = free_port()
    log = checkout / f"demo-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["./dev", "demo"],
            cwd=checkout,
            env=_environment(database_url, port),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=2) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise AssertionError(log.read_text())
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                raise AssertionError(f"the demo did not start: {log.read_text()}")
            assert client.get("/").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
    return log.read_text()


def test_demo_seeds_once_and_installs_only_what_running_needs(
    checkout: Path, database_url: str | None
) -> None:
    first = _demo(checkout, database_url)
    assert "Seeded organization org-serenity with " in first
    assert "API token: crt_" in first
    if database_url is not None:
        assert "Created the PostgreSQL database test_cr_demo_" in first
    installs = (checkout / ".venv" / "bin" / "pip.log").read_text().splitlines()
    assert installs == ["-m pip install --quiet --disable-pip-version-check -e ."]

    second = _demo(checkout, database_url)
    assert "The demo organization org-serenity already has " in second
    assert "Seeded organization" not in second
    assert "Created the PostgreSQL database" not in second
    # Installed once: the stamp of this pyproject.toml stands.
    assert len((checkout / ".venv" / "bin" / "pip.log").read_text().splitlines()) == 1


def test_fresh_deletes_only_a_sqlite_demo_file(checkout: Path, database_url: str | None) -> None:
    port = free_port()
    if database_url is not None:
        (checkout / "demo.db").write_text("not the database in use")
        fresh = subprocess.run(
            ["./dev", "demo", "--fresh"],
            cwd=checkout,
            env=_environment(database_url, port),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert fresh.returncode == 2
        assert fresh.stderr.strip().splitlines()[-1] == (
            "./dev demo --fresh deletes only a SQLite demo file; empty the PostgreSQL "
            "database yourself (dropdb, then createdb)"
        )
        assert (checkout / "demo.db").read_text() == "not the database in use"
        return
    _demo(checkout, None)
    (checkout / "unrelated.db").write_text("kept")
    log = checkout / "fresh.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["./dev", "demo", "--fresh"],
            cwd=checkout,
            env=_environment(None, port),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "Serving on" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Seeded organization org-serenity with " in log.read_text()
    # Each demo run creates a token: the first run's went with the deleted file.
    tokens = subprocess.run(
        [sys.executable, "-c", "from backend.cli import main; main()", "token", "list"],
        cwd=checkout,
        env=_environment(f"sqlite://{checkout / 'demo.db'}", port),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert len(tokens.stdout.strip().splitlines()) == 2  # the header and one token
    assert (checkout / "unrelated.db").read_text() == "kept"
