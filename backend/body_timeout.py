"""A request's body must arrive within a deadline, or the request ends with 408 `REQUEST_TIMEOUT`.

uvicorn hands the app a request as soon as its head is in and then waits for the body as long
as the client likes: a client that sends a large `Content-Length` and a byte a second holds a
connection and a task for as long as it cares to. The deadline covers the whole body, not each
chunk, since a dribble of small chunks never leaves a gap. The head has its own timeout in the
server (backend/server.py).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.security import error_body

__all__ = ["BodyTimeoutMiddleware"]


class _BodyTimedOut(Exception):
    pass


class BodyTimeoutMiddleware:
    """Pure ASGI: wraps `receive` until the body is complete, answers 408 when it is late."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_complete = False
        started = False

        async def receive_in_time() -> Message:
            nonlocal body_complete
            if body_complete:  # later calls wait for a disconnect: that has no deadline
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _BodyTimedOut from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_complete = True
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_in_time, send_tracked)
        except _BodyTimedOut:
            if started:
                raise
            await self._reply_timeout(scope.get("path", ""), send)

    async def _reply_timeout(self, path: str, send: Send) -> None:
        body = error_body(
            path,
            408,
            "REQUEST_TIMEOUT",
            f"The request body did not arrive within {self.seconds:g} seconds.",
            timeoutSeconds=self.seconds,
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            # The rest of the body may still be on its way: the connection cannot be reused.
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 408, "headers": headers})
        await send({"type": "http.response.body", "body": body})
