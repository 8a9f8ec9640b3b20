"""What docs/operations.md tells operators, checked: behind a TLS proxy that the app trusts,
session cookies are Secure and HSTS is sent (and not when the proxy is not trusted); a backup
restored into a new database gives the same report."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from backend.app import create_app
from backend.settings import Settings
from backend.users import create_user
from tests.conftest import (
    BACKEND,
    POSTGRES_SERVER,
    _create_postgres_database,
    _drop_postgres_database,
)
from tests.factories import ORG, hierarchy, load_hierarchy, message
from tests.live_server import live_server
from tests.test_cli import numbers

EMAIL = "ops@example.com"
PASSWORD = "a-long-enough-password"
CLI = [sys.executable, "-c", "from backend.cli import main; main()"]


async def _sign_in_through_proxy(settings: Settings) -> httpx.Response:
    """Signs in over plain HTTP from 127.0.0.1 with the headers a TLS proxy adds."""
    await load_hierarchy()
    await create_user(EMAIL, PASSWORD, ORG, None, None)
    async with AsyncExitStack() as stack:
        app = create_app(settings, manage_database=False)
        host, port = await stack.enter_async_context(live_server(settings, app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://{host}:{port}")
        )
        return await client.post(
            "/auth/login",
            json={"email": EMAIL, "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
        )


async def test_behind_a_trusted_tls_proxy_cookies_are_secure_and_hsts_is_sent(db: str) -> None:
    settings = Settings(database_url="unused://", trusted_proxies=("127.0.0.1",))
    response = await _sign_in_through_proxy(settings)
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "httponly" in cookie
    assert "strict-transport-security" in response.headers


async def test_an_untrusted_proxy_gets_no_secure_cookie(db: str) -> None:
    response = await _sign_in_through_proxy(Settings(database_url="unused://"))
    assert response.status_code == 200
    assert "; secure" not in response.headers["set-cookie"].lower()
    assert "strict-transport-security" not in response.headers


def _cli(*args: str, database_url: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_REPORT_")}
    result = subprocess.run(
        [*CLI, *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore take it."""
    return url.replace("postgres://", "postgresql://", 1)


def test_a_backup_restored_into_a_new_database_gives_the_same_report(
    database_url: str, tmp_path: Path
) -> None:
    document = tmp_path / "data.json"
    rows = [
        message(f"m-{i}", guest_id=f"g-{i % 7}", credits=f"{i % 5}.{i % 10}") for i in range(1, 200)
    ]
    rows += [message("m-nyc", campaign_id="cmp-nyc", center_id="c-nyc", credits="0.0001")]
    document.write_text(json.dumps(hierarchy(messages=rows)))
    _cli("import", str(document), database_url=database_url)
    before = numbers(database_url)
    listed = _cli("organizations", "list", database_url=database_url)

    if BACKEND == "sqlite":
        live = urlsplit(database_url).path
        backup = tmp_path / "backup.db"
        # The online backup of docs/operations.md: consistent while a server writes.
        subprocess.run(["sqlite3", live, f".backup '{backup}'"], check=True, timeout=60)
        restored_file = tmp_path / "restored" / "report.db"
        restored_file.parent.mkdir()
        shutil.copy(backup, restored_file)
        _same_report(f"sqlite://{restored_file}", before, listed)
        return
    dump = tmp_path / "backup.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _libpq(database_url)],
        check=True,
        timeout=120,
    )
    name = f"test_cr_restored_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_postgres_database(name))
    try:
        restored = f"{POSTGRES_SERVER}/{name}"
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_libpq(restored)}", str(dump)],
            check=True,
            timeout=120,
        )
        _same_report(restored, before, listed)
    finally:
        asyncio.run(_drop_postgres_database(name))


def _same_report(restored: str, before: dict[str, Any], listed: str) -> None:
    assert _cli("migrate", database_url=restored).strip() == "The database schema is up to date."
    assert numbers(restored) == before
    assert _cli("organizations", "list", database_url=restored) == listed
