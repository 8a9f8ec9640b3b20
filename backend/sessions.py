"""Web app sessions (signed cookie -> principal). Filled in by the web app work (issue 3)."""

from __future__ import annotations

from starlette.requests import Request

from backend.principal import Principal


async def principal_for_session(request: Request) -> Principal | None:
    return None
