"""Delivering alert events to webhooks (§9): at least once, from the outbox in the database.

A worker claims a due event with one conditional UPDATE (due, not delivered, not given up, and
unclaimed or its claim expired → `claimed_until` = now + CLAIM); the database lets one UPDATE
win, so each attempt is made by one process however many run. The claim is the only
in-flight state: a process that dies mid-delivery leaves a claim that expires, and the next
worker sends the event again (receivers deduplicate by `Credit-Report-Event-Id`).

Each attempt is logged (`AlertDelivery`). A failure retries after 30 s x 2^(attempts - 1),
at most an hour apart, until 24 hours after the event; then it is given up.

URLs must be https:// and resolve to public addresses only (no loopback, private,
link-local, multicast, reserved or unspecified address), checked when an alert is set and
again before every attempt, since DNS may change; `CREDIT_REPORT_WEBHOOK_ALLOW_PRIVATE=1`
lifts both rules.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from tortoise.expressions import Q

from backend.errors import ProductError
from backend.models import AlertDelivery, AlertEvent, CreditAlert, WebhookSecret

logger = logging.getLogger(__name__)

CLAIM = timedelta(seconds=60)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
TIMEOUT_SECONDS = 10.0
MAX_URL_LENGTH = 2_000
MAX_ERROR_LENGTH = 500
EVENT_ID_HEADER = "Credit-Report-Event-Id"
SIGNATURE_HEADER = "Credit-Report-Signature"

Clock = Callable[[], datetime]
# POST (url, body, headers) and answer the response's status code; raises OSError when the
# receiver cannot be reached.
Sender = Callable[[str, bytes, dict[str, str]], Awaitable[int]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead past the address rules: it is answered as the failure it is."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post_blocking(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as answered:
        return answered.code


async def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """The standard library's client in a thread: one POST, no redirects, a short timeout."""
    return await asyncio.to_thread(_post_blocking, url, body, headers)


class WebhookRefused(ProductError):
    """A URL the rules do not allow; the message says which rule."""


def _check_form(url: str, allow_private: bool) -> str:
    if len(url) > MAX_URL_LENGTH:
        raise WebhookRefused(f"A webhook URL may be at most {MAX_URL_LENGTH} characters.")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise WebhookRefused("A webhook URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (an out-of-range or non-numeric port raises here)
    except ValueError:
        raise WebhookRefused(f"The webhook URL {url!r} is not a valid URL.") from None
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed or not host:
        raise WebhookRefused(
            f"The webhook URL {url!r} must be an https:// URL with a host name"
            + (
                "."
                if allow_private
                else " (http:// only with CREDIT_REPORT_WEBHOOK_ALLOW_PRIVATE=1)."
            )
        )
    if parts.username or parts.password:
        raise WebhookRefused("A webhook URL may not carry a user name or password.")
    return host


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
    )


async def check_webhook_url(url: str, allow_private: bool) -> None:
    """Raise `WebhookRefused` unless the URL may be called: https:// and every address its
    host resolves to public, unless private targets are allowed."""
    host = _check_form(url, allow_private)
    if allow_private:
        return
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:  # ValueError: a name IDNA cannot encode
        raise WebhookRefused(f"The webhook host {host!r} does not resolve: {error}.") from None
    for *_, sockaddr in found:
        address = str(sockaddr[0])
        if not _public(address):
            raise WebhookRefused(
                f"The webhook host {host!r} resolves to {address}, a loopback, private, "
                "link-local or otherwise non-public address; webhooks only reach public "
                "addresses (CREDIT_REPORT_WEBHOOK_ALLOW_PRIVATE=1 lifts this)."
            )


async def signing_secret(organization_id: str, *, rotate: bool = False) -> str:
    """The organization's signing secret, made on first use; `rotate` replaces it."""
    if rotate:
        await WebhookSecret.filter(organization_id=organization_id).delete()
    found = await WebhookSecret.get_or_none(organization_id=organization_id)
    if found is None:
        found, _ = await WebhookSecret.get_or_create(
            organization_id=organization_id,
            defaults={"secret": "whsec_" + secrets.token_hex(32), "created_at": utc_now()},
        )
    return str(found.secret)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def retry_wait(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 60 s, 2 min, … at most 1 h."""
    wait: timedelta = FIRST_RETRY * 2 ** min(attempts - 1, 20)
    return min(wait, LONGEST_WAIT)


def _due(now: datetime) -> Q:
    return Q(
        Q(next_attempt_at__lte=now),
        Q(delivered_at__isnull=True),
        Q(given_up_at__isnull=True),
        Q(Q(claimed_until__isnull=True), Q(claimed_until__lt=now), join_type="OR"),
    )


@dataclass
class WebhookWorker:
    """Sends due events. `clock` and `send` are injectable so tests control time and the
    transport; `allow_private` is the setting."""

    allow_private: bool = False
    clock: Clock = utc_now
    send: Sender = post_json
    batch: int = 20

    async def claim(self) -> list[AlertEvent]:
        """Claim up to `batch` due events; an event another worker claimed first is skipped."""
        now = self.clock()
        candidates = (
            await AlertEvent.filter(_due(now))
            .order_by("next_attempt_at")
            .limit(self.batch)
            .values_list("id", flat=True)
        )
        claimed: list[AlertEvent] = []
        for event_id in candidates:
            won = await AlertEvent.filter(_due(now), id=event_id).update(claimed_until=now + CLAIM)
            if won == 1:
                claimed.append(await AlertEvent.get(id=event_id))
        return claimed

    async def run_once(self) -> int:
        """Claim and attempt every due event once; the number of attempts made."""
        events = await self.claim()
        for event in events:
            await self.attempt(event)
        return len(events)

    async def attempt(self, event: AlertEvent) -> bool:
        alert = await CreditAlert.get_or_none(id=event.alert_id)
        now = self.clock()
        status: int | None = None
        error: str | None = None
        delivered = False
        if alert is None or not alert.webhook_url:
            error = "the alert has no webhook URL"
        else:
            try:
                status = await self._post(alert, event, now)
                delivered = 200 <= status < 300
                if not delivered:
                    error = f"the receiver answered {status}"
            except WebhookRefused as refused:
                error = str(refused)
            except (OSError, ValueError) as failure:  # unreachable, refused, timed out, TLS
                error = f"{type(failure).__name__}: {failure}"
        await AlertDelivery.create(
            event_id=event.id,
            attempted_at=now,
            response_status=status,
            error=None if error is None else error[:MAX_ERROR_LENGTH],
            delivered=delivered,
        )
        await self._settle(event, delivered, now)
        return delivered

    async def _post(self, alert: CreditAlert, event: AlertEvent, now: datetime) -> int:
        url = str(alert.webhook_url)
        await check_webhook_url(url, self.allow_private)
        body = event.payload.encode()
        secret = await signing_secret(alert.organization_id)
        return await self.send(
            url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "credit-report-webhooks",
                EVENT_ID_HEADER: str(event.id),
                SIGNATURE_HEADER: signature(secret, int(now.timestamp()), body),
            },
        )

    async def _settle(self, event: AlertEvent, delivered: bool, now: datetime) -> None:
        attempts = event.attempts + 1
        if delivered:
            changes: dict[str, object] = {"delivered_at": now, "next_attempt_at": None}
        else:
            retry_at = now + retry_wait(attempts)
            if retry_at > event.created_at + GIVE_UP_AFTER:
                changes = {"given_up_at": now, "next_attempt_at": None}
            else:
                changes = {"next_attempt_at": retry_at}
        await AlertEvent.filter(id=event.id).update(
            attempts=attempts, claimed_until=None, **changes
        )
