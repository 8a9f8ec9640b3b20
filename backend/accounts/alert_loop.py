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


async def run_alerts(worker: WebhookWorker, interval: float = INTERVAL_SECONDS) -> None:
    while True:
        try:
            await evaluate_all()
            while await worker.run_once():
                pass
        except Exception:  # the next pass tries again; the loop must outlive a bad minute
            logger.exception("evaluating alerts or delivering their webhooks failed")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def alert_loop(allow_private: bool) -> AsyncIterator[None]:
    worker = WebhookWorker(allow_private=allow_private)
    task = asyncio.create_task(run_alerts(worker))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
