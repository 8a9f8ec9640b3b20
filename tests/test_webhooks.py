"""Webhook delivery (§9) to a real HTTP receiver on 127.0.0.1: signed as the README's receiver
checks, retried after a failure on an injected clock, sent by one worker when two run, picked
up again after a "restart" whose claim expired, and given up after 24 hours."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from backend.accounts.alert_loop import alert_loop
from backend.accounts.alert_settings import set_alert
from backend.accounts.webhooks import CLAIM, WebhookWorker, signing_secret
from backend.models import AlertDelivery, AlertEvent
from backend.principal import Principal
from tests.factories import ORG, hierarchy, load_hierarchy, message, record
from tests.graphql_client import execute
from tests.test_cli import run

DELIVERIES = """{ creditAccount(creditSourceId: "cs-ao") { alerts { state
  deliveries { eventId type responseStatus error delivered } } } }"""


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (200 once they run out)."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            found.received.append((dict(self.headers), body))
            self.send_response(found.statuses.pop(0) if found.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def verify(secret: str, headers: dict[str, str], body: bytes, now: int) -> bool:
    """What the README's receiver does: recompute the HMAC, refuse a stale timestamp."""
    parts = dict(p.split("=", 1) for p in headers["Credit-Report-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(now - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def _firing_alert(url: str) -> None:
    """An alert whose condition holds at once (balance 0 < 5): one fired event, due now."""
    await load_hierarchy()
    await set_alert(
        ORG,
        alert_id=None,
        credit_source_id="cs-ao",
        kind="BALANCE_BELOW",
        threshold="5",
        webhook_url=url,
        allow_private=True,
    )
    assert await AlertEvent.all().count() == 1


async def test_a_signed_event_is_retried_after_a_500_then_delivered(
    db: str, receiver: Receiver
) -> None:
    await _firing_alert(receiver.url)
    receiver.statuses = [500]
    clock = Clock()
    worker = WebhookWorker(allow_private=True, clock=clock)
    assert await worker.run_once() == 1  # answered 500
    assert await worker.run_once() == 0  # not due again yet
    clock.advance(seconds=29)
    assert await worker.run_once() == 0
    clock.advance(seconds=2)  # the first retry, 30 s later
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    sent_at = int(clock.now.timestamp())
    clock.advance(hours=2)
    assert await worker.run_once() == 0  # delivered: never again

    assert len(receiver.received) == 2
    secret = await signing_secret(ORG)
    event = await AlertEvent.get()
    for headers, body in receiver.received:
        assert headers["Credit-Report-Event-Id"] == str(event.id)
        assert verify(secret, headers, body, sent_at)
        assert not verify("another secret", headers, body, sent_at)
    headers, body = receiver.received[0]
    assert not verify(secret, headers, body, sent_at + 3600)  # stale
    sent = json.loads(body)
    assert sent["id"] == str(event.id) and sent["type"] == "credit_alert.fired"
    assert sent["alert"]["kind"] == "BALANCE_BELOW" and sent["alert"]["threshold"] == "5.0000"
    assert sent["creditSource"] == {"id": "cs-ao", "name": "Always-On credits"}
    assert (sent["balance"], sent["daysLeft"], sent["dailyBurn"]) == ("0.0000", 0, "0.0000")
    assert set(sent) == {
        "id",
        "type",
        "createdAt",
        "alert",
        "creditSource",
        "balance",
        "daysLeft",
        "dailyBurn",
    }

    data = await execute(DELIVERIES, principal=Principal(ORG, None, None))
    (alert,) = data["creditAccount"]["alerts"]
    assert alert["state"] == "FIRING"
    assert alert["deliveries"] == [  # newest first
        {
            "eventId": str(event.id),
            "type": "credit_alert.fired",
            "responseStatus": 200,
            "error": None,
            "delivered": True,
        },
        {
            "eventId": str(event.id),
            "type": "credit_alert.fired",
            "responseStatus": 500,
            "error": "the receiver answered 500",
            "delivered": False,
        },
    ]


async def test_two_workers_at_once_send_the_event_once(db: str, receiver: Receiver) -> None:
    await _firing_alert(receiver.url)
    first = WebhookWorker(allow_private=True)
    second = WebhookWorker(allow_private=True)
    claims = await asyncio.gather(first.claim(), second.claim())
    assert sorted(map(len, claims)) == [0, 1]
    for worker, claimed in zip((first, second), claims, strict=True):
        for event in claimed:
            await worker.attempt(event)
    assert await first.run_once() + await second.run_once() == 0
    assert len(receiver.received) == 1
    assert await AlertDelivery.all().count() == 1


async def test_an_event_claimed_by_a_process_that_died_is_sent_after_its_claim_expires(
    db: str, receiver: Receiver
) -> None:
    await _firing_alert(receiver.url)
    clock = Clock()
    dead = WebhookWorker(allow_private=True, clock=clock)
    assert len(await dead.claim()) == 1  # and the process stops before sending
    restarted = WebhookWorker(allow_private=True, clock=clock)
    assert await restarted.run_once() == 0  # the claim still holds
    clock.advance(seconds=CLAIM.total_seconds() + 1)
    assert await restarted.run_once() == 1
    assert len(receiver.received) == 1
    assert (await AlertEvent.get()).delivered_at is not None


async def test_an_unreachable_receiver_is_retried_with_backoff_and_given_up_after_a_day(
    db: str, receiver: Receiver
) -> None:
    await _firing_alert(receiver.url)
    receiver.statuses = [503] * 100
    clock = Clock()
    worker = WebhookWorker(allow_private=True, clock=clock)
    waits: list[float] = []
    while (event := await AlertEvent.get()).given_up_at is None:
        assert await worker.run_once() == 1
        event = await AlertEvent.get()
        if event.next_attempt_at is not None:
            waits.append((event.next_attempt_at - clock.now).total_seconds())
            clock.now = event.next_attempt_at
    assert waits[:4] == [30, 60, 120, 240]
    assert max(waits) == 3600
    assert clock.now - event.created_at <= timedelta(hours=24)
    assert await AlertDelivery.filter(delivered=False).count() == len(receiver.received)


async def test_a_webhook_refused_at_delivery_time_is_logged_not_sent(
    db: str, receiver: Receiver
) -> None:
    await _firing_alert(receiver.url)
    worker = WebhookWorker(allow_private=False)  # the override was lifted since
    assert await worker.run_once() == 1
    assert receiver.received == []
    (attempt,) = await AlertDelivery.all()
    assert not attempt.delivered and attempt.error and "https://" in attempt.error


def test_webhook_secret_prints_the_secret_last_and_rotates(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(hierarchy()))
    assert run("import", str(path), database_url=database_url).returncode == 0
    shown = [
        run("webhook-secret", "--organization", ORG, *extra, database_url=database_url)
        for extra in ((), (), ("--rotate",), ())
    ]
    assert all(r.returncode == 0 for r in shown), [r.stderr for r in shown]
    secrets = [r.stdout.strip().splitlines()[-1] for r in shown]
    assert secrets[0] == secrets[1] != secrets[2] == secrets[3]
    assert all(s.startswith("whsec_") and len(s) == 70 for s in secrets)
    missing = run("webhook-secret", "--organization", "org-missing", database_url=database_url)
    assert missing.returncode != 0
    assert missing.stderr.strip() == "credit-report: error: Unknown organization 'org-missing'."


async def test_the_app_loop_evaluates_alerts_and_delivers_their_events(
    db: str, receiver: Receiver
) -> None:
    await load_hierarchy()
    await set_alert(
        ORG,
        alert_id=None,
        credit_source_id="cs-ao",
        kind="BALANCE_BELOW",
        threshold="-1",
        webhook_url=receiver.url,
        allow_private=True,
    )
    await record(message("m-1", credits="2"))  # straight into the ledger: nothing evaluates
    assert await AlertEvent.all().count() == 0
    async with alert_loop(allow_private=True):
        for _ in range(100):
            if receiver.received:
                break
            await asyncio.sleep(0.05)
    (sent,) = receiver.received
    assert json.loads(sent[1])["type"] == "credit_alert.fired"
    assert (await AlertEvent.get()).delivered_at is not None
