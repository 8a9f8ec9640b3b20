"""Scope (§4) through HTTP and real tokens: nothing outside the principal's scope, anywhere."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import OTHER_ORG, load_hierarchy, message, record, token
from tests.graphql_client import http_client, post

QUERY_EVERYTHING = """
query Everything($zoneId: ID, $centerId: ID) {
  viewer { organization { id } zones { id name } centers { id name } creditSources { id name } }
  campaigns(zoneId: $zoneId, centerId: $centerId, first: 20) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    edges { node {
      id name targetedGuests processed creditsConsumed
      centerBreakdown { center { id name } targetedGuests processed creditsConsumed }
      dateBreakdown { date targetedGuests processed creditsConsumed }
    } }
  }
}
"""

QUERY_ONE = """
query One($id: ID!) { campaign(id: $id) { id centerBreakdown { center { id } } } }
"""


async def seed() -> None:
    await load_hierarchy()
    await record(
        message("p1", center_id="c-pune", guest_id="g-pune", credits="1"),
        message("m1", center_id="c-mumbai", guest_id="g-mumbai", credits="10"),
        message(
            "n1",
            center_id="c-nyc",
            guest_id="g-nyc",
            credits="100",
            sent_at="2026-03-01T10:00:00-05:00",
        ),
        message(
            "n2",
            campaign_id="cmp-nyc",
            center_id="c-nyc",
            guest_id="g-nyc2",
            credits="1000",
            sent_at="2026-03-01T10:00:00-05:00",
        ),
        message(
            "x1",
            campaign_id="cmp-x",
            center_id="c-x",
            guest_id="g-x",
            credits="7",
            sent_at="2026-03-01T10:00:00Z",
        ),
    )


async def everything(secret: str, **variables: Any) -> dict[str, Any]:
    async with http_client() as client:
        response = await post(client, QUERY_EVERYTHING, variables, token=secret)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_a_center_token_sees_only_its_center(db: str) -> None:
    await seed()
    data = await everything(await token(center="c-mumbai"))
    text = json.dumps(data)
    for foreign in ("c-pune", "c-nyc", "Pune", "New York", "g-pune", "cmp-nyc", "SoHo", "c-x"):
        assert foreign not in text
    assert [c["id"] for c in data["viewer"]["centers"]] == ["c-mumbai"]
    campaigns = {e["node"]["id"]: e["node"] for e in data["campaigns"]["edges"]}
    assert set(campaigns) == {"cmp-org", "cmp-west"}
    assert campaigns["cmp-org"]["creditsConsumed"] in ("10", "10.0000")
    assert campaigns["cmp-org"]["targetedGuests"] == 1
    assert data["campaigns"]["totals"]["creditsConsumed"] in ("10", "10.0000")
    for node in campaigns.values():
        assert {r["center"]["id"] for r in node["centerBreakdown"]} <= {"c-mumbai"}


async def test_a_zone_token_sees_only_its_zone(db: str) -> None:
    await seed()
    data = await everything(await token(zone="zone-w"))
    campaigns = {e["node"]["id"]: e["node"] for e in data["campaigns"]["edges"]}
    assert set(campaigns) == {"cmp-org", "cmp-west"}
    assert campaigns["cmp-org"]["creditsConsumed"] in ("11", "11.0000")
    assert [z["id"] for z in data["viewer"]["zones"]] == ["zone-w"]
    assert "c-nyc" not in json.dumps(data)


async def test_an_organization_token_sees_nothing_of_another_organization(db: str) -> None:
    await seed()
    data = await everything(await token())
    text = json.dumps(data)
    for foreign in ("cmp-x", "c-x", "Rival", "g-x", OTHER_ORG):
        assert foreign not in text
    assert data["campaigns"]["totals"]["creditsConsumed"] in ("1111", "1111.0000")
    other = await everything(await token(OTHER_ORG))
    assert [e["node"]["id"] for e in other["campaigns"]["edges"]] == ["cmp-x"]
    assert "org-1" not in json.dumps(other)


async def test_outside_the_scope_answers_as_if_it_did_not_exist(db: str) -> None:
    await seed()
    secret = await token(center="c-mumbai")
    async with http_client() as client:
        hidden = (await post(client, QUERY_ONE, {"id": "cmp-nyc"}, token=secret)).json()
        missing = (await post(client, QUERY_ONE, {"id": "cmp-nope"}, token=secret)).json()
        foreign = (await post(client, QUERY_ONE, {"id": "cmp-x"}, token=secret)).json()
        narrowed = await post(client, QUERY_EVERYTHING, {"centerId": "c-pune"}, token=secret)
        unknown = await post(client, QUERY_EVERYTHING, {"centerId": "c-nope"}, token=secret)
    assert hidden == missing == foreign == {"data": {"campaign": None}}
    hidden_error = narrowed.json()["errors"][0]
    missing_error = unknown.json()["errors"][0]
    assert hidden_error["extensions"] == missing_error["extensions"] == {"code": "NOT_FOUND"}
    assert hidden_error["message"].replace("c-pune", "?") == missing_error["message"].replace(
        "c-nope", "?"
    )


async def test_an_organization_principal_may_narrow_to_a_zone(db: str) -> None:
    await seed()
    data = await everything(await token(), zoneId="zone-us")
    campaigns = {e["node"]["id"]: e["node"] for e in data["campaigns"]["edges"]}
    assert set(campaigns) == {"cmp-org", "cmp-nyc"}
    assert campaigns["cmp-org"]["creditsConsumed"] in ("100", "100.0000")


async def test_a_read_token_cannot_write(db: str) -> None:
    await load_hierarchy()
    mutation = """mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted } }"""
    async with http_client() as client:
        response = await post(client, mutation, {"m": [message("m-1")]}, token=await token())
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_center_write_token_cannot_write_for_another_center(db: str) -> None:
    await load_hierarchy()
    mutation = """mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted } }"""
    secret = await token(center="c-mumbai", write=True)
    async with http_client() as client:
        rejected = await post(client, mutation, {"m": [message("m-1")]}, token=secret)
        accepted = await post(
            client, mutation, {"m": [message("m-2", center_id="c-mumbai")]}, token=secret
        )
    error = rejected.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_MESSAGES"
    assert error["extensions"]["rows"] == [{"index": 0, "reason": 'unknown center "c-pune"'}]
    assert accepted.json() == {"data": {"recordMessages": {"inserted": 1}}}
