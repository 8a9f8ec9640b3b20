"""Ways to reach the API in tests: the schema directly, or HTTP through the ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from backend.api.context import Context
from backend.api.schema import schema
from backend.app import create_app
from backend.principal import Principal
from backend.settings import Settings


async def execute(
    query: str, variables: dict[str, Any] | None = None, *, principal: Principal
) -> dict[str, Any]:
    """Run through the schema; raise on any error so a test sees it."""
    result = await schema.execute(
        query,
        variable_values=variables,
        context_value=Context(request=None, response=None, principal=principal),
    )
    if result.errors:
        raise AssertionError([e.original_error or e for e in result.errors])
    assert result.data is not None
    return result.data


@asynccontextmanager
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url="unused://"), manage_database=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
