"""Sessions and users in-process (no server, no browser): expiry, scope, password rules.

They sit with the browser suite because they belong to the web app's sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from itsdangerous import TimestampSigner

from backend.app import create_app
from backend.errors import NotFound, ProductError
from backend.importer import apply_document
from backend.models import Session, User
from backend.sessions import COOKIE_NAME
from backend.settings import Settings
from backend.users import authenticate_user, create_user
from tests.factories import ORG, hierarchy

EMAIL, PASSWORD = "ops@example.com", "correct horse"
SECRET_KEY = "test-secret-key"


@asynccontextmanager
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url="unused://", secret_key=SECRET_KEY)
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _signed_in(client: httpx.AsyncClient) -> str:
    response = await client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    return response.cookies[COOKIE_NAME]


@pytest.fixture
async def user(db: str) -> User:
    await apply_document(hierarchy(), actor="test")
    return await create_user(EMAIL, PASSWORD, ORG, "zone-w", None)


async def _me(client: httpx.AsyncClient, cookie: str) -> int:
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, cookie)
    return (await client.get("/auth/me")).status_code


async def test_an_expired_session_is_refused(user: User) -> None:
    async with http_client() as client:
        cookie = await _signed_in(client)
        assert await _me(client, cookie) == 200
        await Session.filter(user_id=user.id).update(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        assert await _me(client, cookie) == 401


class _SignedLongAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(datetime.now(UTC).timestamp()) - 13 * 3600


async def test_a_cookie_signed_more_than_12_hours_ago_is_refused(user: User) -> None:
    async with http_client() as client:
        cookie = await _signed_in(client)
        secret = cookie.rsplit(".", 2)[0]
        fresh = TimestampSigner(SECRET_KEY, salt="credit-report.session").sign(secret).decode()
        stale = _SignedLongAgo(SECRET_KEY, salt="credit-report.session").sign(secret).decode()
        assert await _me(client, fresh) == 200
        assert await _me(client, stale) == 401


async def test_the_session_carries_the_users_scope(user: User) -> None:
    async with http_client() as client:
        await _signed_in(client)
        body = (
            await client.post("/graphql", json={"query": "{ viewer { scopeKind zone { id } } }"})
        ).json()
        assert body["data"]["viewer"] == {"scopeKind": "ZONE", "zone": {"id": "zone-w"}}


async def test_user_rules(db: str) -> None:
    await apply_document(hierarchy(), actor="test")
    with pytest.raises(ProductError) as short:
        await create_user(EMAIL, "short", ORG, None, None)
    assert short.value.code == "WEAK_PASSWORD"
    with pytest.raises(ProductError) as bad_email:
        await create_user("not-an-email", PASSWORD, ORG, None, None)
    assert bad_email.value.code == "INVALID_EMAIL"
    with pytest.raises(NotFound):
        await create_user(EMAIL, PASSWORD, ORG, "zone-nowhere", None)
    created = await create_user(" Ops@Example.com ", PASSWORD, ORG, None, "c-pune")
    assert created.email == EMAIL and created.center_id == "c-pune"
    assert PASSWORD not in created.password_hash and created.password_hash.startswith("$argon2id$")
    with pytest.raises(ProductError) as again:
        await create_user(EMAIL.upper(), PASSWORD, ORG, None, None)
    assert again.value.code == "USER_EXISTS"
    assert await authenticate_user("OPS@example.com", PASSWORD) is not None
    assert await authenticate_user(EMAIL, "wrong password") is None
    assert await authenticate_user("nobody@example.com", PASSWORD) is None
