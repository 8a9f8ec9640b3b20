"""Loading, updating and error states: a skeleton while the app starts, dimmed numbers while
they update, and for every error either a Retry that can work or the way back to a valid view."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server, screenshot
from tests.browser.helpers import (
    last_days,
    org_today,
    report_rows,
    settle,
    shown_date,
    shown_span,
    sign_in,
)


def alert(page: Page) -> Any:
    return page.locator("cr-report [role=alert], cr-drilldown:not([hidden]) [role=alert]")


def test_an_unknown_sort_in_a_link_says_so_and_leads_back(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?sort=BOGUS&channel=FAX")
    expect(alert(page)).to_contain_text("The sort column “BOGUS” does not exist")
    expect(alert(page)).to_contain_text("The channel “FAX” does not exist")
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    screenshot(page, "state-bad-link")
    page.get_by_role("button", name="Show a valid report instead").click()
    expect(page).to_have_url(server.base_url + "/")
    assert report_rows(page), "the report is back"


def test_a_malformed_cursor_offers_the_first_page(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?after=garbage")
    expect(alert(page)).to_contain_text("could not be loaded")
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    page.get_by_role("button", name="Go to the first page").click()
    expect(page).to_have_url(server.base_url + "/")
    assert report_rows(page)


def test_a_range_too_long_offers_all_time_not_retry(page: Page, server: Server) -> None:
    today = org_today(server)
    path = f"/?range=custom&from=2001-01-01&to={today}"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    expect(alert(page)).to_contain_text("days; at most")
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    screenshot(page, "state-range-too-long")
    page.get_by_role("button", name="Show all time").click()
    expect(page).to_have_url(server.base_url + "/?range=all-time")
    assert report_rows(page)
    # The broken view was replaced, not stacked: Back does not lead to it again.
    page.go_back()
    expect(page).not_to_have_url(server.base_url + path)


def test_a_custom_range_cannot_reach_into_the_future(page: Page, server: Server) -> None:
    today = org_today(server)
    start, end = today - timedelta(days=10), today + timedelta(days=5)
    path = f"/?range=custom&from={start}&to={end}"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    expect(alert(page)).to_contain_text("must not be after today")
    range_text = page.locator("cr-report cr-date-range [data-part=text]")
    expect(range_text).to_contain_text(f"must not be after today ({shown_date(today)})")
    to = page.locator("cr-report").get_by_label("To", exact=True)
    expect(to).to_have_attribute("max", today.isoformat())
    # Choosing a future end in the control is refused on the spot.
    page.get_by_role("button", name="Show a valid report instead").click()
    settle(page)
    page.get_by_label("Date range preset").select_option("custom")
    to.fill(end.isoformat())
    to.dispatch_event("change")
    expect(range_text).to_contain_text("must not be after today")
    expect(page).to_have_url(
        f"{server.base_url}/?range=custom&from={last_days(today, 30)['start']}&to={today}"
    )


def test_bad_dates_in_a_link_are_named(page: Page, server: Server) -> None:
    path = "/?range=custom&from=2026-02-30&to=x"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    expect(alert(page)).to_contain_text("The custom range (2026-02-30 to x) cannot be shown")
    page.get_by_role("button", name="Show a valid report instead").click()
    expect(page).to_have_url(server.base_url + "/")


def test_a_network_failure_at_start_keeps_the_header_and_retries(
    page: Page, server: Server
) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    page.route("**/graphql", lambda route: route.abort())
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
    expect(page.locator(".app-header")).to_be_visible()
    expect(page.locator(".app-header")).to_contain_text("Credit consumption")
    screenshot(page, "state-offline-start")
    page.unroute("**/graphql")
    page.get_by_role("button", name="Try again").click()
    assert report_rows(page)


def test_a_cold_load_shows_the_page_shape_not_a_bare_word(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    held: list[Route] = []
    page.route("**/graphql", lambda route: held.append(route))
    page.reload()
    expect(page.locator("cr-app .skeleton").first).to_be_visible()
    expect(page.locator("cr-app [role=status]").first).to_contain_text("Loading")
    screenshot(page, "state-cold-load")
    for route in held:
        route.continue_()
    page.unroute("**/graphql")
    assert report_rows(page)


def test_focus_stays_in_the_pager_after_the_last_next(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?range=all-time&size=10")
    next_button = page.get_by_role("button", name="Next")
    next_button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("page-text")).to_contain_text("page 2 of 2")
    expect(next_button).to_be_disabled()
    expect(page.get_by_role("button", name="Previous")).to_be_focused()


def test_every_view_names_the_time_zone_of_its_presets(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    today = org_today(server)
    window = last_days(today, 30)
    note = page.locator("cr-report [data-slot=time-note]")
    expect(note).to_contain_text(f"today, {shown_date(today)}, in Asia/Kolkata")
    expect(note).to_contain_text("center's local date")
    # How far the ledger reaches in this scope, as the API says it, on the organization's clock.
    latest = datetime.fromisoformat(server.graphql("{ dataUpTo }")["dataUpTo"])
    local = latest.astimezone(ZoneInfo("Asia/Kolkata"))
    reach = f"Messages are recorded up to {shown_date(local.date())}, {local:%H:%M} (Asia/Kolkata)."
    expect(note).to_contain_text(reach)
    start = today - timedelta(days=29)
    expect(page.locator("cr-report [data-slot=subtitle]")).to_contain_text(shown_span(start, today))
    expect(page.locator("cr-report cr-date-range [data-part=text]")).to_have_text(
        shown_span(start, today)
    )
    assert window["end"] == today.isoformat()
    page.locator("cr-campaign-table tbody th a").first.click()
    expect(page.locator("cr-drilldown [data-slot=time-note]")).to_contain_text("Asia/Kolkata")
    expect(page.locator("cr-drilldown [data-slot=time-note]")).to_contain_text(reach)


def test_labels_read_the_same_everywhere(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    tiles = page.locator("cr-report .tile-label").all_inner_texts()
    assert tiles == ["Campaigns", "Targeted Guests", "Processed", "Credits Consumed"]
    labels = page.locator("cr-report-filters label").all_inner_texts()
    assert {"Campaign Name", "Campaign Type", "Created From", "Credit Source"} <= {
        label.strip() for label in labels
    }
    assert "Always-on" not in page.locator("cr-campaign-table").inner_text()
    page.locator("cr-campaign-table tbody th a").first.click()
    expect(page.locator("cr-drilldown .facts dt")).to_have_count(5)
    facts = page.locator("cr-drilldown .facts dt").all_inner_texts()
    assert [f.lower() for f in facts] == [
        "campaign type", "created from", "channel", "credit source", "status",
    ]  # fmt: skip
    # Text transforms aside, the words are the report's column names.
    assert page.locator("cr-drilldown .facts dt").first.text_content() == "Campaign Type"
