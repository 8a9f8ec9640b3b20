"""The browser suite's world: a server on a seeded database, headless Chromium, an API client.

The server is the real `credit-report serve`, started once for the session on a free port
against a temporary SQLite file filled by `credit-report seed --demo` (small) plus a zone user
and a read token, so the suite checks what a person would see against what the API answers.
Chromium is Debian's (`apt-get install chromium`); Playwright's own browser download is never
used. Outside CI a missing Chromium skips the suite; in CI (CI=true) it fails it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from backend import demo
from tests.conftest import fresh_database_url

CHROMIUM = Path(os.environ.get("CREDIT_REPORT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CLI = [sys.executable, "-c", "from backend.cli import main; main()"]
SEED_MESSAGES = "4000"
SEED_DAYS = "120"

ORG_EMAIL, ORG_PASSWORD = demo.DEMO_EMAIL, demo.DEMO_PASSWORD
ZONE_EMAIL, ZONE_PASSWORD, ZONE_ID = "west@example.com", "west-password", "zone-west"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives Chromium is marked `browser` (`-m "not browser"` skips them)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def _cli(*args: str, database_url: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [*CLI, *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"credit-report {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    base_url: str
    token: str
    # An organization token created with --write, for tests that record credit transactions.
    write_token: str = ""

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, write: bool = False
    ) -> dict[str, Any]:
        """What the API answers an integrator with a read token: the reference for the UI."""
        response = httpx.post(
            f"{self.base_url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.write_token if write else self.token}"},
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("web")
    # The server runs on the database this test run is for: SQLite, or a fresh PostgreSQL one.
    with fresh_database_url(folder) as database_url:
        yield from _serve(folder, database_url)


def _serve(folder: Path, database_url: str) -> Iterator[Server]:
    _cli(
        "seed",
        "--demo",
        "--messages",
        SEED_MESSAGES,
        "--days",
        SEED_DAYS,
        database_url=database_url,
    )
    _cli(
        "user", "create", "--email", ZONE_EMAIL, "--organization", demo.ORGANIZATION_ID,
        "--zone", ZONE_ID, "--password-stdin",
        database_url=database_url, stdin=ZONE_PASSWORD + "\n",
    )  # fmt: skip
    token = (
        _cli("token", "create", "--organization", demo.ORGANIZATION_ID, database_url=database_url)
        .strip()
        .splitlines()[-1]
    )
    write_token = (
        _cli(
            "token",
            "create",
            "--organization",
            demo.ORGANIZATION_ID,
            "--write",
            database_url=database_url,
        )
        .strip()
        .splitlines()[-1]
    )
    port = _free_port()
    log = (folder / "server.log").open("w")
    env = {**os.environ, "CREDIT_REPORT_SECRET_KEY": "browser-suite-secret-" + "0" * 32}
    process = subprocess.Popen(
        [*CLI, "serve", "--database-url", database_url, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start:\n{(folder / 'server.log').read_text()}"
                )
            time.sleep(0.2)
        yield Server(base_url=base_url, token=token, write_token=write_token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# Per module, not per session: the sync API keeps an event loop running in this thread while
# it is open, and pytest-asyncio cannot start the async tests that run after the browser tests.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: Path) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Offline:
    """Every request the page tried to send anywhere but this machine (each one aborted)."""

    attempted: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.attempted.append(route.request.url)
            route.abort()


@pytest.fixture
def offline() -> Offline:
    return Offline()


def _new_context(browser: Browser, offline: Offline, **options: Any) -> BrowserContext:
    context = browser.new_context(accept_downloads=True, **options)
    context.set_default_timeout(15_000)
    context.route(re.compile(r".*"), offline.route)
    return context


@pytest.fixture
def context(browser: Browser, offline: Offline) -> Iterator[BrowserContext]:
    context = _new_context(browser, offline, viewport={"width": 1366, "height": 900})
    yield context
    context.close()
    assert offline.attempted == [], f"requests beyond the app: {offline.attempted}"


@pytest.fixture
def phone_context(browser: Browser, offline: Offline) -> Iterator[BrowserContext]:
    context = _new_context(
        browser, offline, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context
    context.close()
    assert offline.attempted == [], f"requests beyond the app: {offline.attempted}"


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A Content-Security-Policy violation is a bug even when the page still looks right.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert errors == [], f"JavaScript errors or CSP violations: {errors}"


@pytest.fixture
def sized_page(browser: Browser, offline: Offline) -> Iterator[Callable[[int, int], Page]]:
    """Pages at a given viewport (`sized_page(1280, 800)`); below 500 px wide, a touch phone.
    Like `page`, JavaScript errors and requests beyond the app fail the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_page(width: int, height: int) -> Page:
        phone = width < 500
        context = _new_context(
            browser,
            offline,
            viewport={"width": width, "height": height},
            is_mobile=phone,
            has_touch=phone,
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"
    assert offline.attempted == [], f"requests beyond the app: {offline.attempted}"


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
