"""Web app users: creation with a scope (and, for administrators, the right to manage credit
accounts), and password checks (argon2id via argon2-cffi)."""

from __future__ import annotations

import asyncio
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError

from backend.auth import validate_scope
from backend.errors import ProductError
from backend.models import User

MIN_PASSWORD_LENGTH = 8
# Long enough for any passphrase, short enough that hashing one cannot be used to burn CPU.
MAX_PASSWORD_LENGTH = 1024
# One "@", something on each side, a dot in the domain, no spaces: the shape, not deliverability.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as much time as a wrong password
# and response times do not tell which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _validate(email: str, password: str) -> None:
    if len(email) > 254 or not EMAIL_SHAPE.match(email):
        raise ProductError(f"{email!r} is not an email address.", code="INVALID_EMAIL")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ProductError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.",
            code="WEAK_PASSWORD",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ProductError(
            f"The password may be at most {MAX_PASSWORD_LENGTH} characters long.",
            code="INVALID_PASSWORD",
        )


def check_admin_scope(zone_id: str | None, center_id: str | None) -> None:
    """Refuse an administrator limited to a zone or center (see `create_user`)."""
    if zone_id is not None or center_id is not None:
        raise ProductError(
            "An administrator manages the organization's credit accounts: give no zone or "
            "center with --admin.",
            code="INVALID_SCOPE",
        )


async def create_user(
    email: str,
    password: str,
    organization_id: str,
    zone_id: str | None,
    center_id: str | None,
    *,
    admin: bool = False,
) -> User:
    """Store a user who sees the organization, or one zone or center of it, like a token.

    An `admin` also records credit transactions and manages alerts in the app; accounts are
    kept for the whole organization, so only an organization-level user can be one.
    """
    email = normalize_email(email)
    _validate(email, password)
    if admin:
        check_admin_scope(zone_id, center_id)
    await validate_scope(organization_id, zone_id, center_id)
    if await User.exists(email=email):
        raise ProductError(f"A user with email {email!r} already exists.", code="USER_EXISTS")
    # Hashing takes tens of milliseconds of CPU on purpose: keep it off the event loop.
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    try:
        return await User.create(
            email=email,
            password_hash=password_hash,
            organization_id=organization_id,
            zone_id=zone_id,
            center_id=center_id,
            is_admin=admin,
        )
    except IntegrityError:  # created concurrently since the check above
        raise ProductError(
            f"A user with email {email!r} already exists.", code="USER_EXISTS"
        ) from None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate_user(email: str, password: str) -> User | None:
    """The user with this email and password, or None; both misses take the same time."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = await User.get_or_none(email=normalize_email(email))
    if user is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password)
        return None
    if not await asyncio.to_thread(_verify, user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        # Parameters were raised since this hash was made: upgrade it while we know the password.
        user.password_hash = await asyncio.to_thread(_hasher.hash, password)
        await user.save(update_fields=["password_hash"])
    return user
