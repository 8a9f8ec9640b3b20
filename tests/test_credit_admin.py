"""Web app administrators (`user create --admin`) manage credit accounts with their session
cookie: they record transactions and manage alerts, and nothing else a write token may do. A
cookie's change must come as JSON, by POST, from the app's own origin; other users, and any
other way of sending the same change, get a coded refusal and change nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from backend.errors import ProductError
from backend.models import CreditAlert, CreditTransaction, IngestBatch, Message, User
from backend.users import create_user
from tests.factories import ORG, load_hierarchy, message, token
from tests.graphql_client import http_client, post

PASSWORD = "a-long-password"
# The origin httpx's test client sends requests to: the app's own pages live there.
OWN_ORIGIN = {"Origin": "http://testserver"}

RECORD = """mutation { recordCreditTransactions(transactions: [{externalId: "t-1",
  creditSourceId: "cs-ao", kind: PURCHASE, credits: "250.5",
  occurredAt: "2026-03-01T10:00:00+05:30", note: "Top-up"}]) { inserted } }"""
SET_ALERT = """mutation { setCreditAlert(alert: {creditSourceId: "cs-ao", kind: BALANCE_BELOW,
  threshold: "100"}) { id kind threshold state } }"""
CHANGE_ALERT = """mutation($id: ID!) { setCreditAlert(alert: {id: $id, creditSourceId: "cs-ao",
  kind: BALANCE_BELOW, threshold: "1000"}) { id threshold state } }"""
DELETE_ALERT = "mutation($id: ID!) { deleteCreditAlert(id: $id) }"
VIEWER = "{ viewer { scopeKind canWrite canManageAccounts } }"
BALANCE = '{ creditAccount(creditSourceId: "cs-ao") { balance } }'


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _signed_in(
    client: httpx.AsyncClient, email: str, *, zone: str | None = None, admin: bool = False
) -> None:
    await create_user(email, PASSWORD, ORG, zone, None, admin=admin)
    response = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def _cookie_post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=OWN_ORIGIN if headers is None else headers,
    )
    body: dict[str, Any] = response.json()
    return body


async def _nothing_changed() -> None:
    assert await CreditTransaction.all().count() == 0
    assert await CreditAlert.all().count() == 0


async def test_an_admin_records_transactions_and_manages_alerts_from_the_app(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        await _signed_in(client, "boss@example.com", admin=True)
        viewer = await _cookie_post(client, VIEWER)
        assert viewer == {
            "data": {
                "viewer": {
                    "scopeKind": "ORGANIZATION",
                    "canWrite": False,
                    "canManageAccounts": True,
                }
            }
        }
        recorded = await _cookie_post(client, RECORD)
        assert recorded == {"data": {"recordCreditTransactions": {"inserted": 1}}}
        # A double submit (the same externalId) changes nothing.
        assert (await _cookie_post(client, RECORD))["data"]["recordCreditTransactions"] == {
            "inserted": 0
        }
        balance = await _cookie_post(client, BALANCE)
        assert Decimal(balance["data"]["creditAccount"]["balance"]) == Decimal("250.5")
        created = (await _cookie_post(client, SET_ALERT))["data"]["setCreditAlert"]
        assert (created["kind"], Decimal(created["threshold"]), created["state"]) == (
            "BALANCE_BELOW",
            100,
            "OK",  # 250.5 is not below 100
        )
        changed = await _cookie_post(client, CHANGE_ALERT, {"id": created["id"]})
        assert changed["data"]["setCreditAlert"]["state"] == "FIRING"  # 250.5 < 1000
        deleted = await _cookie_post(client, DELETE_ALERT, {"id": created["id"]})
        assert deleted == {"data": {"deleteCreditAlert": True}}
    assert await CreditAlert.all().count() == 0
    admin = await User.get(email="boss@example.com")
    actors = await IngestBatch.all().values_list("actor", flat=True)
    assert set(actors) == {f"user:{admin.id}"}


async def test_an_admin_cookie_still_cannot_record_messages(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        await _signed_in(client, "boss@example.com", admin=True)
        body = await _cookie_post(
            client,
            "mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted } }",
            {"m": [message("m-1")]},
        )
    assert _codes(body) == ["FORBIDDEN"]
    assert "API token created with --write" in body["errors"][0]["message"]
    assert await Message.all().count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "https://evil.example"}, id="another origin"),
        pytest.param({"Origin": "http://testserver.evil.example"}, id="a look-alike origin"),
        pytest.param({"Origin": "null"}, id="an opaque origin"),
        pytest.param({}, id="no origin at all"),
        pytest.param(
            {"Origin": "http://testserver", "Sec-Fetch-Site": "cross-site"},
            id="the browser says cross-site",
        ),
        pytest.param({"Sec-Fetch-Site": "same-site"}, id="a sibling site"),
    ],
)
async def test_an_admin_cookie_from_elsewhere_changes_nothing(
    db: str, headers: dict[str, str]
) -> None:
    await load_hierarchy()
    async with http_client() as client:
        await _signed_in(client, "boss@example.com", admin=True)
        alert = (await _cookie_post(client, SET_ALERT))["data"]["setCreditAlert"]
        for query, variables in (
            (RECORD, None),
            (SET_ALERT, None),
            (CHANGE_ALERT, {"id": alert["id"]}),
            (DELETE_ALERT, {"id": alert["id"]}),
        ):
            body = await _cookie_post(client, query, variables, headers)
            assert _codes(body) == ["FORBIDDEN"], (query, body)
            assert "same origin" in body["errors"][0]["message"]
        # Reading needs no proof of origin: a page elsewhere cannot read the answer anyway.
        assert "errors" not in await _cookie_post(client, BALANCE, headers=headers)
    assert await CreditTransaction.all().count() == 0
    stored = await CreditAlert.get(id=alert["id"])
    assert stored.threshold_e4 == 100 * 10_000


async def test_an_admin_cookie_mutation_must_be_a_json_post(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        await _signed_in(client, "boss@example.com", admin=True)
        # What a cross-site HTML form can send: refused before anything is parsed.
        form = await client.post("/graphql", data={"query": RECORD}, headers=OWN_ORIGIN)
        assert form.status_code == 415
        assert _codes(form.json()) == ["UNSUPPORTED_MEDIA_TYPE"]
        text = await client.post(
            "/graphql",
            content=json.dumps({"query": RECORD}).encode(),
            headers={**OWN_ORIGIN, "Content-Type": "text/plain"},
        )
        assert text.status_code == 415
        # A link or an image tag: GET never runs a mutation.
        link = await client.get("/graphql", params={"query": RECORD}, headers=OWN_ORIGIN)
        assert link.status_code == 400
        assert _codes(link.json()) == ["MUTATION_REQUIRES_POST"]
    await _nothing_changed()


async def test_other_web_users_get_forbidden_from_every_account_change(db: str) -> None:
    await load_hierarchy()
    for email, zone in (("clerk@example.com", None), ("west@example.com", "zone-w")):
        async with http_client() as client:
            await _signed_in(client, email, zone=zone)
            viewer = (await _cookie_post(client, VIEWER))["data"]["viewer"]
            assert viewer["canManageAccounts"] is False
            for query, variables in (
                (RECORD, None),
                (SET_ALERT, None),
                (DELETE_ALERT, {"id": "1"}),
            ):
                body = await _cookie_post(client, query, variables)
                assert _codes(body) == ["FORBIDDEN"], (email, query, body)
    await _nothing_changed()


async def test_an_admin_flag_on_a_zone_user_grants_nothing(db: str) -> None:
    """`user create` refuses a zone administrator; a row edited by hand gets no rights either."""
    await load_hierarchy()
    with pytest.raises(ProductError) as refused:
        await create_user("west@example.com", PASSWORD, ORG, "zone-w", None, admin=True)
    assert refused.value.code == "INVALID_SCOPE"
    assert not await User.exists(email="west@example.com")
    async with http_client() as client:
        await _signed_in(client, "west@example.com", zone="zone-w")
        await User.filter(email="west@example.com").update(is_admin=True)
        viewer = (await _cookie_post(client, VIEWER))["data"]["viewer"]
        assert (viewer["scopeKind"], viewer["canManageAccounts"]) == ("ZONE", False)
        assert _codes(await _cookie_post(client, RECORD)) == ["FORBIDDEN"]
    await _nothing_changed()


async def test_tokens_keep_their_rights_whatever_the_origin(db: str) -> None:
    """A bearer token is never attached by a browser on its own, so no origin is asked of it;
    `canManageAccounts` follows --write at organization level."""
    await load_hierarchy()
    async with http_client() as client:
        for secret, may in (
            (await token(), False),
            (await token(zone="zone-w", write=True), False),
            (await token(write=True), True),
        ):
            body = (await post(client, VIEWER, token=secret)).json()
            assert body["data"]["viewer"]["canManageAccounts"] is may
        response = await client.post(
            "/graphql",
            json={"query": RECORD},
            headers={
                "Authorization": f"Bearer {await token(write=True)}",
                "Origin": "https://elsewhere.example",
            },
        )
        assert response.json() == {"data": {"recordCreditTransactions": {"inserted": 1}}}
