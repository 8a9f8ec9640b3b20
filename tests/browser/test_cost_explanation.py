"""The drilldown's "Why this cost" panel: every figure, split row and the template's UCS-2
characters against the API, for the organization and for a zone user."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ORG_EMAIL,
    ORG_PASSWORD,
    ZONE_EMAIL,
    ZONE_ID,
    ZONE_PASSWORD,
    Server,
    screenshot,
)
from tests.browser.helpers import number, plain, settle, sign_in

CAMPAIGN_ID = "cmp-birthday"
QUERY_COSTS = """
  query ($id: ID!, $zoneId: ID) {
    campaign(id: $id, zoneId: $zoneId) {
      costExplanation {
        creditsPerProcessed wastedCredits rateMismatches potentialSavings
        byUnits { messages units credits }
        byCountry { countryCode messages units credits }
        byOutcome { outcome messages units credits }
      }
    }
  }"""


def open_panel(page: Page, server: Server, email: str, password: str) -> None:
    path = f"/?view=centers&campaign={CAMPAIGN_ID}&range=all-time"
    sign_in(page, server.base_url, email, password, path=path)
    settle(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.method == "POST" else None)
    # Collapsed, it asks nothing; opened, it asks once.
    expect(page.get_by_test_id("cost-explanation")).not_to_have_attribute("open", "")
    assert not any("costExplanation" in body for body in sent)
    page.get_by_text("Why this cost", exact=True).click()
    expect(page.locator("cr-cost-explanation")).to_have_attribute("aria-busy", "false")
    expect(page.get_by_test_id("cost-byOutcome")).to_be_visible()
    assert sum("costExplanation" in body for body in sent) == 1


def split_rows(page: Page, key: str) -> list[list[str]]:
    rows: list[list[str]] = (
        page.get_by_test_id(f"cost-{key}")
        .locator("tbody tr")
        .evaluate_all("rows => rows.map(r => [...r.children].slice(1, 4).map(c => c.textContent))")
    )
    return [[number(cell) for cell in row] for row in rows]


def expected_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    return [[str(r["messages"]), str(r["units"]), plain(r["credits"])] for r in rows]


def check_against_api(page: Page, explanation: dict[str, Any]) -> None:
    tiles = {
        "cost-per-processed": explanation["creditsPerProcessed"],
        "cost-wasted": explanation["wastedCredits"],
        "cost-savings": explanation["potentialSavings"],
    }
    for test_id, value in tiles.items():
        expect(page.get_by_test_id(test_id)).to_have_text(_grouped(value))
    expect(page.get_by_test_id("cost-mismatches")).to_have_text(
        f"{explanation['rateMismatches']:,}"
    )
    for key in ("byUnits", "byCountry", "byOutcome"):
        assert split_rows(page, key) == expected_rows(explanation[key]), key


def _grouped(credits: str) -> str:
    whole, _, places = plain(credits).partition(".")
    return f"{int(whole):,}" + (f".{places}" if places else "")


def test_the_panel_explains_the_campaign_as_the_api_does(page: Page, server: Server) -> None:
    open_panel(page, server, ORG_EMAIL, ORG_PASSWORD)
    explanation = server.graphql(QUERY_COSTS, {"id": CAMPAIGN_ID})["campaign"]["costExplanation"]
    assert int(explanation["rateMismatches"]) > 0
    assert explanation["potentialSavings"] != "0.0000"
    check_against_api(page, explanation)
    # The birthday template's curly apostrophe is what makes it UCS-2.
    mark = page.get_by_test_id("cost-template").locator("mark.ucs2-char")
    expect(mark).to_have_count(1)
    expect(mark).to_have_attribute("data-code-point", "U+2019")
    expect(page.get_by_test_id("cost-byCategory")).to_have_count(0)  # SMS: no categories
    page.get_by_test_id("cost-explanation").scroll_into_view_if_needed()
    screenshot(page, "cost-explanation")


def test_a_zone_user_sees_only_its_zone(page: Page, server: Server) -> None:
    open_panel(page, server, ZONE_EMAIL, ZONE_PASSWORD)
    explanation = server.graphql(QUERY_COSTS, {"id": CAMPAIGN_ID, "zoneId": ZONE_ID})
    whole = server.graphql(QUERY_COSTS, {"id": CAMPAIGN_ID})
    zone_rows = expected_rows(explanation["campaign"]["costExplanation"]["byOutcome"])
    assert zone_rows != expected_rows(whole["campaign"]["costExplanation"]["byOutcome"])
    check_against_api(page, explanation["campaign"]["costExplanation"])
