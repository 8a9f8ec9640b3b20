"""HTTP hardening: security headers everywhere, no CORS, a body limit, JSON-only mutations, and
coded errors for whatever escapes a handler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from backend.api.limits import MAX_REQUEST_BYTES
from backend.models import Message
from backend.security import CONTENT_SECURITY_POLICY, CORS_ORIGINS_ENV
from backend.web import graphiql_html
from tests.factories import load_hierarchy, message, token
from tests.graphql_client import http_client, post

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
MUTATION = "mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted } }"
QUERY = "{ campaigns { totalCount } }"


def assert_hardened(response: httpx.Response) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert len(headers["x-request-id"]) == 32
    assert "access-control-allow-origin" not in headers


def test_the_policy_allows_only_own_assets_and_no_inline_script() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


async def test_every_kind_of_response_carries_the_security_headers(db: str) -> None:
    await load_hierarchy()
    secret = await token()
    async with http_client() as client:
        responses = [
            await client.get("/"),
            await client.get("/main.js"),
            await client.get("/no-such-file"),
            await client.get("/healthz"),
            await client.get("/auth/me"),
            await client.get("/graphql", headers={"Accept": "text/html"}),
            await client.get("/graphql", params={"query": QUERY}),
            await post(client, QUERY, token=secret),
            await post(client, QUERY),
            await client.post("/graphql", content=b"{", headers={"Content-Type": "text/plain"}),
            await client.request("DELETE", "/graphql"),
        ]
    statuses = [r.status_code for r in responses]
    private = [r for r in responses if r.request.url.path.startswith(("/graphql", "/auth/"))]
    assert len(private) == 7
    for response in private:
        assert response.headers["cache-control"] == "no-store"
    assert "no-store" not in responses[1].headers.get("cache-control", "")  # /main.js
    assert statuses == [200, 200, 404, 200, 401, 200, 200, 200, 200, 415, 405]
    for response in responses:
        assert_hardened(response)


class _PageAudit(HTMLParser):
    """Finds what the policy would block: inline scripts, handlers, inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        self.problems += [f"{tag} {name}=" for name in names if name.startswith("on")]
        if "style" in names:
            self.problems.append(f"{tag} style=")
        for name, value in attrs:
            if name in ("href", "src") and value and not value.startswith("/"):
                self.problems.append(f"{tag} {name}={value} is not the app's own")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline script text")


@pytest.mark.parametrize(
    "page",
    [(FRONTEND / "index.html").read_text(), graphiql_html()],
    ids=["web app", "GraphiQL"],
)
def test_the_pages_need_nothing_the_policy_forbids(page: str) -> None:
    audit = _PageAudit()
    audit.feed(page)
    assert audit.problems == []


async def test_https_responses_carry_strict_transport_security(db: str) -> None:
    async with http_client() as client:
        plain = await client.get("/healthz")
        secure = await client.get("https://testserver/healthz")
    assert "strict-transport-security" not in plain.headers
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_no_cross_origin_access_unless_configured(db: str) -> None:
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with http_client() as client:
        answered = await client.options("/graphql", headers=preflight)
        simple = await client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert answered.status_code == 405
    for response in (answered, simple):
        assert "access-control-allow-origin" not in response.headers


async def test_configured_origins_and_only_those_get_cors(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CORS_ORIGINS_ENV, "https://reports.example, https://admin.example")
    preflight = {"Access-Control-Request-Method": "POST"}
    async with http_client() as client:
        allowed = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://reports.example"}
        )
        refused = await client.options(
            "/graphql", headers={**preflight, "Origin": "https://evil.example"}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://reports.example"
    assert "access-control-allow-credentials" not in allowed.headers
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert_hardened(refused)


async def test_a_declared_oversized_body_is_refused_before_it_is_read(db: str) -> None:
    secret = await token_for_writes()
    body = b'{"query": "' + b" " * MAX_REQUEST_BYTES + b'{ __typename }"}'
    async with http_client() as client:
        response = await client.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "REQUEST_TOO_LARGE", "maxBytes": MAX_REQUEST_BYTES}
    assert str(MAX_REQUEST_BYTES) in error["message"]
    assert_hardened(response)


async def test_a_streamed_oversized_body_is_refused_too(db: str) -> None:
    secret = await token_for_writes()
    chunk = b" " * 65_536

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "'
        for _ in range(MAX_REQUEST_BYTES // len(chunk) + 2):
            yield chunk
        yield b'{ __typename }"}'

    async with http_client() as client:
        response = await client.post(
            "/graphql",
            content=chunks(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_body_within_the_limit_is_served(db: str) -> None:
    secret = await token_for_writes()
    padding = " " * (MAX_REQUEST_BYTES - 1000)
    async with http_client() as client:
        response = await post(client, padding + "{ viewer { canWrite } }", token=secret)
    assert response.json() == {"data": {"viewer": {"canWrite": True}}}


async def token_for_writes() -> str:
    await load_hierarchy()
    return await token(write=True)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"query=mutation+%7B+x+%7D"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="q"'),
        ("text/plain", b'{"query": "mutation { x }"}'),
        ("application/jsonp", b'{"query": "mutation { x }"}'),
        ("", b'{"query": "mutation { x }"}'),
    ],
    ids=["form", "multipart", "text", "look-alike", "none"],
)
async def test_mutations_are_accepted_only_as_json(db: str, content_type: str, body: bytes) -> None:
    secret = await token_for_writes()
    # What a cross-site form would try to smuggle: a complete mutation in a non-JSON request.
    document = (
        b'{"query": "mutation { recordMessages(messages: [{externalId: \\"m-1\\", '
        b'campaignId: \\"cmp-org\\", centerId: \\"c-pune\\", guestId: \\"g\\", '
        b'sentAt: \\"2026-03-01T10:00:00Z\\", outcome: PROCESSED, credits: \\"1\\"}]) '
        b'{ inserted } }"}'
    )
    headers = {"Authorization": f"Bearer {secret}"}
    if content_type:
        headers["Content-Type"] = content_type
    async with http_client() as client:
        refused = await client.post("/graphql", content=body, headers=headers)
        smuggled = await client.post("/graphql", content=document, headers=headers)
        accepted = await client.post(
            "/graphql", content=document, headers={**headers, "Content-Type": "application/json"}
        )
    for response in (refused, smuggled):
        assert response.status_code == 415
        assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert accepted.json() == {"data": {"recordMessages": {"inserted": 1}}}
    assert await Message.all().count() == 1


async def test_a_mutation_over_get_is_refused_with_a_code(db: str) -> None:
    secret = await token_for_writes()
    async with http_client() as client:
        response = await client.get(
            "/graphql",
            params={"query": MUTATION, "variables": '{"m": []}'},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "MUTATION_REQUIRES_POST"
    assert await Message.all().count() == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "BAD_REQUEST"),
        (b'{"query": 42}', 400, "BAD_REQUEST"),
        (b'{"query": "{ viewer { canWrite } }", "variables": []}', 400, "BAD_REQUEST"),
        (b"{}", 400, "BAD_REQUEST"),
    ],
    ids=["broken JSON", "query not a string", "variables not an object", "no query"],
)
async def test_malformed_requests_get_coded_json(
    db: str, body: bytes, status: int, code: str
) -> None:
    secret = await token_for_writes()
    async with http_client() as client:
        response = await client.post(
            "/graphql",
            content=body,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_a_failure_outside_the_schema_is_masked_with_the_request_id(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(request: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("backend.api.view.authenticate", broken)
    async with http_client() as client:
        response = await post(client, QUERY, token="crt_x")
    assert response.status_code == 500
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": response.headers["x-request-id"],
    }
    assert "secret internals" not in response.text
    assert_hardened(response)


async def test_an_unreachable_database_outside_the_schema_is_unavailable(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(request: object) -> None:
        raise ConnectionRefusedError("connect call failed ('127.0.0.1', 5432)")

    monkeypatch.setattr("backend.api.view.authenticate", unreachable)
    async with http_client() as client:
        response = await post(client, QUERY, token="crt_x")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert "5432" not in response.text


async def test_an_unreachable_database_inside_the_schema_is_unavailable(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_hierarchy()

    async def unreachable(*args: object) -> None:
        raise ConnectionResetError("connection reset by peer")

    monkeypatch.setattr("backend.campaigns.usage_and_totals", unreachable)
    async with http_client() as client:
        response = await post(client, QUERY, token=await token())
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "UNAVAILABLE",
        "requestId": response.headers["x-request-id"],
    }


@pytest.mark.parametrize(
    ("query", "variables", "code", "limit", "phrase"),
    [
        (
            "query { " + " ".join(f"a{i}: viewer {{ canWrite }}" for i in range(31)) + " }",
            {},
            "GRAPHQL_VALIDATION_FAILED",
            {"maxAliases": 30, "aliases": 31},
            "Allowed: 30",
        ),
        (
            "query { viewer { " + "canWrite " * 5_001 + "} }",
            {},
            "GRAPHQL_PARSE_FAILED",
            {"maxTokens": 5_000},
            "more than 5000 tokens",
        ),
        ("{ campaigns(first: 201) { totalCount } }", {}, "PAGE_SIZE_TOO_LARGE", {}, "at most 200"),
        (
            "{ campaigns(first: 200) { edges { node { dateBreakdown { date } } } } }",
            {},
            "QUERY_TOO_COSTLY",
            {"maxCost": 10_000},
            "at most 10000",
        ),
        (
            MUTATION,
            {"m": [message(f"m-{i}") for i in range(10_001)]},
            "BATCH_TOO_LARGE",
            {},
            "at most 10000 messages",
        ),
    ],
    ids=["aliases", "tokens", "page size", "cost", "batch size"],
)
async def test_every_exceeded_limit_gets_a_code_naming_it(
    db: str,
    query: str,
    variables: dict[str, object],
    code: str,
    limit: dict[str, int],
    phrase: str,
) -> None:
    secret = await token_for_writes()
    async with http_client() as client:
        response = await post(client, query, variables, token=secret)
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert {name: error["extensions"][name] for name in limit} == limit
    assert phrase in error["message"]
    assert await Message.all().count() == 0
