"""Credit alerts (§9): their conditions, and the fire-once / resolve-once state changes.

An alert's state changes with a conditional UPDATE (`WHERE state = <the state it was read
in>`) and its event goes into the outbox (`AlertEvent`) in the same transaction: when two
processes evaluate at once, one UPDATE changes the row and the other changes nothing, so each
crossing gives exactly one event. The events are delivered by backend/accounts/webhooks.py.

Evaluated after every accepted batch of messages or transactions and by the app's minute loop
(backend/accounts/alert_loop.py); the conditions read the balance and the forecast exactly as
the API shows them.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from backend.accounts.consumption import consumption
from backend.accounts.forecast import BURN_DAYS, forecast_of
from backend.accounts.statements import Account, accounts_of, credited_total
from backend.hierarchy import load_hierarchy
from backend.models import AlertEvent, CreditAlert
from backend.usage import e4_to_credits

logger = logging.getLogger(__name__)

KINDS = ("BALANCE_BELOW", "DAYS_LEFT_BELOW", "DAILY_BURN_ABOVE")
FIRED = "credit_alert.fired"
RESOLVED = "credit_alert.resolved"


@dataclass(frozen=True)
class Reading:
    """What the conditions read of one account, in ten-thousandths of a credit."""

    balance: int
    days_left: int | None
    daily_burn: int
    yesterday: int  # credits consumed on the organization's previous business date


async def read_account(account: Account, now: datetime) -> Reading:
    today = now.astimezone(ZoneInfo(account.timezone)).date()
    used = await consumption(
        account.campaign_ids, today - timedelta(days=BURN_DAYS), today - timedelta(days=1)
    )
    balance = await credited_total(account.credit_source_id) - used.total
    found = forecast_of(balance, used.days, today)
    return Reading(balance, found.days_left, found.daily_burn, used.days[-1])


def holds(kind: str, threshold_e4: int, reading: Reading) -> bool:
    """The alert's condition (§9). A threshold in days is a whole number of days: its
    ten-thousandths compare with daysLeft x 10,000."""
    if kind == "BALANCE_BELOW":
        return reading.balance < threshold_e4
    if kind == "DAYS_LEFT_BELOW":
        return reading.days_left is not None and reading.days_left * 10_000 < threshold_e4
    return reading.yesterday > threshold_e4


def event_body(
    event_id: uuid.UUID,
    event_type: str,
    created_at: datetime,
    alert: CreditAlert,
    new_state: str,
    account: Account,
    reading: Reading,
) -> str:
    """The JSON POSTed to the webhook, fixed when the state changed; decimals as strings."""
    return json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "createdAt": created_at.isoformat(),
            "alert": {
                "id": str(alert.id),
                "kind": alert.kind,
                "threshold": str(e4_to_credits(alert.threshold_e4)),
                "state": new_state,
            },
            "creditSource": {"id": account.credit_source_id, "name": account.name},
            "balance": str(e4_to_credits(reading.balance)),
            "daysLeft": reading.days_left,
            "dailyBurn": str(e4_to_credits(reading.daily_burn)),
        },
        separators=(",", ":"),
    )


async def change_state(
    alert: CreditAlert, account: Account, reading: Reading, now: datetime
) -> bool:
    """Move the alert to the state its condition says, with its event; False when another
    process already did (or the condition agrees with the state)."""
    old = alert.state
    new = "FIRING" if holds(alert.kind, alert.threshold_e4, reading) else "OK"
    if new == old:
        return False
    event_id = uuid.uuid4()
    event_type = FIRED if new == "FIRING" else RESOLVED
    async with in_transaction() as connection:
        changed = (
            await CreditAlert.filter(id=alert.id, state=old)
            .using_db(connection)
            .update(state=new, changed_at=now)
        )
        if changed != 1:
            return False
        await AlertEvent.create(
            id=event_id,
            alert_id=alert.id,
            type=event_type,
            payload=event_body(event_id, event_type, now, alert, new, account, reading),
            created_at=now,
            # An alert without a webhook keeps its events (shown in the app) but sends nothing.
            next_attempt_at=now if alert.webhook_url else None,
            attempts=0,
            using_db=connection,
        )
    alert.state = new
    return True


async def evaluate_organization(organization_id: str, now: datetime | None = None) -> int:
    """Evaluate every alert of the organization; the number of state changes made."""
    alerts = await CreditAlert.filter(organization_id=organization_id).order_by("id")
    if not alerts:
        return 0
    now = now or datetime.now(UTC)
    accounts = {
        a.credit_source_id: a for a in await accounts_of(await load_hierarchy(organization_id))
    }
    readings: dict[str, Reading] = {}
    changes = 0
    for alert in alerts:
        account = accounts.get(alert.credit_source_id)
        if account is None:
            continue
        if account.credit_source_id not in readings:
            readings[account.credit_source_id] = await read_account(account, now)
        changes += await change_state(alert, account, readings[account.credit_source_id], now)
    return changes


async def evaluate_after_ingest(organization_ids: set[str]) -> None:
    """After an accepted batch: the batch is stored whatever happens here, so a failure is
    logged (the minute loop evaluates again) rather than turned into the batch's answer."""
    for organization_id in sorted(organization_ids):
        try:
            await evaluate_organization(organization_id)
        except Exception:
            logger.exception("evaluating the alerts of %s after an ingest failed", organization_id)


async def evaluate_all(now: datetime | None = None) -> int:
    """Every organization that has alerts."""
    organization_ids = await CreditAlert.all().distinct().values_list("organization_id", flat=True)
    changes = 0
    for organization_id in sorted(set(map(str, organization_ids))):
        changes += await evaluate_organization(organization_id, now)
    return changes
