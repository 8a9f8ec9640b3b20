"""`credit-report serve` refuses to start with a weak session key or an unusable setting, each
with a one-line reason; with no key at all (the demo) it starts and warns."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.reliability.server import SERVE, Server, free_port

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _serve_once(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """Runs `serve` and expects it to exit by itself (a refusal comes before any listening)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_REPORT_")}
    return subprocess.run(
        [*SERVE, "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**env, "CREDIT_REPORT_DATABASE_URL": f"sqlite://{tmp_path / 'x.db'}", **environment},
    )


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("change-me", "is a well-known placeholder"),
        ("changeme", "is a well-known placeholder"),
        ("secret", "is a well-known placeholder"),
        ("", "is empty"),
        ("a-31-character-key-is-too-short", "is shorter than 32 characters"),
        ("ab" * 20, "repeats too few characters"),
    ],
)
def test_serve_refuses_a_weak_secret_key(tmp_path: Path, key: str, reason: str) -> None:
    result = _serve_once(tmp_path, CREDIT_REPORT_SECRET_KEY=key)
    assert result.returncode != 0
    assert result.stderr.startswith(f"credit-report: error: CREDIT_REPORT_SECRET_KEY {reason};")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching the database


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CREDIT_REPORT_TRUSTED_PROXIES", "10.0.0.1, proxy.internal"),
        ("CREDIT_REPORT_HEADER_TIMEOUT", "soon"),
        ("CREDIT_REPORT_BODY_TIMEOUT", "0"),
    ],
)
def test_serve_refuses_an_unusable_setting(tmp_path: Path, name: str, value: str) -> None:
    result = _serve_once(tmp_path, CREDIT_REPORT_SECRET_KEY=STRONG_KEY, **{name: value})
    assert result.returncode != 0
    assert result.stderr.startswith(f"credit-report: error: {name}")
    assert result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("key", [None, STRONG_KEY], ids=["unset", "strong"])
async def test_serve_starts_with_a_strong_key_or_none(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    if key is None:
        monkeypatch.delenv("CREDIT_REPORT_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("CREDIT_REPORT_SECRET_KEY", key)
    server = Server(database_url, tmp_path / "server.log")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            health = await client.get("/healthz")
    finally:
        await server.stop()
    warned = "CREDIT_REPORT_SECRET_KEY is not set" in (tmp_path / "server.log").read_text()
    assert health.status_code == 200
    assert warned == (key is None)


def test_docker_compose_requires_a_secret_key() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "CREDIT_REPORT_SECRET_KEY: ${CREDIT_REPORT_SECRET_KEY:?" in compose
    assert "change-me" not in compose
