"""Page cursors are opaque, tamper-evident and bound to the reader's scope and the ordering."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from backend.api.context import Context
from backend.api.errors import format_error
from backend.api.schema import schema
from backend.app import create_app
from backend.principal import Principal
from backend.settings import Settings
from tests.factories import ORG, OTHER_ORG, load_hierarchy, message, record, token
from tests.graphql_client import post

ORG_PRINCIPAL = Principal(ORG)
BY_CREDITS = {"field": "CREDITS_CONSUMED", "direction": "DESC"}
BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

QUERY_PAGE = """
query Page($orderBy: CampaignOrder, $first: Int, $after: String) {
  campaigns(orderBy: $orderBy, first: $first, after: $after) {
    pageInfo { hasNextPage startCursor endCursor }
    edges { cursor node { id creditsConsumed } }
  }
}
"""

# Edge cursors asked for through a fragment only, and the page info not at all.
QUERY_CURSORS_IN_A_FRAGMENT = """
query Page($first: Int, $after: String) {
  campaigns(first: $first, after: $after) { edges { ...Edge } }
}
fragment Edge on CampaignEdge { ... on CampaignEdge { cursor } node { id } }
"""


async def seed() -> None:
    """cmp-org 12345.6789 credits, cmp-west 2, cmp-nyc 1 (org-1); cmp-x 3 (org-2)."""
    await load_hierarchy()
    await record(
        message("a", credits="12345.6789"),
        message("b", campaign_id="cmp-west", credits="2"),
        message("c", campaign_id="cmp-nyc", center_id="c-nyc", credits="1"),
        message("d", campaign_id="cmp-x", center_id="c-x", credits="3"),
    )


async def run(query: str, principal: Principal, **variables: Any) -> dict[str, Any]:
    """The response as a client sees it: errors formatted, and never an internal one."""
    result = await schema.execute(
        query,
        variable_values=variables,
        context_value=Context(request=None, response=None, principal=principal),
    )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [format_error(e, "request-id") for e in result.errors]
    return response


def code_of(response: dict[str, Any]) -> str | None:
    errors = response.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def raw_bytes(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def spelled(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def first_cursor(principal: Principal = ORG_PRINCIPAL, **order: str) -> str:
    response = await run(QUERY_PAGE, principal, orderBy=order or BY_CREDITS, first=1)
    assert "errors" not in response, response
    cursor: str = response["data"]["campaigns"]["pageInfo"]["endCursor"]
    return cursor


async def test_a_cursor_reveals_no_campaign_id_or_credits(db: str) -> None:
    await seed()
    response = await run(QUERY_PAGE, ORG_PRINCIPAL, orderBy=BY_CREDITS, first=1)
    page = response["data"]["campaigns"]
    assert page["edges"][0]["node"] == {"id": "cmp-org", "creditsConsumed": "12345.6789"}
    cursors = {page["pageInfo"]["endCursor"], page["edges"][0]["cursor"]}
    by_name = await first_cursor(field="NAME", direction="ASC")
    for cursor in [*cursors, by_name]:
        for text in (cursor.encode(), raw_bytes(cursor)):
            for secret in (b"cmp-org", b"123456789", b"12345.6789", b"12345", b"anniversary"):
                assert secret not in text.lower()


async def test_any_changed_character_or_byte_of_a_cursor_is_refused(db: str) -> None:
    await seed()
    cursor = await first_cursor()
    accepted = await run(QUERY_PAGE, ORG_PRINCIPAL, orderBy=BY_CREDITS, first=1, after=cursor)
    assert "errors" not in accepted, accepted
    changed = {
        cursor[:i] + BASE64_ALPHABET[(BASE64_ALPHABET.index(c) + 1) % 64] + cursor[i + 1 :]
        for i, c in enumerate(cursor)
    }
    raw = raw_bytes(cursor)
    changed |= {spelled(raw[:i] + bytes([b ^ 1]) + raw[i + 1 :]) for i, b in enumerate(raw)}
    changed |= {cursor[:-1], cursor + "A", cursor + "=", cursor + "%", "=" + cursor, "x"}
    assert cursor not in changed
    for tampered in sorted(changed):
        response = await run(QUERY_PAGE, ORG_PRINCIPAL, orderBy=BY_CREDITS, first=1, after=tampered)
        assert code_of(response) == "INVALID_CURSOR", (tampered, response)


@pytest.mark.parametrize(
    ("reader", "order"),
    [
        pytest.param(Principal(OTHER_ORG), BY_CREDITS, id="another organization"),
        pytest.param(Principal(ORG, zone_id="zone-w"), BY_CREDITS, id="a zone of it"),
        pytest.param(Principal(ORG, center_id="c-nyc"), BY_CREDITS, id="a center of it"),
        pytest.param(ORG_PRINCIPAL, {**BY_CREDITS, "direction": "ASC"}, id="another direction"),
        pytest.param(ORG_PRINCIPAL, {"field": "PROCESSED", "direction": "DESC"}, id="another key"),
    ],
)
async def test_a_cursor_is_refused_in_another_scope_or_ordering(
    db: str, reader: Principal, order: dict[str, str]
) -> None:
    await seed()
    cursor = await first_cursor()
    response = await run(QUERY_PAGE, reader, orderBy=order, first=1, after=cursor)
    assert code_of(response) == "INVALID_CURSOR", response
    # The same scope is enough: a colleague (another user or token of it) can follow the link.
    colleague = Principal(ORG, actor="user:2")
    shared = await run(QUERY_PAGE, colleague, orderBy=BY_CREDITS, first=1, after=cursor)
    assert shared["data"]["campaigns"]["edges"][0]["node"]["id"] == "cmp-west"


@asynccontextmanager
async def app_client(secret_key: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url="unused://", secret_key=secret_key)
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_an_app_with_the_same_secret_key_accepts_the_cursor(db: str) -> None:
    await seed()
    secret = await token()
    variables = {"orderBy": BY_CREDITS, "first": 1}
    async with app_client("shared-secret") as first_app:
        first_page = (await post(first_app, QUERY_PAGE, variables, token=secret)).json()
    cursor = first_page["data"]["campaigns"]["pageInfo"]["endCursor"]
    async with app_client("shared-secret") as second_app:
        next_page = await post(second_app, QUERY_PAGE, {**variables, "after": cursor}, token=secret)
    assert next_page.json()["data"]["campaigns"]["edges"][0]["node"]["id"] == "cmp-west"
    async with app_client("another-secret") as other_app:
        refused = await post(other_app, QUERY_PAGE, {**variables, "after": cursor}, token=secret)
    assert refused.status_code == 200
    assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_every_edge_cursor_resumes_right_after_its_campaign(db: str) -> None:
    await seed()
    response = await run(QUERY_CURSORS_IN_A_FRAGMENT, ORG_PRINCIPAL, first=3)
    edges = response["data"]["campaigns"]["edges"]
    ids = [e["node"]["id"] for e in edges]
    assert ids == ["cmp-org", "cmp-west", "cmp-nyc"]
    for i, edge in enumerate(edges):
        assert edge["cursor"]
        rest = await run(QUERY_CURSORS_IN_A_FRAGMENT, ORG_PRINCIPAL, after=edge["cursor"])
        assert [e["node"]["id"] for e in rest["data"]["campaigns"]["edges"]] == ids[i + 1 :]
