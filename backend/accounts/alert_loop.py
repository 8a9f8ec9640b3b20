"""The app's minute loop: evaluate every alert, then send the due webhook events.

Started by the app's lifespan when the app manages its database, and cancelled on shutdown;
anything unfinished stays in the outbox for the next loop, here or in another process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from backend.accounts.alerts import evaluate_all
from backend.accounts.webhooks import WebhookWorker

logger = logging.getLogger(__name__)

# Events due sooner (the first retry after 30 s) wait for the next pass: at most this long.
INTERVAL_SECONDS = 15.0


# On shutdown a pass under way may finish its database work for this long before it is cancelled.
STOP_GRACE_SECONDS = 5.0


async def run_alerts(
    worker: WebhookWorker, stop: asyncio.Event, interval: float = INTERVAL_SECONDS
) -> None:
    while not stop.is_set():
        try:
            await evaluate_all()
            while not stop.is_set() and await worker.run_once():
                pass
        except Exception:  # the next pass tries again; the loop must outlive a bad minute
            logger.exception("evaluating alerts or delivering their webhooks failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


@contextlib.asynccontextmanager
async def alert_loop(allow_private: bool) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_alerts(WebhookWorker(allow_private=allow_private), stop))
    try:
        yield
    finally:
        # Stopped between queries rather than cancelled inside one: a query cancelled as the
        # database closes would be answered into a closed event loop.
        stop.set()
        done, _ = await asyncio.wait({task}, timeout=STOP_GRACE_SECONDS)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
