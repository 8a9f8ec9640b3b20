"""Creating, changing, deleting and listing credit alerts, and their delivery log.

An alert is checked like a transaction: its account must be one of the organization's credit
sources, its threshold is signed credits with at most 4 places (the accounts' rules), and its
webhook URL passes the address rules of backend/accounts/webhooks.py. Setting an alert
evaluates it at once, so a condition that already holds fires now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from backend.accounts.alerts import KINDS, evaluate_organization
from backend.accounts.transactions import signed_credits_to_e4
from backend.accounts.webhooks import check_webhook_url
from backend.errors import NotFound, ProductError
from backend.models import AlertDelivery, AlertEvent, CreditAlert, CreditSource

MAX_ALERTS_PER_ACCOUNT = 20
DEFAULT_DELIVERIES = 20
MAX_DELIVERIES = 200


@dataclass(frozen=True)
class DeliveryRow:
    event_id: str
    type: str
    attempted_at: datetime
    response_status: int | None
    error: str | None
    delivered: bool


def _threshold(value: Any) -> int:
    try:
        return signed_credits_to_e4(value)
    except ValueError as problem:
        raise ProductError(
            f"threshold: {str(problem).replace('credits', 'the threshold', 1)}"
        ) from None


async def set_alert(
    organization_id: str,
    *,
    alert_id: str | None,
    credit_source_id: str,
    kind: str,
    threshold: Any,
    webhook_url: str | None,
    allow_private: bool,
) -> CreditAlert:
    if kind not in KINDS:
        raise ProductError(f"kind must be one of {', '.join(KINDS)}")
    threshold_e4 = _threshold(threshold)
    url = webhook_url.strip() if webhook_url is not None else None
    if url:
        await check_webhook_url(url, allow_private)
    if not await CreditSource.exists(id=credit_source_id, organization_id=organization_id):
        raise NotFound(f"No credit source {credit_source_id!r} in your organization.")
    now = datetime.now(UTC)
    async with in_transaction() as connection:
        if alert_id is None:
            existing = (
                await CreditAlert.filter(credit_source_id=credit_source_id)
                .using_db(connection)
                .count()
            )
            if existing >= MAX_ALERTS_PER_ACCOUNT:
                raise ProductError(f"An account may have at most {MAX_ALERTS_PER_ACCOUNT} alerts.")
            alert = await CreditAlert.create(
                organization_id=organization_id,
                credit_source_id=credit_source_id,
                kind=kind,
                threshold_e4=threshold_e4,
                webhook_url=url or None,
                state="OK",
                changed_at=now,
                using_db=connection,
            )
        else:
            found = await _own(organization_id, alert_id)
            # A changed condition starts over from OK: its first evaluation says the truth.
            restart = found.kind != kind or found.credit_source_id != credit_source_id
            await (
                CreditAlert.filter(id=found.id)
                .using_db(connection)
                .update(
                    credit_source_id=credit_source_id,
                    kind=kind,
                    threshold_e4=threshold_e4,
                    webhook_url=url or None,
                    **({"state": "OK", "changed_at": now} if restart else {}),
                )
            )
            alert = await CreditAlert.get(id=found.id, using_db=connection)
    await evaluate_organization(organization_id)
    return await CreditAlert.get(id=alert.id)


async def _own(organization_id: str, alert_id: str) -> CreditAlert:
    found = (
        await CreditAlert.get_or_none(id=int(alert_id), organization_id=organization_id)
        if alert_id.isdigit() and len(alert_id) < 19
        else None
    )
    if found is None:
        raise NotFound(f"No alert {alert_id!r} in your organization.")
    return found


async def delete_alert(organization_id: str, alert_id: str) -> bool:
    """False when there was no such alert; its events and their log go with it."""
    try:
        found = await _own(organization_id, alert_id)
    except NotFound:
        return False
    async with in_transaction() as connection:
        events = await (
            AlertEvent.filter(alert_id=found.id).using_db(connection).values_list("id", flat=True)
        )
        await AlertDelivery.filter(event_id__in=list(events)).using_db(connection).delete()
        await AlertEvent.filter(alert_id=found.id).using_db(connection).delete()
        await CreditAlert.filter(id=found.id).using_db(connection).delete()
    return True


async def alerts_of(credit_source_id: str) -> list[CreditAlert]:
    return await CreditAlert.filter(credit_source_id=credit_source_id).order_by("id")


async def deliveries_of(alert_id: int, first: int | None) -> list[DeliveryRow]:
    """The alert's delivery attempts, newest first."""
    limit = DEFAULT_DELIVERIES if first is None else first
    if not 0 <= limit <= MAX_DELIVERIES:
        raise ProductError(f"first must be between 0 and {MAX_DELIVERIES}")
    rows = (
        await AlertDelivery.filter(event__alert_id=alert_id)
        .order_by("-attempted_at", "-id")
        .limit(limit)
        .values("event_id", "event__type", "attempted_at", "response_status", "error", "delivered")
    )
    return [
        DeliveryRow(
            str(r["event_id"]),
            str(r["event__type"]),
            r["attempted_at"],
            r["response_status"],
            r["error"],
            bool(r["delivered"]),
        )
        for r in rows
    ]
