"""The web app's own endpoints: sign-in, sign-out, who am I, and the offline GraphiQL page.

Errors are JSON `{"error": {"code", "message"}}` like the API's `extensions.code`, so the app
branches on codes, never on wording.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.models import User
from backend.sessions import end_session, revoke_session, start_session, user_for_session
from backend.signin_throttle import SignInThrottle
from backend.users import authenticate_user, normalize_email

__all__ = ["graphiql_html", "routes"]

# Every response here depends on the cookie: never cache or share it.
NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=NO_STORE
    )


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = (seconds + 59) // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _user_json(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "organizationId": user.organization_id,
        "zoneId": user.zone_id,
        "centerId": user.center_id,
    }


async def login(request: Request) -> Response:
    # Only JSON bodies: a cross-site HTML form cannot send one without a CORS preflight.
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _error(415, "UNSUPPORTED_MEDIA_TYPE", "Send the credentials as JSON.")
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _error(400, "BAD_REQUEST", "The body is not valid JSON.")
    email = body.get("email") if isinstance(body, dict) else None
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        return _error(400, "BAD_REQUEST", "Give an email and a password.")
    key = normalize_email(email)
    # The connecting peer, or the client a trusted proxy names (`serve` believes only the
    # proxies in CREDIT_REPORT_TRUSTED_PROXIES).
    address = request.client.host if request.client else "unknown"
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    wait = await throttle.retry_after(key, address)
    if wait:
        response = _error(
            429, "TOO_MANY_ATTEMPTS", f"Too many failed sign-ins; try again in {_duration(wait)}."
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = await authenticate_user(email, password)
    if user is None:
        await throttle.failed(key, address)
        return _error(401, "INVALID_CREDENTIALS", "The email or password is not right.")
    await throttle.succeeded(key, address)
    response = JSONResponse(_user_json(user), headers=NO_STORE)
    # A fresh secret on every sign-in: a cookie planted before sign-in is never promoted.
    await revoke_session(request)
    await start_session(request, response, user)
    return response


async def logout(request: Request) -> Response:
    response = Response(status_code=204, headers=NO_STORE)
    await end_session(request, response)
    return response


async def me(request: Request) -> Response:
    user = await user_for_session(request)
    if user is None:
        return _error(401, "UNAUTHENTICATED", "Not signed in.")
    return JSONResponse(_user_json(user), headers=NO_STORE)


routes = [
    Route("/auth/login", login, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
    Route("/auth/me", me, methods=["GET"]),
]


# The exact files Strawberry's GraphiQL page loads from a CDN (same versions, same bytes:
# frontend/vendor/README.md lists their hashes), served by the app so it works offline.
# Headers are not persisted: a pasted bearer token must not stay behind in localStorage.
_GRAPHIQL_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Credit Consumption Report · GraphiQL</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/vendor/graphiql-3.8.3/graphiql.min.css">
    <link rel="stylesheet" href="/vendor/graphiql-plugin-explorer-1.0.2/style.css">
    <link rel="stylesheet" href="/graphiql.css">
    <script src="/vendor/react-18.2.0/react.production.min.js"></script>
    <script src="/vendor/react-dom-18.2.0/react-dom.production.min.js"></script>
  </head>
  <body>
    <div id="graphiql" class="graphiql-container">Loading…</div>
    <script src="/vendor/graphiql-3.8.3/graphiql.min.js"></script>
    <script src="/vendor/graphiql-plugin-explorer-1.0.2/index.umd.js"></script>
    <script src="/graphiql.js"></script>
  </body>
</html>
"""


def graphiql_html() -> str:
    """The GraphiQL explorer page, with every asset served by this app."""
    return _GRAPHIQL_PAGE
