"""The `/graphql` endpoint: authentication into the context, errors into coded responses.

Only two kinds of request reach the schema: `GET` (queries and the GraphiQL page) and `POST`
with `Content-Type: application/json`. Everything a browser can send cross-site without a CORS
preflight (form posts, `text/plain`, multipart) is refused before authentication, so the
session cookie can never carry a mutation another site wrote. Refusals are coded JSON, like
every other error of the API.

Answers come in the media type the `Accept` header prefers (GraphQL over HTTP):
`application/json` (the default, and what the web app asks for) keeps the legacy rules: every
GraphQL response is 200 with a `data` entry, only a request that is not GraphQL at all gets a
4xx. `application/graphql-response+json` follows the newer ones: a request error (the document
does not parse or validate, a variable cannot be coerced, a limit refuses the operation, the
request is anonymous) is a 4xx without `data`, so proxies and logs see it from the status
alone. An `Accept` naming neither gets 406.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult

from backend.api.context import Context
from backend.api.errors import format_error, release_errors
from backend.api.schema import schema
from backend.auth import authenticate, unauthenticated
from backend.security import RETRY_AFTER_SECONDS, error_body
from backend.web import graphiql_html

ALLOWED_METHODS = ("GET", "POST")
JSON_MEDIA_TYPE = "application/json"
GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"
# The body is UTF-8 either way; the newer type says so, `application/json` answers keep their
# header byte for byte.
GRAPHQL_RESPONSE_CONTENT_TYPE = f"{GRAPHQL_RESPONSE_MEDIA_TYPE}; charset=utf-8"
# Without a principal only introspection runs (backend/api/gate.py); GraphiQL's introspection
# query is about 2 KB, so a larger anonymous body is refused before it is parsed as JSON.
MAX_ANONYMOUS_BODY_BYTES = 64 * 1024

_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def preferred_media_type(accept: str) -> str | None:
    """The media type to answer in, or None when `accept` allows neither (406).

    No `Accept` (or an empty one) means `application/json`, as clients written before the newer
    type expect. Otherwise the higher quality wins; at equal quality the more specific range
    (`application/json` over `application/*` over `*/*`), then the one listed first. A wildcard
    alone, matching both equally, gets `application/json`: a client that names the newer type
    is one that reads it.
    """
    if not accept.strip():
        return JSON_MEDIA_TYPE
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0  # a malformed weight accepts nothing
        if media_range:
            ranges.append((media_range.lower(), min(max(quality, 0.0), 1.0)))

    def rank(media_type: str) -> tuple[float, int, int] | None:
        kind = media_type.split("/")[0]
        best: tuple[float, int, int] | None = None
        for position, (media_range, quality) in enumerate(ranges):
            specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range)
            if specificity is None:
                continue
            key = (specificity, -position)
            if best is None or key > best[1:]:
                best = (quality, *key)
        if best is None or best[0] <= 0:
            return None
        return best

    json_rank = rank(JSON_MEDIA_TYPE)
    graphql_rank = rank(GRAPHQL_RESPONSE_MEDIA_TYPE)
    if graphql_rank is not None and (json_rank is None or graphql_rank > json_rank):
        return GRAPHQL_RESPONSE_MEDIA_TYPE
    return JSON_MEDIA_TYPE if json_rank is not None else None


def _refusal(
    status: int, code: str, message: str, media_type: str = JSON_MEDIA_TYPE, **headers: str
) -> Response:
    if media_type != GRAPHQL_RESPONSE_MEDIA_TYPE:
        return Response(
            error_body("/graphql", status, code, message),
            status_code=status,
            media_type=JSON_MEDIA_TYPE,
            headers={"Cache-Control": "no-store", **headers},
        )
    # Nothing was executed: the newer media type has no `data` entry then.
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers={
            "Content-Type": GRAPHQL_RESPONSE_CONTENT_TYPE,
            "Cache-Control": "no-store",
            **headers,
        },
    )


def _refusal_of(request: Request, error: HTTPException, media_type: str | None) -> Response:
    """Strawberry's refusals (a body that is not JSON or not a GraphQL request, a mutation over
    GET), coded."""
    status = error.status_code
    code = _CODE_BY_STATUS.get(status, "BAD_REQUEST")
    headers: dict[str, str] = {}
    if request.method == "GET" and "mutation" in error.reason.lower():
        code = "MUTATION_REQUIRES_POST"
        if media_type == GRAPHQL_RESPONSE_MEDIA_TYPE:
            # The newer media type's status for it; `application/json` clients keep their 400.
            status = 405
            headers["Allow"] = "POST"
    return _refusal(status, code, error.reason, media_type or JSON_MEDIA_TYPE, **headers)


class GraphQLView(GraphQL[Context, None]):
    def __init__(self) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media_type = preferred_media_type(", ".join(request.headers.getlist("accept")))
        # Read by `process_result`, which shapes the answer for it.
        request.state.response_media_type = media_type or JSON_MEDIA_TYPE
        response = self._refuse_transport(request, media_type)
        if response is None:
            # Authenticated before the body is parsed: an anonymous request never makes the
            # server build a large JSON value, let alone coerce it.
            request.state.principal = await authenticate(request)
            if request.state.principal is None and request.method == "POST":
                response = await self._refuse_large_anonymous_body(request, media_type)
        if response is None:
            try:
                response = await self.run(request)
            except HTTPException as error:
                response = _refusal_of(request, error, media_type)
            else:
                content_type = response.headers.get("content-type", "")
                if media_type == GRAPHQL_RESPONSE_MEDIA_TYPE and content_type == JSON_MEDIA_TYPE:
                    response.headers["content-type"] = GRAPHQL_RESPONSE_CONTENT_TYPE
        await response(scope, receive, send)

    def _refuse_transport(self, request: Request, media_type: str | None) -> Response | None:
        if request.method not in ALLOWED_METHODS:
            return _refusal(
                405,
                "METHOD_NOT_ALLOWED",
                "GraphQL is served over GET (queries) and POST (queries and mutations).",
                media_type or JSON_MEDIA_TYPE,
                Allow=", ".join(ALLOWED_METHODS),
            )
        # GraphiQL's page is HTML: it is not negotiated between the two JSON types.
        if media_type is None and not self.should_render_graphql_ide(
            self.request_adapter_class(request)
        ):
            return _refusal(
                406,
                "NOT_ACCEPTABLE",
                f"GraphQL answers are {GRAPHQL_RESPONSE_MEDIA_TYPE} or {JSON_MEDIA_TYPE}; "
                "the Accept header allows neither.",
            )
        if request.method == "POST":
            content_type, _ = parse_content_type(request.headers.get("content-type", ""))
            if content_type != JSON_MEDIA_TYPE:
                return _refusal(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "Send GraphQL requests as POST with Content-Type: application/json.",
                    media_type or JSON_MEDIA_TYPE,
                )
        return None

    @staticmethod
    async def _refuse_large_anonymous_body(
        request: Request, media_type: str | None
    ) -> Response | None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_ANONYMOUS_BODY_BYTES:
            too_large = True
        else:  # read (the middleware caps it) and kept by Starlette for the view
            too_large = len(await request.body()) > MAX_ANONYMOUS_BODY_BYTES
        if not too_large:
            return None
        refusal = unauthenticated(request)
        return _refusal(
            401,
            refusal.code,
            f"{refusal} Without a principal only introspection is answered, in at most "
            f"{MAX_ANONYMOUS_BODY_BYTES} bytes.",
            media_type or JSON_MEDIA_TYPE,
        )

    def decode_json(self, data: str | bytes) -> object:
        # orjson: several times faster on a 10,000-message batch; its errors subclass
        # json.JSONDecodeError, which Strawberry turns into a 400.
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        # A center drilldown answers about 1,000 rows: orjson takes a fraction of json's time.
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Strawberry's own page loads its scripts from a CDN; this one is served offline.
        return HTMLResponse(graphiql_html())

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)
        # Set by SecurityMiddleware (and echoed as X-Request-ID); generated here when the view
        # runs without it, as in schema-level tests.
        if not getattr(request.state, "request_id", None):
            request.state.request_id = uuid.uuid4().hex
        request.state.sub_response = response
        principal = getattr(request.state, "principal", None)
        if principal is None and not hasattr(request.state, "principal"):
            principal = await authenticate(request)
        return Context(request=request, response=response, principal=principal)

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        request_id: str = getattr(request.state, "request_id", "") or uuid.uuid4().hex
        media_type = getattr(request.state, "response_media_type", JSON_MEDIA_TYPE)
        sub_response = getattr(request.state, "sub_response", None)
        data: dict[str, Any] = {"data": result.data}
        if result.errors:
            errors = [format_error(error, request_id) for error in result.errors]
            data["errors"] = errors
            release_errors(result.errors)
            codes = {error["extensions"]["code"] for error in errors}
            graphql_response = media_type == GRAPHQL_RESPONSE_MEDIA_TYPE
            if isinstance(sub_response, Response):
                # Data the client already has must not come with a 5xx in the newer media type.
                if "UNAVAILABLE" in codes and (not graphql_response or result.data is None):
                    # The database is unreachable: tell clients and proxies to retry, as the
                    # middleware does when the outage is hit before execution.
                    sub_response.status_code = 503
                    sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                elif graphql_response and _is_request_error(result.data, errors):
                    del data["data"]
                    if "UNAUTHENTICATED" in codes:
                        sub_response.status_code = 401
                        sub_response.headers["WWW-Authenticate"] = "Bearer"
                    else:
                        sub_response.status_code = 400
        if result.extensions:
            data["extensions"] = result.extensions
        return data  # type: ignore[return-value]


def _is_request_error(data: object, errors: list[dict[str, Any]]) -> bool:
    """Whether nothing was executed: the document did not parse or validate, a variable was
    refused, or a guard (authentication, limits) stopped the operation before any resolver ran.
    Errors of execution name the field they came from; these name none."""
    return data is None and all("path" not in error for error in errors)
