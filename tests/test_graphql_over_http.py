"""GraphQL over HTTP: `Accept` negotiation and the status codes of each media type.

`application/json` keeps the legacy rules (200 and a `data` entry for every GraphQL response);
`application/graphql-response+json` answers request errors with a 4xx and no `data`. Either
way every error keeps its `extensions.code`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.api.view import preferred_media_type
from tests.factories import load_hierarchy, token
from tests.graphql_client import http_client

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
GRAPHQL_RESPONSE_CONTENT_TYPE = "application/graphql-response+json; charset=utf-8"
# What a client that prefers the newer type and still reads the older one sends.
MODERN_ACCEPT = "application/graphql-response+json, application/json;q=0.9"

QUERY_TOTAL = "query Total { campaigns { totalCount } }"
QUERY_PAGE = "query Page($first: Int!) { campaigns(first: $first) { totalCount } }"
QUERY_WINDOW = """
query Window($start: Date!, $end: Date!) {
  campaigns(dateRange: {start: $start, end: $end}) { totalCount }
}
"""


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (JSON, JSON),
        ("application/json; charset=utf-8", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        (MODERN_ACCEPT, GRAPHQL_RESPONSE),
        # At equal quality the one listed first; otherwise the higher quality wins.
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", JSON),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("application/graphql-response+json;q=0.5, */*;q=0.4", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, */*", JSON),
        # The most specific range decides: q=0 refuses that type even under a wildcard.
        ("application/graphql-response+json;q=0, */*", JSON),
        # Refusing JSON under a wildcard leaves the newer type acceptable.
        ("application/json;q=0, */*", GRAPHQL_RESPONSE),
        ("application/json;q=0, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON),
        ("text/html", None),
        ("application/xml, text/plain", None),
        ("application/json;q=bogus", None),
    ],
)
def test_accept_negotiation(accept: str, chosen: str | None) -> None:
    assert preferred_media_type(accept) == chosen


async def _post(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    *,
    accept: str | None,
    auth: str | None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    if accept is not None:
        headers["Accept"] = accept
    return await client.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE_CONTENT_TYPE),
        (MODERN_ACCEPT, GRAPHQL_RESPONSE_CONTENT_TYPE),
    ],
)
async def test_a_successful_query_is_answered_in_the_accepted_media_type(
    db: str, accept: str | None, content_type: str
) -> None:
    await load_hierarchy()
    async with http_client() as client:
        response = await _post(client, {"query": QUERY_TOTAL}, accept=accept, auth=await token())
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.json() == {"data": {"campaigns": {"totalCount": 3}}}


# (name, body, authenticated, code, status under application/graphql-response+json)
REQUEST_ERRORS: list[tuple[str, dict[str, Any], bool, str, int]] = [
    ("document does not parse", {"query": "{"}, True, "GRAPHQL_PARSE_FAILED", 400),
    (
        "document does not validate",
        {"query": "{ campaigns { cost } }"},
        True,
        "GRAPHQL_VALIDATION_FAILED",
        400,
    ),
    (
        "variable missing",
        {"query": QUERY_PAGE, "variables": {"first": None}},
        True,
        "BAD_USER_INPUT",
        400,
    ),
    (
        "variable of the wrong type",
        {"query": QUERY_PAGE, "variables": {"first": "ten"}},
        True,
        "BAD_USER_INPUT",
        400,
    ),
    (
        "scalar refuses a variable",
        {"query": QUERY_WINDOW, "variables": {"start": "2026-02-30", "end": "2026-03-01"}},
        True,
        "BAD_USER_INPUT",
        400,
    ),
    (
        "operation too costly",
        {
            "query": """{ campaigns(first: 200) { edges { node {
            dateBreakdown(dateRange: {start: "2025-01-01", end: "2026-01-01"}) { date }
            } } } }"""
        },
        True,
        "QUERY_TOO_COSTLY",
        400,
    ),
    ("anonymous report", {"query": QUERY_TOTAL}, False, "UNAUTHENTICATED", 401),
]


@pytest.mark.parametrize(
    ("body", "authenticated", "code", "status"),
    [pytest.param(b, a, c, s, id=name) for name, b, a, c, s in REQUEST_ERRORS],
)
async def test_request_errors_are_4xx_without_data_in_the_graphql_response_type(
    db: str, body: dict[str, Any], authenticated: bool, code: str, status: int
) -> None:
    await load_hierarchy()
    auth = await token() if authenticated else None
    async with http_client() as client:
        response = await _post(client, body, accept=MODERN_ACCEPT, auth=auth)
    assert response.status_code == status
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_CONTENT_TYPE
    document = response.json()
    assert "data" not in document
    assert document["errors"][0]["extensions"]["code"] == code
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("accept", [None, "*/*", JSON])
@pytest.mark.parametrize(
    ("body", "authenticated", "code"),
    [pytest.param(b, a, c, id=name) for name, b, a, c, _ in REQUEST_ERRORS],
)
async def test_request_errors_stay_200_with_null_data_in_json(
    db: str, body: dict[str, Any], authenticated: bool, code: str, accept: str | None
) -> None:
    await load_hierarchy()
    auth = await token() if authenticated else None
    async with http_client() as client:
        response = await _post(client, body, accept=accept, auth=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert "www-authenticate" not in response.headers
    document = response.json()
    assert document["data"] is None
    assert document["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize("accept", [JSON, MODERN_ACCEPT])
async def test_field_errors_are_200_with_data_in_both_types(db: str, accept: str) -> None:
    """An error raised while executing is not a request error: the operation ran."""
    await load_hierarchy()
    body = {"query": QUERY_WINDOW, "variables": {"start": "2026-03-02", "end": "2026-03-01"}}
    async with http_client() as client:
        response = await _post(client, body, accept=accept, auth=await token())
    assert response.status_code == 200
    document = response.json()
    assert "data" in document
    assert document["errors"][0]["extensions"]["code"] == "INVALID_DATE_RANGE"
    assert document["errors"][0]["path"] == ["campaigns"]


async def test_an_outage_keeps_partial_data_2xx_only_in_the_graphql_response_type(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_hierarchy()

    async def unreachable(*args: object) -> None:
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr("backend.api.resolvers.campaign_in_scope", unreachable)
    body = {"query": '{ viewer { canWrite } campaign(id: "cmp-1") { id } }'}
    async with http_client() as client:
        secret = await token()
        modern = await _post(client, body, accept=MODERN_ACCEPT, auth=secret)
        legacy = await _post(client, body, accept=JSON, auth=secret)
    # Data the client can use must come with a 2xx in the newer type.
    assert modern.status_code == 200
    assert modern.json()["data"] == {"viewer": {"canWrite": False}, "campaign": None}
    assert modern.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    # application/json clients keep the 503 and its Retry-After.
    assert legacy.status_code == 503
    assert legacy.headers["retry-after"] == "5"
    assert legacy.json()["data"] == modern.json()["data"]


async def test_an_outage_without_data_is_503_in_both_types(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_hierarchy()

    async def unreachable(*args: object) -> None:
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr("backend.campaigns.usage_and_totals", unreachable)
    async with http_client() as client:
        secret = await token()
        for accept in (JSON, MODERN_ACCEPT):
            response = await _post(client, {"query": QUERY_TOTAL}, accept=accept, auth=secret)
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        ('{ "not a JSON', JSON, 400, "BAD_REQUEST"),
        ('{"qeury": "{ __typename }"}', JSON, 400, "BAD_REQUEST"),
        ('{"query": "{ __typename }", "variables": [7]}', JSON, 400, "BAD_REQUEST"),
        ("query=%7B__typename%7D", "application/x-www-form-urlencoded", 415, None),
    ],
)
async def test_malformed_requests_keep_their_status_and_lose_data_in_the_graphql_response_type(
    db: str, content: str, content_type: str, status: int, code: str | None
) -> None:
    async with http_client() as client:
        modern = await client.post(
            "/graphql",
            content=content,
            headers={"Content-Type": content_type, "Accept": MODERN_ACCEPT},
        )
        legacy = await client.post(
            "/graphql", content=content, headers={"Content-Type": content_type}
        )
    for response in (modern, legacy):
        assert response.status_code == status
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == (code or "UNSUPPORTED_MEDIA_TYPE")
    assert modern.headers["content-type"] == GRAPHQL_RESPONSE_CONTENT_TYPE
    assert "data" not in modern.json()
    assert legacy.headers["content-type"] == JSON
    assert legacy.json()["data"] is None


async def test_a_mutation_over_get_is_405_in_the_graphql_response_type(db: str) -> None:
    await load_hierarchy()
    params = {"query": "mutation { recordMessages(messages: []) { inserted } }"}
    async with http_client() as client:
        secret = await token(write=True)
        modern = await client.get(
            "/graphql",
            params=params,
            headers={"Authorization": f"Bearer {secret}", "Accept": GRAPHQL_RESPONSE},
        )
        legacy = await client.get(
            "/graphql", params=params, headers={"Authorization": f"Bearer {secret}"}
        )
    assert modern.status_code == 405
    assert modern.headers["allow"] == "POST"
    assert "data" not in modern.json()
    assert modern.json()["errors"][0]["extensions"]["code"] == "MUTATION_REQUIRES_POST"
    assert legacy.status_code == 400
    assert legacy.json()["errors"][0]["extensions"]["code"] == "MUTATION_REQUIRES_POST"


async def test_a_query_over_get_is_negotiated_too(db: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        response = await client.get(
            "/graphql",
            params={"query": QUERY_TOTAL},
            headers={"Authorization": f"Bearer {await token()}", "Accept": GRAPHQL_RESPONSE},
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_CONTENT_TYPE
    assert response.json() == {"data": {"campaigns": {"totalCount": 3}}}


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
async def test_an_accept_allowing_neither_json_type_is_406(db: str, accept: str) -> None:
    await load_hierarchy()
    async with http_client() as client:
        response = await _post(client, {"query": QUERY_TOTAL}, accept=accept, auth=await token())
    assert response.status_code == 406
    assert response.headers["content-type"] == JSON
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "NOT_ACCEPTABLE"
    assert GRAPHQL_RESPONSE in error["message"]


async def test_graphiql_is_still_served_to_a_browser(db: str) -> None:
    async with http_client() as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_a_large_anonymous_body_is_401_without_data_in_the_graphql_response_type(
    db: str,
) -> None:
    body = {"query": QUERY_TOTAL, "variables": {"padding": "x" * 70_000}}
    async with http_client() as client:
        response = await _post(client, body, accept=GRAPHQL_RESPONSE, auth=None)
    assert response.status_code == 401
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_CONTENT_TYPE
    assert "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
