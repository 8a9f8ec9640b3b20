"""The GraphQL-over-HTTP audit of the `graphql-http` package, run against a real server.

`tests/http_audit/` is a small Node project pinning `graphql-http`; its `audit.mjs` runs every
server audit and prints one line each, then a JSON summary. A served `credit-report` must pass
them all: no error (a MUST broken) and no warning (a SHOULD broken). `npm ci` runs once and
its `node_modules` stays (git-ignored) until the lock file changes.

Needs Node.js 18 or newer (global `fetch`) and npm: without them a developer's machine skips
this test, CI (`CI=true`) fails it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.factories import ORG, hierarchy
from tests.reliability.server import CLI, START_TIMEOUT, Server

AUDIT_PROJECT = Path(__file__).parent / "http_audit"
NPM_CI_TIMEOUT = 300.0
AUDIT_TIMEOUT = 120.0
MIN_NODE_MAJOR = 18


def _missing_tool(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI runs the GraphQL-over-HTTP audit: {reason}")
    pytest.skip(reason)


def _node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _missing_tool("node and npm are needed (apt-get install nodejs npm)")
    assert node is not None and npm is not None
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match[1]) < MIN_NODE_MAJOR:
        _missing_tool(f"Node.js {MIN_NODE_MAJOR} or newer is needed, found {version}")
    return node, npm


def _locked_packages(lock_file: Path) -> dict[str, Any]:
    packages: dict[str, Any] = json.loads(lock_file.read_text())["packages"]
    return {
        path: (entry.get("version"), entry.get("integrity"))
        for path, entry in packages.items()
        if path  # "" is the project itself
    }


def _installed(project: Path) -> bool:
    """Whether node_modules holds exactly what package-lock.json pins (npm keeps a copy of
    the lock it installed in node_modules/.package-lock.json)."""
    installed = project / "node_modules" / ".package-lock.json"
    if not installed.exists():
        return False
    return _locked_packages(installed) == _locked_packages(project / "package-lock.json")


@pytest.fixture(scope="module")
def audit_command() -> list[str]:
    node, npm = _node()
    if not _installed(AUDIT_PROJECT):
        installing = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=AUDIT_PROJECT,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
        )
        assert installing.returncode == 0, installing.stderr[-3000:]
        assert _installed(AUDIT_PROJECT)
    return [node, str(AUDIT_PROJECT / "audit.mjs")]


async def _cli(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *CLI, *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_served_app_passes_the_graphql_over_http_audit(
    audit_command: list[str], database_url: str, tmp_path: Path
) -> None:
    document = tmp_path / "organization.json"
    document.write_text(json.dumps(hierarchy()))
    await _cli("import", str(document), "--database-url", database_url)
    # A read token: the audit sends no mutation that should run.
    created = await _cli("token", "create", "--organization", ORG, "--database-url", database_url)
    read_token = created.splitlines()[-1]

    server = Server(database_url, tmp_path / "server.log")
    await server.start()
    try:
        process = await asyncio.create_subprocess_exec(
            *audit_command, f"{server.url}/graphql", read_token,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), AUDIT_TIMEOUT)
    finally:
        await server.stop()

    report = out.decode()
    assert process.returncode in (0, 1), f"the audit did not run: {err.decode()}\n{report}"
    counts = json.loads(report.splitlines()[-1])
    failed = [line for line in report.splitlines()[:-1] if not line.startswith("ok ")]
    assert counts["error"] == 0, "\n".join(failed)
    assert counts["warn"] == 0, "\n".join(failed)
    # Every audit of the pinned version ran and passed: a silent change in the list shows.
    assert counts == {"ok": 61, "notice": 0, "warn": 0, "error": 0}, report
    assert process.returncode == 0
