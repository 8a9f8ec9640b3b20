"""Deep links, reload and the back button; phone width; a zone user's narrower world."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    ORG_EMAIL,
    ORG_PASSWORD,
    ZONE_EMAIL,
    ZONE_ID,
    ZONE_PASSWORD,
    Server,
    screenshot,
)
from tests.browser.helpers import (
    QUERY_REPORT,
    expected_report_row,
    last_days,
    org_today,
    report_rows,
    settle,
    shown_report_row,
    sign_in,
)

DEEP_LINK = (
    "/?range=custom&from={start}&to={end}&zone=zone-south&channel=WHATSAPP"
    "&q=e&sort=PROCESSED&dir=ASC&size=10"
)


def test_a_deep_link_survives_reload_and_the_back_button(page: Page, server: Server) -> None:
    # A custom window ends today at the latest.
    today = org_today(server)
    start, end = (today - timedelta(days=300)).isoformat(), today.isoformat()
    link = server.base_url + DEEP_LINK.format(start=start, end=end)
    # Signing in keeps the link: the view opens as shared.
    sign_in(
        page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=DEEP_LINK.format(start=start, end=end)
    )
    expected = server.graphql(
        QUERY_REPORT,
        {
            "dateRange": {"start": start, "end": end},
            "zoneId": "zone-south",
            "filter": {"channels": ["WHATSAPP"], "nameContains": "e", "withActivity": True},
            "orderBy": {"field": "PROCESSED", "direction": "ASC"},
            "first": 10,
        },
    )["campaigns"]
    want = [expected_report_row(e["node"]) for e in expected["edges"]]
    assert want, "the deep link shows some campaigns"

    def assert_restored() -> None:
        expect(page.get_by_label("Scope")).to_have_value("zone:zone-south")
        expect(page.get_by_label("Channel")).to_have_value("WHATSAPP")
        expect(page.get_by_label("Campaign name")).to_have_value("e")
        expect(page.locator("cr-report").get_by_label("From", exact=True)).to_have_value(start)
        expect(page.locator("cr-report").get_by_label("To", exact=True)).to_have_value(end)
        expect(page.locator("th[aria-sort]")).to_contain_text("Processed")
        expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
        assert [shown_report_row(r) for r in report_rows(page)] == want

    assert_restored()
    page.reload()
    settle(page)
    assert_restored()
    screenshot(page, "deep-link")

    name = expected["edges"][0]["node"]["name"]
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.locator("cr-drilldown").get_by_label("Date range preset").select_option("last-7-days")
    page.go_back()  # the drilldown's own range
    expect(page.locator("cr-drilldown").get_by_label("Date range preset")).to_have_value("custom")
    page.go_back()  # the report, as it was
    expect(page).to_have_url(link)
    expect(page.locator("cr-report")).to_be_visible()
    assert_restored()
    page.go_forward()
    expect(page.get_by_role("heading", level=1).locator("visible=true")).to_have_text(name)
    page.reload()
    expect(page.locator("cr-drilldown").get_by_role("heading", level=1)).to_have_text(name)


def test_keyboard_reaches_the_drilldown_from_the_table(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    first_link = page.locator("cr-campaign-table tbody th a").first
    name = first_link.inner_text()
    first_link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("cr-drilldown h1")).to_have_text(name)
    expect(page.locator("cr-drilldown h1")).to_be_focused()


def test_the_report_fits_a_phone(phone_context: BrowserContext, server: Server) -> None:
    page = phone_context.new_page()
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at a phone width ({width}px)"
    expect(page.locator("cr-campaign-table .table-scroll")).to_be_visible()
    screenshot(page, "report-phone")
    page.locator("cr-campaign-table tbody th a").first.click()
    settle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "drilldown-phone")


def test_a_zone_user_sees_only_their_zone(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ZONE_EMAIL, ZONE_PASSWORD)
    options = page.get_by_label("Scope").locator("option").all_inner_texts()
    assert options == ["All of West India", "Mumbai Bandra", "Pune Baner"]
    expect(page.locator("cr-report [data-slot=subtitle]")).to_contain_text("West India")
    # What an organization token sees narrowed to the zone is what the zone user sees.
    window = last_days(org_today(server), 30)
    expected = server.graphql(
        QUERY_REPORT,
        {"zoneId": ZONE_ID, "dateRange": window, "filter": {"withActivity": True}, "first": 25},
    )
    edges = expected["campaigns"]["edges"]
    assert [shown_report_row(r) for r in report_rows(page)] == [
        expected_report_row(e["node"]) for e in edges
    ]
    # A link to a zone outside the user's scope is refused like one that does not exist.
    page.goto(server.base_url + "/?zone=zone-us")
    expect(page.get_by_role("alert")).to_contain_text("could not be loaded")
    screenshot(page, "zone-user-outside-scope")
    page.get_by_role("button", name="Show West India").click()
    expect(page).to_have_url(server.base_url + "/")
    assert [shown_report_row(r) for r in report_rows(page)] == [
        expected_report_row(e["node"]) for e in edges
    ]
