"""Credit alerts (§9): fire once when the condition becomes true and resolve once when it
becomes false, after every ingest of messages or transactions; the three conditions; who may
manage alerts; webhook URLs refused by the address rules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from backend.accounts.alert_settings import set_alert
from backend.accounts.alerts import evaluate_organization
from backend.accounts.transactions import record_transactions
from backend.accounts.webhooks import WebhookRefused, check_webhook_url
from backend.models import AlertEvent, CreditAlert
from tests.factories import ORG, load_hierarchy, message, record, token
from tests.graphql_client import http_client, post

SET = """mutation($alert: CreditAlertInput!) { setCreditAlert(alert: $alert) {
  id kind threshold webhookUrl state } }"""
DELETE = "mutation($id: ID!) { deleteCreditAlert(id: $id) }"
ALERTS = """{ creditAccount(creditSourceId: "cs-ao") { alerts { id kind threshold state
  deliveries { eventId } } } }"""
RECORD_TRANSACTION = """mutation($id: String!, $credits: Decimal!) {
  recordCreditTransactions(transactions: [{externalId: $id, creditSourceId: "cs-ao",
  kind: GRANT, credits: $credits, occurredAt: "2026-03-01T00:00:00Z"}]) { inserted } }"""
RECORD_MESSAGES = """mutation($messages: [MessageInput!]!) { recordMessages(messages: $messages) {
  inserted } }"""


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def _events() -> list[str]:
    return [e.type for e in await AlertEvent.all().order_by("created_at")]


async def test_a_balance_alert_fires_once_and_resolves_once_across_ingests(db: str) -> None:
    await load_hierarchy()
    writer = await token(write=True)
    async with http_client() as client:

        async def grant(external_id: str, credits: str) -> None:
            variables = {"id": external_id, "credits": credits}
            body = (await post(client, RECORD_TRANSACTION, variables, token=writer)).json()
            assert "errors" not in body, body

        async def spend(*messages: dict[str, Any]) -> None:
            variables = {"messages": list(messages)}
            body = (await post(client, RECORD_MESSAGES, variables, token=writer)).json()
            assert "errors" not in body, body

        await grant("t-1", "10")
        alert = {"creditSourceId": "cs-ao", "kind": "BALANCE_BELOW", "threshold": "5"}
        body = (await post(client, SET, {"alert": alert}, token=writer)).json()
        assert body["data"]["setCreditAlert"]["state"] == "OK"
        assert body["data"]["setCreditAlert"]["threshold"] == "5.0000"
        await spend(message("m-1", credits="6"))  # balance 4 < 5: fires
        await spend(message("m-2", credits="1"))  # balance 3: still firing, no new event
        assert await _events() == ["credit_alert.fired"]
        await grant("t-2", "10")  # balance 13: resolves
        await grant("t-3", "1")  # balance 14: still OK
        assert await _events() == ["credit_alert.fired", "credit_alert.resolved"]
        body = (await post(client, ALERTS, token=writer)).json()
        (shown,) = body["data"]["creditAccount"]["alerts"]
        assert shown["state"] == "OK" and shown["deliveries"] == []


async def test_two_evaluations_at_once_make_one_event(db: str) -> None:
    await load_hierarchy()
    await set_alert(
        ORG,
        alert_id=None,
        credit_source_id="cs-ao",
        kind="BALANCE_BELOW",
        threshold="-1",
        webhook_url=None,
        allow_private=False,
    )
    await record(message("m-1", credits="3"))  # balance -3 < -1
    stale = await CreditAlert.get(kind="BALANCE_BELOW")  # read in OK by both evaluators
    assert stale.state == "OK"
    assert await evaluate_organization(ORG) == 1
    assert await evaluate_organization(ORG) == 0  # already FIRING
    assert await _events() == ["credit_alert.fired"]


async def test_days_left_and_daily_burn_conditions(db: str) -> None:
    await load_hierarchy()
    await record_transactions(
        [
            {
                "externalId": "t-1",
                "creditSourceId": "cs-ao",
                "kind": "GRANT",
                "credits": "100",
                "occurredAt": "2026-02-01T00:00:00Z",
            }
        ],
        organization_id=ORG,
        actor="test",
    )
    await record(message("m-1", sent_at="2026-03-01T10:00:00+05:30", credits="28"))
    for kind, threshold in (("DAYS_LEFT_BELOW", "3"), ("DAILY_BURN_ABOVE", "27.9999")):
        await set_alert(
            ORG,
            alert_id=None,
            credit_source_id="cs-ao",
            kind=kind,
            threshold=threshold,
            webhook_url=None,
            allow_private=False,
        )
    # On 2 March (Asia/Kolkata) yesterday's consumption is 28 > 27.9999; the burn is 1 a day,
    # the balance 72: 72 days left, not below 3.
    march_2 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    await CreditAlert.all().update(state="OK")
    assert await evaluate_organization(ORG, march_2) == 1
    states = dict(await CreditAlert.all().values_list("kind", "state"))
    assert states == {"DAYS_LEFT_BELOW": "OK", "DAILY_BURN_ABOVE": "FIRING"}
    # 3 March: nothing was consumed yesterday: the burn alert resolves. 72 days left.
    assert await evaluate_organization(ORG, datetime(2026, 3, 3, 6, 0, tzinfo=UTC)) == 1
    await CreditAlert.filter(kind="DAYS_LEFT_BELOW").update(threshold_e4=73 * 10_000)
    assert await evaluate_organization(ORG, datetime(2026, 3, 3, 6, 0, tzinfo=UTC)) == 1
    states = dict(await CreditAlert.all().values_list("kind", "state"))
    assert states == {"DAYS_LEFT_BELOW": "FIRING", "DAILY_BURN_ABOVE": "OK"}


async def test_zone_and_center_principals_may_not_manage_alerts(db: str) -> None:
    await load_hierarchy()
    alert = {"creditSourceId": "cs-ao", "kind": "BALANCE_BELOW", "threshold": "5"}
    scoped = [
        await token(zone="zone-w", write=True),
        await token(center="c-pune", write=True),
        await token(zone="zone-w"),
    ]
    async with http_client() as client:
        for secret in scoped:
            body = (await post(client, SET, {"alert": alert}, token=secret)).json()
            assert _codes(body) == ["FORBIDDEN"], body
            body = (await post(client, DELETE, {"id": "1"}, token=secret)).json()
            assert _codes(body) == ["FORBIDDEN"], body
        body = (await post(client, SET, {"alert": alert}, token=await token())).json()
        assert _codes(body) == ["FORBIDDEN"] and "--write" in body["errors"][0]["message"]
        writer = await token(write=True)
        created = (await post(client, SET, {"alert": alert}, token=writer)).json()
        alert_id = created["data"]["setCreditAlert"]["id"]
        changed = {**alert, "id": alert_id, "threshold": "7.5"}
        body = (await post(client, SET, {"alert": changed}, token=writer)).json()
        assert body["data"]["setCreditAlert"]["threshold"] == "7.5000"
        body = (await post(client, DELETE, {"id": alert_id}, token=writer)).json()
        assert body == {"data": {"deleteCreditAlert": True}}
        body = (await post(client, DELETE, {"id": alert_id}, token=writer)).json()
        assert body == {"data": {"deleteCreditAlert": False}}
    assert await CreditAlert.all().count() == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "http://93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https://[/hook",
        "https://93.184.215.14:99999/hook",
        "https://93.184.215.14/a b",
        "https://user:pass@93.184.215.14/hook",
    ],
)
async def test_webhook_urls_to_private_addresses_or_without_https_are_refused(url: str) -> None:
    with pytest.raises(WebhookRefused):
        await check_webhook_url(url, allow_private=False)


async def test_the_override_allows_http_and_private_addresses() -> None:
    await check_webhook_url("http://127.0.0.1:9/hook", allow_private=True)
    await check_webhook_url("https://93.184.215.14/hook", allow_private=False)


async def test_set_credit_alert_refuses_a_private_webhook_with_a_clear_message(db: str) -> None:
    await load_hierarchy()
    alert = {
        "creditSourceId": "cs-ao",
        "kind": "BALANCE_BELOW",
        "threshold": "5",
        "webhookUrl": "https://10.0.0.1/hook",
    }
    async with http_client() as client:
        body = (await post(client, SET, {"alert": alert}, token=await token(write=True))).json()
    assert _codes(body) == ["BAD_USER_INPUT"]
    assert "10.0.0.1" in body["errors"][0]["message"]
    assert "non-public" in body["errors"][0]["message"]
    for bad in ("5.00001", "five", 5):
        async with http_client() as client:
            refused = {**alert, "webhookUrl": None, "threshold": bad}
            body = (
                await post(client, SET, {"alert": refused}, token=await token(write=True))
            ).json()
        assert _codes(body) == ["BAD_USER_INPUT"], (bad, body)
    assert await CreditAlert.all().count() == 0
