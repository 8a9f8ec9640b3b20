"""Sign-in throttling, shared by every app process: the failures live in the database.

Three limits; while one holds, sign-in answers 429 with a Retry-After:

- per address: `address_failures` failures within `address_window`. One office behind one NAT
  may mistype several accounts, but no address may guess endlessly;
- per account *and* address: `pair_free_failures` failures, then a wait that doubles with each
  further failure up to `pair_longest_wait`. The lock falls on the pair, never on the account
  alone, so nobody can lock a user out from another address by failing on purpose;
- all addresses together: `global_failures` within `global_window`, a ceiling for a guessing
  run spread over more addresses than the first two limits see. It is generous on purpose:
  while it holds every sign-in waits, so only a distributed attack should reach it.

Unknown accounts and wrong passwords count alike, so a refusal says nothing about accounts.
Checking and recording are separate statements: concurrent attempts may overshoot a limit by
the number in flight (each costs a password hash), and the next check counts them all.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.queryset import QuerySet

from backend.models import SignInFailure

__all__ = ["SignInLimits", "SignInThrottle", "account_key", "address_key"]

_ADDRESS_LENGTH = 64


@dataclass(frozen=True)
class SignInLimits:
    address_failures: int = 50
    address_window: timedelta = timedelta(minutes=15)
    # Room for a user's typos and half-remembered passwords; the doubling waits after it,
    # and the address limit, are what bound a guessing run.
    pair_free_failures: int = 10
    pair_first_wait: timedelta = timedelta(seconds=30)
    pair_longest_wait: timedelta = timedelta(minutes=15)
    global_failures: int = 300
    global_window: timedelta = timedelta(minutes=1)
    # Failures older than this are forgotten (and deleted): a pair's backoff keeps growing
    # across a day of slow guessing instead of starting over after each window.
    memory: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        longest = max(self.address_window, self.global_window, self.pair_longest_wait)
        if self.memory < longest:
            raise ValueError("the memory must outlast every window and wait")

    @property
    def pair_failures_that_matter(self) -> int:
        """Failures past which the pair's wait no longer grows: more need not be read."""
        doublings = math.ceil(math.log2(self.pair_longest_wait / self.pair_first_wait))
        return self.pair_free_failures + max(doublings, 0) + 1


def account_key(email: str) -> str:
    """The stored form of an attempted (already normalized) email: a digest, never the text."""
    return hashlib.sha256(email.encode()).hexdigest()


def address_key(host: str) -> str:
    """The stored form of a client address: an IPv6 client by its /64, which one subscriber
    usually holds whole (rotating within it must not reset the count)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:_ADDRESS_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _seconds_until(moment: datetime, now: datetime) -> int:
    remaining = (moment - now).total_seconds()
    return max(1, math.ceil(remaining)) if remaining > 0 else 0


class SignInThrottle:
    """The three limits (see the module) over the `sign_in_failure` table."""

    def __init__(self, limits: SignInLimits | None = None) -> None:
        self.limits = limits or SignInLimits()

    async def retry_after(self, email: str, host: str) -> int:
        """Seconds until this email may be tried from this address; 0 when it may now."""
        now = datetime.now(UTC)
        address = address_key(host)
        limits = self.limits
        return max(
            await _sliding_window_wait(
                SignInFailure.filter(address=address),
                limits.address_failures,
                limits.address_window,
                now,
            ),
            await _sliding_window_wait(
                SignInFailure.all(), limits.global_failures, limits.global_window, now
            ),
            await self._pair_wait(account_key(email), address, now),
        )

    async def failed(self, email: str, host: str) -> None:
        now = datetime.now(UTC)
        await SignInFailure.create(
            account_digest=account_key(email), address=address_key(host), failed_at=now
        )
        # Pruned as failures arrive: the table holds at most a day of them, and the global
        # limit caps how many that can be.
        await SignInFailure.filter(failed_at__lt=now - self.limits.memory).delete()

    async def succeeded(self, email: str, host: str) -> None:
        """Clears the pair only: signing in to one's own account must not reset a guessing run
        from the same address against others."""
        await SignInFailure.filter(
            account_digest=account_key(email), address=address_key(host)
        ).delete()

    async def _pair_wait(self, account: str, address: str, now: datetime) -> int:
        limits = self.limits
        recent = await (
            SignInFailure.filter(
                account_digest=account, address=address, failed_at__gt=now - limits.memory
            )
            .order_by("-failed_at")
            .limit(limits.pair_failures_that_matter)
            .values_list("failed_at", flat=True)
        )
        beyond_free = len(recent) - limits.pair_free_failures
        if beyond_free < 0:
            return 0
        wait = min(limits.pair_first_wait * 2**beyond_free, limits.pair_longest_wait)
        latest: datetime = recent[0]  # type: ignore[assignment]
        return _seconds_until(latest + wait, now)


async def _sliding_window_wait(
    failures: QuerySet[SignInFailure], allowed: int, window: timedelta, now: datetime
) -> int:
    """Seconds until fewer than `allowed` of `failures` fall within the last `window`."""
    newest = await (
        failures.filter(failed_at__gt=now - window)
        .order_by("-failed_at")
        .limit(allowed)
        .values_list("failed_at", flat=True)
    )
    if len(newest) < allowed:
        return 0
    oldest_counted: datetime = newest[-1]  # type: ignore[assignment]
    return _seconds_until(oldest_counted + window, now)
