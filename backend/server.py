"""How `serve` runs uvicorn: which proxies are believed, and how long a request's head may take.

uvicorn's defaults believe `X-Forwarded-For` from 127.0.0.1 (`proxy_headers=True`,
`forwarded_allow_ips="127.0.0.1"`), so any local client could name the address the sign-in
throttle counts; here only the proxies in `Settings.trusted_proxies` are believed, through
uvicorn's own ProxyHeadersMiddleware, and none by default.

uvicorn has a keep-alive timeout but none for reading a request's head: a client that sends a
header byte a second keeps its connection for good (2,000 such clients held 2,000 connections
for a minute in a test). `HeaderTimeoutProtocol` closes a connection whose head is not in
within `Settings.header_timeout`; the body has its deadline in the app (backend/body_timeout.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from backend.settings import DEFAULT_HEADER_TIMEOUT, Settings

__all__ = ["HeaderTimeoutProtocol", "protocol_with_header_timeout", "server_config"]


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol (its choice anyway without httptools), plus a deadline for each
    request head: from the connection for the first request, from its first byte for the next
    ones (between requests the keep-alive timeout applies)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._awaiting_head():
            self._arm_header_timer()  # keeps the deadline of the head's first byte
        else:
            self._disarm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _awaiting_head(self) -> bool:
        # h11 leaves IDLE only once the whole head has been parsed.
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _head_too_slow(self) -> None:
        self._header_timer = None
        if self._awaiting_head():
            # Closed without an answer, as the keep-alive timeout does: a client this slow
            # is not waiting for one.
            self.logger.info("Closing a connection whose request head was not in on time")
            self.conn.send(h11.ConnectionClosed())
            self.transport.close()


def protocol_with_header_timeout(seconds: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class for uvicorn's `http=` option, with this deadline."""

    class Configured(HeaderTimeoutProtocol):
        header_timeout = seconds

    return Configured


def server_config(settings: Settings, app: Any, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration `serve` runs; `options` are passed on (tests turn logging
    configuration off)."""
    proxies = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=protocol_with_header_timeout(settings.header_timeout),
        proxy_headers=bool(proxies),
        # A list, even empty: None would make uvicorn read FORWARDED_ALLOW_IPS instead.
        forwarded_allow_ips=proxies,
        **{"log_level": "info", **options},
    )
