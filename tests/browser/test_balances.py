"""Balances: a card per credit account with the API's numbers, an overdraft said as such, the
statement's waterfall and CSV that reconcile to the closing balance, and accounts kept from
zone users."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, ZONE_EMAIL, ZONE_PASSWORD, screenshot
from tests.browser.helpers import csv_parts, last_days, org_today, plain, read_csv, sign_in

QUERY_ACCOUNTS = """
  query Accounts($burnRange: DateRange!) {
    creditAccounts {
      creditSource { id name }
      balance
      forecast { dailyBurn daysLeft runsOutOn runsOutEarliest runsOutLatest }
      statement(dateRange: $burnRange) { days { date consumed } }
    }
  }"""
QUERY_STATEMENT = """
  query Statement($id: ID!, $dateRange: DateRange!) {
    creditAccount(creditSourceId: $id) {
      statement(dateRange: $dateRange) {
        openingBalance purchased granted adjusted expired consumed closingBalance
        consumedByChannel { channel credits }
      }
    }
  }"""
RECORD = """
  mutation Record($transactions: [CreditTransactionInput!]!) {
    recordCreditTransactions(transactions: $transactions) { inserted updated }
  }"""


def accounts(server: Any) -> list[dict[str, Any]]:
    burn = last_days(org_today(server), 30)
    result: list[dict[str, Any]] = server.graphql(QUERY_ACCOUNTS, {"burnRange": burn})[
        "creditAccounts"
    ]
    return result


def open_balances(page: Page) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Balances").click()
    expect(page.locator("cr-balances")).to_have_attribute("aria-busy", "false")
    expect(page.locator(".account-card").first).to_be_visible()


def open_account(page: Page, name: str) -> None:
    page.locator(".account-card h2").get_by_role("link", name=name).click()
    expect(page.locator("cr-account")).to_have_attribute("aria-busy", "false")
    expect(page.locator("[data-testid=waterfall]")).to_be_visible()


def test_cards_show_the_api_balances_and_runways(page: Page, server: Any) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    open_balances(page)
    expect(page).to_have_url(f"{server.base_url}/?view=balances")
    expected = accounts(server)
    cards = page.locator(".account-card")
    expect(cards).to_have_count(len(expected))
    for account in expected:
        card = page.locator(f".account-card[data-account='{account['creditSource']['id']}']")
        expect(card.locator("h2")).to_have_text(account["creditSource"]["name"])
        balance = card.locator("[data-testid=balance]")
        assert balance.get_attribute("data-value") == account["balance"]
        shown = balance.inner_text().replace(",", "")
        if Decimal(account["balance"]) < 0:
            assert shown == f"Overdrawn by {plain(str(-Decimal(account['balance'])))}"
        else:
            assert shown == plain(account["balance"])
        runway = card.locator("[data-testid=runway]")
        days_left = account["forecast"]["daysLeft"]
        if days_left is None:
            expect(runway).to_contain_text("No consumption in the last 28 days")
        elif days_left > 0:
            expect(runway).to_contain_text(f"{days_left:,} day")
        expect(card.locator("svg.sparkline")).to_be_visible()
    screenshot(page, "balances-cards")
    page.go_back()
    expect(page.locator("cr-report")).to_be_visible()
    expect(page.locator("cr-balances")).to_be_hidden()


def test_statement_waterfall_and_csv_reconcile_with_the_api(page: Page, server: Any) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    open_balances(page)
    account = accounts(server)[0]
    source = account["creditSource"]
    open_account(page, source["name"])
    window = last_days(org_today(server), 30)
    statement = server.graphql(QUERY_STATEMENT, {"id": source["id"], "dateRange": window})[
        "creditAccount"
    ]["statement"]
    steps = page.locator("[data-testid=waterfall] [data-step]")
    credits = dict(
        zip(
            steps.evaluate_all("s => s.map(e => e.dataset.step)"),
            steps.evaluate_all("s => s.map(e => e.dataset.credits)"),
            strict=True,
        )
    )
    assert Decimal(credits["opening"]) == Decimal(statement["openingBalance"])
    assert Decimal(credits["closing"]) == Decimal(statement["closingBalance"])
    changes = [Decimal(v) for k, v in credits.items() if k not in ("opening", "closing")]
    assert Decimal(credits["opening"]) + sum(changes) == Decimal(credits["closing"])
    closing_tile = page.locator("[data-testid=closing]")
    assert closing_tile.inner_text().replace(",", "") == plain(statement["closingBalance"])
    screenshot(page, "balances-statement")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    parts = csv_parts(read_csv(download.value), "Line")
    assert parts["title"] == ["Credit statement"]
    assert parts["facts"]["Account ID"] == source["id"]
    assert parts["header"] == ["Line", "Credits", "Balance after"]
    assert parts["total"][:2] == ["Closing balance", plain(statement["closingBalance"])]
    assert parts["notes"]["Consumed"] == plain(statement["consumed"])
    rows = sum(Decimal(row[1]) for row in parts["data"])
    assert rows == Decimal(statement["closingBalance"])
    assert parts["data"][-1][2] == plain(statement["closingBalance"])

    # The statement's dates live in the URL; Back returns to the previous window.
    page.locator("cr-account").get_by_label("Date range preset").select_option("last-7-days")
    expect(page).to_have_url(
        f"{server.base_url}/?view=account&drange=last-7-days&account={source['id']}"
    )
    expect(page.locator("cr-account")).to_have_attribute("aria-busy", "false")
    page.go_back()
    expect(page.locator("cr-account").get_by_label("Date range preset")).to_have_value(
        "last-30-days"
    )


def test_an_overdrawn_account_says_so(page: Page, server: Any) -> None:
    account = accounts(server)[-1]
    source = account["creditSource"]
    timezone = ZoneInfo("UTC")
    # An adjustment taking the balance to exactly -120.5.
    credits = -(Decimal(account["balance"]) + Decimal("120.5"))
    server.graphql(
        RECORD,
        {
            "transactions": [
                {
                    "externalId": f"browser-overdraft-{source['id']}",
                    "creditSourceId": source["id"],
                    "kind": "ADJUSTMENT",
                    "credits": str(credits),
                    "occurredAt": (datetime.now(timezone) - timedelta(hours=1)).isoformat(),
                    "note": "Correction for a browser test",
                }
            ]
        },
        write=True,
    )
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    open_balances(page)
    card = page.locator(f".account-card[data-account='{source['id']}']")
    balance = card.locator("[data-testid=balance]")
    expect(balance).to_have_text("Overdrawn by 120.5")
    expect(balance).to_have_class("balance-value negative")
    expect(card.locator("[data-testid=runway]")).to_contain_text("Out of credits")
    open_account(page, source["name"])
    expect(page.locator("cr-account [data-testid=balance]")).to_have_text("Overdrawn by 120.5")
    expect(page.locator("[data-testid=transactions-table]")).to_contain_text(
        "Correction for a browser test"
    )


def test_zone_user_has_no_balances(page: Page, server: Any) -> None:
    sign_in(page, server.base_url, ZONE_EMAIL, ZONE_PASSWORD)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Credit consumption")).to_be_visible()
    expect(nav.get_by_role("link", name="Balances")).to_have_count(0)
    page.goto(f"{server.base_url}/?view=balances")
    expect(page.locator("[data-testid=not-for-scope]")).to_contain_text(
        "not available for your scope"
    )
    page.goto(f"{server.base_url}/?view=account&account=cs-sms")
    expect(page.locator("cr-account [data-testid=not-for-scope]")).to_be_visible()


def test_phone_shows_a_balance_on_the_first_screen(sized_page: Any, server: Any) -> None:
    page = sized_page(390, 844)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    open_balances(page)
    balance = page.locator(".account-card [data-testid=balance]").first
    box = balance.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "balances-phone")


SET_ALERT = """
  mutation Alert($alert: CreditAlertInput!) { setCreditAlert(alert: $alert) { id state } }"""


def test_alerts_show_their_kind_threshold_and_state(page: Page, server: Any) -> None:
    source = accounts(server)[0]["creditSource"]
    alert = server.graphql(
        SET_ALERT,
        {
            "alert": {
                "creditSourceId": source["id"],
                "kind": "BALANCE_BELOW",
                "threshold": "1000000000",
            }
        },
        write=True,
    )["setCreditAlert"]
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    open_balances(page)
    open_account(page, source["name"])
    item = page.locator(f".alert-item[data-alert='{alert['id']}']")
    expect(item).to_contain_text("Balance below 1,000,000,000")
    expect(item).to_contain_text("Firing" if alert["state"] == "FIRING" else "OK")
    expect(item).to_contain_text("no webhook")
