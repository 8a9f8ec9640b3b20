"""Web app sessions: a signed cookie carries a random secret, the table only its digest.

Signing (itsdangerous, keyed by the settings' secret key) rejects forged or stale cookies
before any database read; the digest means a leaked table cannot be replayed as cookies; the
row's `expires_at` and `ended_at` let sessions expire and sign-out end them server-side.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import HTTPConnection
from starlette.responses import Response

from backend.models import Session, User
from backend.principal import Principal

COOKIE_NAME = "credit_report_session"
SESSION_LIFETIME = timedelta(hours=12)
_SALT = "credit-report.session"


def secret_digest(secret: str) -> str:
    """What the database keeps of a session's or an API token's secret. Both are 256 random
    bits, so one SHA-256 suffices (no slow hash is needed to resist guessing), and a lookup
    stays a single indexed equality."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _signer(connection: HTTPConnection) -> TimestampSigner:
    return TimestampSigner(connection.app.state.settings.secret_key, salt=_SALT)


def _session_secret(connection: HTTPConnection) -> str | None:
    """The secret in a validly signed, unexpired cookie, or None."""
    cookie = connection.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    try:
        value = _signer(connection).unsign(cookie, max_age=int(SESSION_LIFETIME.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    return value.decode()


async def _live_session(connection: HTTPConnection) -> Session | None:
    secret = _session_secret(connection)
    if secret is None:
        return None
    return await Session.get_or_none(
        digest=secret_digest(secret), ended_at=None, expires_at__gt=datetime.now(UTC)
    ).select_related("user")


async def start_session(connection: HTTPConnection, response: Response, user: User) -> Session:
    """Store a new session for `user` and set its cookie on `response`."""
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    # Sessions that can never be used again are only clutter: drop this user's at each sign-in.
    await Session.filter(user_id=user.id, expires_at__lte=now).delete()
    await Session.filter(user_id=user.id, ended_at__not_isnull=True).delete()
    session = await Session.create(
        digest=secret_digest(secret), user=user, expires_at=now + SESSION_LIFETIME
    )
    response.set_cookie(
        COOKIE_NAME,
        _signer(connection).sign(secret).decode(),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        # Strict: the app's own pages make every request that needs the cookie, so nothing
        # is lost, and no other site can make the browser send it.
        samesite="strict",
        secure=connection.url.scheme == "https",
    )
    return session


async def revoke_session(connection: HTTPConnection) -> None:
    """End the request's session, if any, server-side: its cookie stops working at once."""
    secret = _session_secret(connection)
    if secret is not None:
        await Session.filter(digest=secret_digest(secret), ended_at=None).update(
            ended_at=datetime.now(UTC)
        )


async def end_session(connection: HTTPConnection, response: Response) -> None:
    """End the request's session, if any, and tell the browser to drop the cookie."""
    await revoke_session(connection)
    response.delete_cookie(
        COOKIE_NAME,
        path="/",
        httponly=True,
        samesite="strict",
        secure=connection.url.scheme == "https",
    )


async def user_for_session(connection: HTTPConnection) -> User | None:
    session = await _live_session(connection)
    return None if session is None else session.user


async def principal_for_session(request: HTTPConnection) -> Principal | None:
    """The signed-in user's scope; read from the user row each time, so changes apply at once."""
    user = await user_for_session(request)
    if user is None:
        return None
    return Principal(
        organization_id=user.organization_id,
        zone_id=user.zone_id,
        center_id=user.center_id,
        can_write=False,
        actor=f"user:{user.id}",
        account_admin=user.is_admin,
        via_cookie=True,
    )
