"""HTTP hardening shared by every route: security headers, request ids, a body size limit, and
coded errors for whatever escapes a handler.

One pure ASGI middleware (not `BaseHTTPMiddleware`, which buffers and re-wraps every response):

- every response carries a Content-Security-Policy that allows only this app's own scripts,
  styles, fonts and images (no inline script, no `eval`, no framing, no foreign connections),
  `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
  and an `X-Request-ID` that the error bodies and the log repeat; answers of the API and the
  sign-in endpoints are `Cache-Control: no-store`, and HTTPS ones carry HSTS;
- a request body larger than `MAX_REQUEST_BYTES` is refused with 413 before it is read whole,
  whether it announces its length or streams it in chunks;
- an exception no handler caught becomes a coded JSON 503 (the database is unreachable) or 500
  (anything else: the detail goes to the log, the client gets only the request id), never
  Starlette's plain-text page.

CORS is off: a browser on another origin can neither read a response nor send a non-simple
request. Deployments that need it list origins in `CREDIT_REPORT_CORS_ORIGINS` (comma-separated),
and only those origins are allowed. Changes made with the session cookie also check
`same_origin`, so they never rest on the cookie's SameSite attribute alone.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.errors import is_outage
from backend.api.limits import MAX_REQUEST_BYTES

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "CORS_ORIGINS_ENV",
    "SECURITY_HEADERS",
    "SecurityMiddleware",
    "cors_origins",
    "error_body",
    "same_origin",
    "with_cors",
]

logger = logging.getLogger("credit_report.http")

CORS_ORIGINS_ENV = "CREDIT_REPORT_CORS_ORIGINS"

# `data:` fonts and images only: GraphiQL's stylesheet embeds its fonts and icons that way.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

REQUEST_ID_HEADER = "X-Request-ID"
# Answers that depend on who asks: no shared cache (a proxy, a browser's back-forward cache)
# may keep one tenant's numbers for the next person.
PRIVATE_PATHS = ("/graphql", "/auth/")
HSTS = "max-age=31536000; includeSubDomains"
RETRY_AFTER_SECONDS = 5


class _BodyTooLarge(Exception):
    pass


def error_body(path: str, status: int, code: str, message: str, **extensions: Any) -> bytes:
    """A coded error in the shape the caller already parses: GraphQL's on `/graphql`, the web
    app's `{"error": {code, message}}` elsewhere."""
    if path.rstrip("/") == "/graphql":
        document: dict[str, Any] = {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
        }
    else:
        document = {"error": {"code": code, "message": message, **extensions}}
    return orjson.dumps(document)


class SecurityMiddleware:
    """Headers, request ids, the body limit and the last line of error handling (see module)."""

    def __init__(self, app: ASGIApp, *, max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        # `request.state.request_id` for the handlers: the GraphQL view puts it in error bodies.
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope.get("path", "")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if path.startswith(PRIVATE_PATHS):
                    headers.setdefault("Cache-Control", "no-store")
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", HSTS)
                headers[REQUEST_ID_HEADER] = request_id
            await send(message)

        async def reply(status: int, code: str, message: str, **extensions: Any) -> None:
            body = error_body(path, status, code, message, **extensions)
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ]
            if status == 503:
                headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
            await send_with_headers(
                {"type": "http.response.start", "status": status, "headers": headers}
            )
            await send_with_headers({"type": "http.response.body", "body": body})

        limit = self.max_request_bytes
        too_large = f"The request body is larger than {limit} bytes."
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await reply(413, "REQUEST_TOO_LARGE", too_large, maxBytes=limit)
            return

        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, receive_limited, send_with_headers)
        except _BodyTooLarge:
            if started:
                raise
            await reply(413, "REQUEST_TOO_LARGE", too_large, maxBytes=limit)
        except Exception as error:
            if started:
                raise
            if is_outage(error):
                logger.warning("request %s: database unavailable: %r", request_id, error)
                await reply(
                    503,
                    "UNAVAILABLE",
                    "The service is temporarily unavailable; retry shortly.",
                    requestId=request_id,
                )
            else:
                logger.error("request %s failed", request_id, exc_info=error)
                await reply(
                    500, "INTERNAL_SERVER_ERROR", "Internal server error.", requestId=request_id
                )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def cors_origins(environ: dict[str, str] | None = None) -> list[str]:
    """The origins allowed to call the API from a browser: none unless configured."""
    raw = (os.environ if environ is None else environ).get(CORS_ORIGINS_ENV, "")
    return [origin.strip() for origin in raw.split(",") if origin.strip()]


def with_cors(app: ASGIApp, origins: list[str]) -> ASGIApp:
    """Wrap `app` in CORS for exactly `origins` (no wildcard, no credentials from elsewhere)."""
    if not origins:
        return app
    return CORSMiddleware(
        app,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
        max_age=600,
    )


def same_origin(connection: HTTPConnection) -> bool:
    """Whether a browser sent this request from this app's own pages.

    `Sec-Fetch-Site`, which the browser sets and no page can change, decides when present
    (browsers send it to HTTPS sites and to localhost). Otherwise `Origin`, which browsers send
    with every POST, must name the host the request was sent to. A request with neither comes
    from no page of this app, so it is not trusted with what a cookie alone would allow.
    """
    fetch_site = connection.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = connection.headers.get("origin", "")
    host = connection.headers.get("host", "")
    if not origin or origin == "null" or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()
