"""Sign-in is rate limited per account and per address, and says nothing about accounts."""

from __future__ import annotations

import pytest

from backend import web
from tests.factories import load_hierarchy
from tests.graphql_client import http_client

ALLOWED = 4


@pytest.fixture(autouse=True)
def fresh_throttles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "throttle", web.SignInThrottle())
    # A small allowance keeps the test quick: each failure costs a full password hash.
    monkeypatch.setattr(web, "address_throttle", web.SignInThrottle(ALLOWED))


async def test_one_address_guessing_many_accounts_is_throttled(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        answers = [
            await client.post(
                "/auth/login", json={"email": f"guess-{i}@example.com", "password": "x" * 10}
            )
            for i in range(ALLOWED)
        ]
        refused = await client.post(
            "/auth/login", json={"email": "fresh@example.com", "password": "x" * 10}
        )
    assert {a.status_code for a in answers} == {401}
    # Unknown accounts and wrong passwords answer alike.
    assert {a.json()["error"]["code"] for a in answers} == {"INVALID_CREDENTIALS"}
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert int(refused.headers["retry-after"]) > 0
