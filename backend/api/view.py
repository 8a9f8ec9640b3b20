"""The `/graphql` endpoint: authentication into the context, errors into coded responses.

Only two kinds of request reach the schema: `GET` (queries and the GraphiQL page) and `POST`
with `Content-Type: application/json`. Everything a browser can send cross-site without a CORS
preflight (form posts, `text/plain`, multipart) is refused before authentication, so the
session cookie can never carry a mutation another site wrote. Refusals are coded JSON, like
every other error of the API.
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
# Without a principal only introspection runs (backend/api/gate.py); GraphiQL's introspection
# query is about 2 KB, so a larger anonymous body is refused before it is parsed as JSON.
MAX_ANONYMOUS_BODY_BYTES = 64 * 1024

_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def _refusal(status: int, code: str, message: str, **headers: str) -> Response:
    return Response(
        error_body("/graphql", status, code, message),
        status_code=status,
        media_type=JSON_MEDIA_TYPE,
        headers={"Cache-Control": "no-store", **headers},
    )


class GraphQLView(GraphQL[Context, None]):
    def __init__(self) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        response = self._refuse_transport(request)
        if response is None:
            # Authenticated before the body is parsed: an anonymous request never makes the
            # server build a large JSON value, let alone coerce it.
            request.state.principal = await authenticate(request)
            if request.state.principal is None and request.method == "POST":
                response = await self._refuse_large_anonymous_body(request)
        if response is None:
            try:
                response = await self.run(request)
            except HTTPException as error:
                status = error.status_code
                code = _CODE_BY_STATUS.get(status, "BAD_REQUEST")
                if request.method == "GET" and "mutation" in error.reason.lower():
                    code = "MUTATION_REQUIRES_POST"
                response = _refusal(status, code, error.reason)
        await response(scope, receive, send)

    def _refuse_transport(self, request: Request) -> Response | None:
        if request.method not in ALLOWED_METHODS:
            return _refusal(
                405,
                "METHOD_NOT_ALLOWED",
                "GraphQL is served over GET (queries) and POST (queries and mutations).",
                Allow=", ".join(ALLOWED_METHODS),
            )
        if request.method == "POST":
            media_type, _ = parse_content_type(request.headers.get("content-type", ""))
            if media_type != JSON_MEDIA_TYPE:
                return _refusal(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "Send GraphQL requests as POST with Content-Type: application/json.",
                )
        return None

    @staticmethod
    async def _refuse_large_anonymous_body(request: Request) -> Response | None:
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
        data: dict[str, Any] = {"data": result.data}
        if result.errors:
            data["errors"] = [format_error(error, request_id) for error in result.errors]
            release_errors(result.errors)
            if any(e["extensions"]["code"] == "UNAVAILABLE" for e in data["errors"]):
                # The database is unreachable: tell clients and proxies to retry, as the
                # middleware does when the outage is hit before execution.
                sub_response = getattr(request.state, "sub_response", None)
                if isinstance(sub_response, Response):
                    sub_response.status_code = 503
                    sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if result.extensions:
            data["extensions"] = result.extensions
        return data  # type: ignore[return-value]
