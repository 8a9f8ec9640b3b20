"""Administrators manage credit accounts in the app: they record a transaction and see the
balance move by exactly its credits, a retry after a lost answer records it once, and they add,
change and delete alerts, with the API's refusals shown with their reasons and codes. Other
users see none of these controls.

The module runs its own server on a database of its own, with an administrator added by
`credit-report user create --admin`, so its changes never move the numbers other modules check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Route, expect

from backend import demo
from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server, _cli, _serve, screenshot
from tests.browser.helpers import sign_in
from tests.conftest import fresh_database_url

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "admin-password"
T = TypeVar("T")

QUERY_ACCOUNT = """
  query Account($id: ID!) {
    creditAccount(creditSourceId: $id) {
      creditSource { id name }
      balance
      transactions(first: 100) { edges { node { externalId kind credits note } } }
      alerts { id kind threshold webhookUrl state }
    }
  }"""
QUERY_ACCOUNTS = "{ creditAccounts { creditSource { id name } } }"
SET_ALERT = """
  mutation Alert($alert: CreditAlertInput!) { setCreditAlert(alert: $alert) { id } }"""


def _in_thread(work: Callable[[], T]) -> T:
    """Run `work` in a thread of its own: creating or dropping a PostgreSQL database runs an
    event loop, and Playwright's sync API may already run one in this thread."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(work).result()


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("admin-web")
    database = fresh_database_url(folder)
    database_url = _in_thread(database.__enter__)
    serving = _serve(folder, database_url)
    try:
        server = next(serving)
        _cli(
            "user", "create", "--email", ADMIN_EMAIL, "--organization", demo.ORGANIZATION_ID,
            "--admin", "--password-stdin",
            database_url=database_url, stdin=ADMIN_PASSWORD + "\n",
        )  # fmt: skip
        yield server
    finally:
        serving.close()
        _in_thread(lambda: database.__exit__(None, None, None))


def account(server: Server, source_id: str) -> dict[str, Any]:
    found: dict[str, Any] = server.graphql(QUERY_ACCOUNT, {"id": source_id})["creditAccount"]
    return found


def first_source(server: Server) -> dict[str, str]:
    source: dict[str, str] = server.graphql(QUERY_ACCOUNTS)["creditAccounts"][0]["creditSource"]
    return source


def open_account(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Balances").click()
    expect(page.locator("cr-balances")).to_have_attribute("aria-busy", "false")
    page.locator(".account-card h2").get_by_role("link", name=name).click()
    settled(page)


def settled(page: Page) -> None:
    expect(page.locator("cr-account")).to_have_attribute("aria-busy", "false")
    expect(page.locator("[data-testid=waterfall]")).to_be_visible()


def shown_balance(page: Page) -> Decimal:
    return Decimal(page.locator("cr-account [data-testid=balance]").get_attribute("data-value"))


def test_an_admin_records_a_transaction_and_sees_the_balance_move(
    page: Page, admin_server: Server
) -> None:
    source = first_source(admin_server)
    sign_in(page, admin_server.base_url, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Balances").click()
    expect(page.get_by_test_id("manage-hint")).to_be_visible()
    open_account(page, source["name"])
    before = shown_balance(page)
    assert before == Decimal(account(admin_server, source["id"])["balance"])

    toggle = page.get_by_role("button", name="Record a transaction")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    form = page.get_by_test_id("transaction-form")
    expect(form.get_by_label("Kind")).to_be_focused()
    message = page.get_by_test_id("transaction-message")

    # Text the API would not take is refused before anything is sent.
    form.get_by_label("Credits").fill("1,000")
    form.get_by_role("button", name="Record transaction").click()
    expect(message).to_contain_text("at most 4 decimal places")
    expect(form.get_by_label("Credits")).to_have_attribute("aria-invalid", "true")
    # A rule only the API knows: its row's reason and code are shown; nothing is stored.
    form.get_by_label("Credits").fill("-5")
    form.get_by_role("button", name="Record transaction").click()
    expect(message).to_contain_text("of a PURCHASE must be more than 0")
    expect(message).to_contain_text("Code: INVALID_TRANSACTIONS")

    # Sent from the keyboard; the server records it but the answer is lost on the way back.
    form.get_by_label("Credits").fill("1234.5678")
    form.get_by_label("Note (optional)").fill("Bought in the browser test")

    def lose_answer(route: Route) -> None:
        route.fetch()
        route.abort()

    page.route("**/graphql", lose_answer, times=1)
    form.get_by_label("Note (optional)").press("Enter")
    expect(message).to_contain_text("The server cannot be reached")
    # Sending it again records nothing twice: the form kept the transaction's externalId.
    form.get_by_role("button", name="Record transaction").click()
    expect(message).to_have_text("This transaction was already recorded; nothing changed.")
    settled(page)
    after = before + Decimal("1234.5678")
    expect(page.locator("cr-account [data-testid=balance]")).to_have_attribute(
        "data-value", str(Decimal(account(admin_server, source["id"])["balance"]))
    )
    assert shown_balance(page) == after
    expect(page.get_by_test_id("transactions-table")).to_contain_text("Bought in the browser test")
    stored = [
        e["node"]
        for e in account(admin_server, source["id"])["transactions"]["edges"]
        if e["node"]["note"] == "Bought in the browser test"
    ]
    assert len(stored) == 1
    assert stored[0]["kind"] == "PURCHASE" and Decimal(stored[0]["credits"]) == Decimal("1234.5678")
    assert stored[0]["externalId"].startswith("web-")

    # The next one is a new transaction, with a key of its own.
    form.get_by_label("Kind").select_option("GRANT")
    form.get_by_label("Credits").fill("10")
    form.get_by_role("button", name="Record transaction").click()
    expect(message).to_have_text("Recorded: Grant of 10 credits.")
    settled(page)
    assert shown_balance(page) == after + 10
    screenshot(page, "account-admin-transaction")
    form.get_by_role("button", name="Close").click()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # The Balances cards, loaded before the change, show the new balance too.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link").click()
    card = page.locator(f".account-card[data-account='{source['id']}']")
    expect(card.locator("[data-testid=balance]")).to_have_attribute(
        "data-value", str(Decimal(account(admin_server, source["id"])["balance"]))
    )


def test_an_admin_adds_changes_and_deletes_an_alert(page: Page, admin_server: Server) -> None:
    source = first_source(admin_server)
    sign_in(page, admin_server.base_url, ADMIN_EMAIL, ADMIN_PASSWORD)
    open_account(page, source["name"])
    toggle = page.get_by_role("button", name="Add an alert")
    toggle.click()
    form = page.get_by_test_id("alert-form")
    message = page.get_by_test_id("alert-message")
    expect(form.get_by_label("Condition")).to_be_focused()
    # Escape closes the form and returns to its button; Enter on the button opens it again.
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(form.get_by_label("Condition")).to_be_focused()
    form.get_by_label("Condition").select_option("BALANCE_BELOW")
    form.get_by_label("Threshold").fill("1000000000")
    form.get_by_role("button", name="Add alert").click()
    expect(message).to_contain_text("Added the alert “Balance below 1,000,000,000”")
    settled(page)
    alerts = account(admin_server, source["id"])["alerts"]
    assert [(a["kind"], Decimal(a["threshold"]), a["state"]) for a in alerts] == [
        ("BALANCE_BELOW", Decimal(1_000_000_000), "FIRING")
    ]
    item = page.locator(f".alert-item[data-alert='{alerts[0]['id']}']")
    expect(item).to_contain_text("Firing")

    item.get_by_role("button", name="Change the alert Balance below 1,000,000,000").click()
    form = page.get_by_test_id("alert-form")
    expect(form.get_by_role("heading")).to_contain_text("Change the alert")
    expect(form.get_by_label("Threshold")).to_have_value("1000000000")
    form.get_by_label("Threshold").fill("1")
    form.get_by_label("Webhook URL (optional)").fill("http://hooks.example/credits")
    form.get_by_role("button", name="Save alert").click()
    # The API's refusal, with its code; the alert is unchanged.
    expect(message).to_contain_text("The alert was not saved.")
    expect(message).to_contain_text("https://")
    expect(message).to_contain_text("Code: ")
    screenshot(page, "account-admin-alert-refused")
    assert Decimal(account(admin_server, source["id"])["alerts"][0]["threshold"]) == 1_000_000_000
    form.get_by_label("Webhook URL (optional)").fill("")
    form.get_by_role("button", name="Save alert").click()
    expect(message).to_contain_text("Saved the alert “Balance below 1”: its condition is OK now.")
    settled(page)
    expect(item).to_contain_text("Balance below 1")
    expect(item).to_contain_text("OK")

    item.get_by_role("button", name="Delete the alert Balance below 1").click()
    confirm = page.get_by_test_id("alert-delete")
    expect(confirm.get_by_role("heading")).to_be_focused()
    confirm.get_by_role("button", name="Delete alert").click()
    expect(message).to_contain_text("Deleted the alert “Balance below 1”.")
    settled(page)
    expect(page.get_by_test_id("no-alerts")).to_be_visible()
    assert account(admin_server, source["id"])["alerts"] == []


def test_other_users_see_no_controls(page: Page, admin_server: Server) -> None:
    source = first_source(admin_server)
    admin_server.graphql(
        SET_ALERT,
        {"alert": {"creditSourceId": source["id"], "kind": "DAYS_LEFT_BELOW", "threshold": "7"}},
        write=True,
    )
    sign_in(page, admin_server.base_url, ORG_EMAIL, ORG_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Balances").click()
    expect(page.locator(".account-card").first).to_be_visible()
    expect(page.get_by_test_id("manage-hint")).to_have_count(0)
    open_account(page, source["name"])
    expect(page.locator(".alert-item")).to_contain_text("Days left below 7")
    expect(page.locator("cr-account-manage")).to_be_hidden()
    expect(page.get_by_role("button", name="Record a transaction")).to_have_count(0)
    expect(page.get_by_role("button", name="Add an alert")).to_have_count(0)
    expect(page.locator(".alert-item button")).to_have_count(0)


ZONED_TIMES = [
    ("2026-03-01T09:30", "Asia/Kolkata"),
    ("2026-01-15T12:00", "America/New_York"),
    ("2026-07-01T12:00", "America/New_York"),
    # Either side of New York's spring change (02:00 -> 03:00 on 8 March 2026).
    ("2026-03-08T01:30", "America/New_York"),
    ("2026-03-08T03:30", "America/New_York"),
    # Twice on the clocks when autumn's change repeats the hour: the first, as Python reads it.
    ("2026-11-01T01:30", "America/New_York"),
    # Either side of London's autumn change (01:00 UTC on 25 October 2026).
    ("2026-10-25T00:30", "Europe/London"),
    ("2026-10-25T03:00", "Europe/London"),
    ("2026-06-30T23:59", "Australia/Lord_Howe"),  # a 30-minute daylight-saving shift
]


def test_times_and_credits_are_sent_as_the_api_reads_them(page: Page, admin_server: Server) -> None:
    """The forms' conversions, run in the browser: a time read on the organization's clocks
    becomes the instant Python's zoneinfo gives it, and credits stay the text typed."""
    page.goto(admin_server.base_url + "/")
    converted = page.evaluate(
        """async (cases) => {
            const input = await import("/lib/account-input.js");
            return {
                times: cases.map(([local, zone]) => input.zonedInstant(local, zone)),
                decimals: ["500", " -12.5 ", "0.0001", "1,000", "1e3", "0.12345", "+5", "١٢", ""]
                    .map((text) => input.decimalText(text)),
                thresholds: ["-1", "7"].map((text) => input.decimalText(text, { signed: false })),
            };
        }""",
        ZONED_TIMES,
    )
    expected = [
        datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).isoformat()
        for local, zone in ZONED_TIMES
    ]
    assert converted["times"] == expected
    assert converted["decimals"] == ["500", "-12.5", "0.0001", None, None, None, None, None, None]
    assert converted["thresholds"] == [None, "7"]
