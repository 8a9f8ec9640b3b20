"""Principals and API tokens: who is asking, and which part of an organization they see."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from starlette.requests import Request

from backend.errors import NotFound, ProductError, Unauthenticated
from backend.models import ApiToken, Center, Organization, Zone
from backend.principal import Principal
from backend.sessions import principal_for_session, secret_digest

TOKEN_PREFIX = "crt_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
MISSING_CREDENTIALS_MESSAGE = "Sign in, or send an API token as `Authorization: Bearer <token>`."
REFUSED_TOKEN_MESSAGE = "The bearer token was refused: it is unknown, expired or revoked."


async def validate_scope(organization_id: str, zone_id: str | None, center_id: str | None) -> None:
    if zone_id is not None and center_id is not None:
        raise ProductError("Give a zone or a center, not both.", code="INVALID_SCOPE")
    if not await Organization.exists(id=organization_id):
        raise NotFound(f"Unknown organization {organization_id!r}.")
    if zone_id is not None and not await Zone.exists(id=zone_id, organization_id=organization_id):
        raise NotFound(f"Unknown zone {zone_id!r} in organization {organization_id!r}.")
    if center_id is not None and not await Center.exists(
        id=center_id, organization_id=organization_id
    ):
        raise NotFound(f"Unknown center {center_id!r} in organization {organization_id!r}.")


async def create_token(
    organization_id: str,
    *,
    zone_id: str | None = None,
    center_id: str | None = None,
    can_write: bool = False,
    label: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token and return it with its secret, which is never stored or shown again."""
    await validate_scope(organization_id, zone_id, center_id)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = await ApiToken.create(
        digest=secret_digest(secret),
        label=label,
        organization_id=organization_id,
        zone_id=zone_id,
        center_id=center_id,
        can_write=can_write,
        expires_at=expires_at,
    )
    return token, secret


async def list_tokens(organization_id: str | None = None) -> list[ApiToken]:
    """Every token (of one organization, if given), oldest first; secrets are never stored."""
    query = (
        ApiToken.all()
        if organization_id is None
        else ApiToken.filter(organization_id=organization_id)
    )
    return await query.order_by("id")


async def revoke_token(token_id: int) -> tuple[ApiToken, bool]:
    """Revoke a token for good; return it and whether this call revoked it (False: already was).

    Revocation is a timestamp, not a deletion, so the audit trail's `token:ID` keeps a name.
    """
    token = await ApiToken.get_or_none(id=token_id)
    if token is None:
        raise NotFound(f"Unknown token {token_id}.")
    if token.revoked_at is not None:
        return token, False
    now = datetime.now(UTC)
    # Conditional, so two concurrent revocations keep the first time.
    await ApiToken.filter(id=token_id, revoked_at=None).update(revoked_at=now)
    await token.refresh_from_db()
    return token, True


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """`active`, `expired` or `revoked`."""
    now = now or datetime.now(UTC)
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


async def principal_for_token(secret: str) -> Principal | None:
    token = await ApiToken.get_or_none(digest=secret_digest(secret))
    now = datetime.now(UTC)
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # Recorded once a minute at most: a write on every poll would cost more than the read.
        await ApiToken.filter(id=token.id).update(last_used_at=now)
    return Principal(
        organization_id=token.organization_id,
        zone_id=token.zone_id,
        center_id=token.center_id,
        can_write=token.can_write,
        actor=f"token:{token.id}",
    )


async def authenticate(request: Request) -> Principal | None:
    """The bearer token if one is sent (a bad one is not retried as a cookie), else the session.

    A bearer token that is sent and refused is marked on the request, so the answer can say it
    was refused rather than ask for a token (see `unauthenticated`).
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        principal = await principal_for_token(secret.strip())
        if principal is None:
            request.state.bearer_token_refused = True
        return principal
    return await principal_for_session(request)


def unauthenticated(request: Request | None) -> Unauthenticated:
    """The error for a request without a principal: a refused token is told so, in the same
    words whether it is unknown, expired or revoked (which would tell a guesser what exists)."""
    if request is not None and getattr(request.state, "bearer_token_refused", False):
        return Unauthenticated(REFUSED_TOKEN_MESSAGE)
    return Unauthenticated(MISSING_CREDENTIALS_MESSAGE)
