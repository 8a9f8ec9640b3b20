"""Signing in and out of the web app."""

from __future__ import annotations

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server, screenshot
from tests.browser.helpers import sign_in


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_report(
    page: Page, server: Server
) -> None:
    page.goto(server.base_url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill(ORG_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("email or password is not right")
    screenshot(page, "sign-in-refused")

    page.get_by_label("Password").fill(ORG_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Credit consumption", level=1)).to_be_visible()
    expect(page.locator("cr-campaign-table tbody tr").first).to_be_visible()


def test_the_session_cookie_is_http_only_and_same_site(
    page: Page, context: BrowserContext, server: Server
) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    [cookie] = [c for c in context.cookies() if c["name"] == "credit_report_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""


def test_sign_out_ends_the_session_on_the_server(
    page: Page, context: BrowserContext, server: Server
) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    [cookie] = [c for c in context.cookies() if c["name"] == "credit_report_session"]
    stolen = {"credit_report_session": cookie["value"]}
    assert httpx.get(f"{server.base_url}/auth/me", cookies=stolen).status_code == 200

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("signed out")
    screenshot(page, "signed-out")
    # The old cookie is dead even if someone kept a copy, and the app asks to sign in again.
    assert httpx.get(f"{server.base_url}/auth/me", cookies=stolen).status_code == 401
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
