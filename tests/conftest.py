"""Fixtures: a fresh database per test, on SQLite or PostgreSQL (CREDIT_REPORT_TEST_DATABASE).

`CREDIT_REPORT_TEST_DATABASE=sqlite` (default) uses SQLite; `CREDIT_REPORT_TEST_DATABASE=postgres`
uses a new database on the server named by `CREDIT_REPORT_TEST_POSTGRES_URL` (default
postgres://postgres@127.0.0.1:5432), created for the test and dropped after it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from tortoise.context import tortoise_test_context

from backend.db import MODELS_MODULE

BACKEND = os.environ.get("CREDIT_REPORT_TEST_DATABASE", "sqlite")
POSTGRES_SERVER = os.environ.get(
    "CREDIT_REPORT_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"
)


def _postgres_url() -> tuple[str, str]:
    name = f"test_cr_{uuid.uuid4().hex[:12]}"
    return f"{POSTGRES_SERVER}/{name}", name


async def _drop_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def _create_postgres_database(name: str) -> None:
    connection = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


@pytest.fixture
async def db() -> AsyncIterator[str]:
    """An empty schema (from the models) in a database of its own, connected for this test."""
    if BACKEND == "sqlite":
        async with tortoise_test_context([MODELS_MODULE], db_url="sqlite://:memory:"):
            yield "sqlite://:memory:"
        return
    if BACKEND != "postgres":
        raise pytest.UsageError(
            f"CREDIT_REPORT_TEST_DATABASE must be sqlite or postgres: {BACKEND}"
        )
    url, name = _postgres_url()
    try:
        async with tortoise_test_context([MODELS_MODULE], db_url=url):
            yield url
    finally:
        await _drop_postgres_database(name)


@contextmanager
def fresh_database_url(folder: Path) -> Iterator[str]:
    """A URL for an empty database of this run's kind, for another process to open."""
    if BACKEND == "sqlite":
        yield f"sqlite://{folder / 'report.db'}"
        return
    url, name = _postgres_url()
    asyncio.run(_create_postgres_database(name))
    try:
        yield url
    finally:
        asyncio.run(_drop_postgres_database(name))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL for an empty database that a separate process (the CLI, a server) can open."""
    with fresh_database_url(tmp_path) as url:
        yield url
