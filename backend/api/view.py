"""The `/graphql` endpoint: authentication into the context, errors into coded responses."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from backend.api.context import Context
from backend.api.errors import format_error
from backend.api.schema import schema
from backend.auth import authenticate
from backend.web import graphiql_html


class GraphQLView(GraphQL[Context, None]):
    def __init__(self) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        # Strawberry's own page loads its scripts from a CDN; this one is served offline.
        return HTMLResponse(graphiql_html())

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        assert isinstance(request, Request) and isinstance(response, Response)
        request.state.request_id = uuid.uuid4().hex
        return Context(request=request, response=response, principal=await authenticate(request))

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        request_id: str = getattr(request.state, "request_id", "") or uuid.uuid4().hex
        data: dict[str, Any] = {"data": result.data}
        if result.errors:
            data["errors"] = [format_error(error, request_id) for error in result.errors]
        if result.extensions:
            data["extensions"] = result.extensions
        return data  # type: ignore[return-value]
