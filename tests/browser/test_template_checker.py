"""The template checker: a typed text is analysed as the API analyses it, the characters that
force UCS-2 are highlighted with their code points, and using the GSM-7 rewrite brings the
segments down."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, ZONE_EMAIL, ZONE_PASSWORD, screenshot
from tests.browser.helpers import sign_in

APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
EMOJI = "\U0001f33f"
DRAFT = (
    f"Happy birthday, Asha! It{APOSTROPHE}s your month: enjoy 20% off any facial "
    "at Serenity Spas until the 30th. Book at serenity.example/bday."
)
QUERY_TEMPLATE_COST = """
  query TemplateCost($text: String!) {
    templateCost(text: $text, channel: SMS) {
      encoding characters segments gsm7Rewrite gsm7RewriteSegments
      ucs2Characters { codePoint positions }
    }
  }"""


def cost(server: Any, text: str) -> dict[str, Any]:
    result: dict[str, Any] = server.graphql(QUERY_TEMPLATE_COST, {"text": text})["templateCost"]
    return result


def open_checker(page: Page) -> None:
    nav = page.get_by_role("navigation", name="Sections")
    nav.get_by_role("link", name="Template checker").click()
    expect(page.get_by_role("heading", name="Template checker", level=1)).to_be_focused()
    expect(nav.get_by_role("link", name="Template checker")).to_have_attribute(
        "aria-current", "page"
    )


def test_a_curly_apostrophe_is_highlighted_and_the_rewrite_saves_segments(
    page: Page, server: Any
) -> None:
    expected = cost(server, DRAFT)
    assert (expected["encoding"], expected["gsm7RewriteSegments"]) == ("UCS_2", 1)
    assert expected["segments"] > 1
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    open_checker(page)
    expect(page.get_by_test_id("template-empty")).to_be_visible()

    text = page.get_by_label("Message text")
    text.press_sequentially(DRAFT)
    expect(page.get_by_test_id("template-encoding")).to_have_text("UCS-2 (Unicode)")
    expect(page.get_by_test_id("template-characters")).to_have_text(str(len(DRAFT)))
    expect(page.get_by_test_id("template-segments")).to_have_text(str(expected["segments"]))
    mark = page.get_by_test_id("template-preview").locator("mark.ucs2-char")
    expect(mark).to_have_count(1)
    expect(mark).to_have_text(APOSTROPHE)
    expect(mark).to_have_attribute("data-code-point", "U+2019")
    position = str(expected["ucs2Characters"][0]["positions"][0])
    cells = page.get_by_test_id("template-characters-table").locator("tbody td")
    expect(cells).to_have_text([APOSTROPHE, "U+2019", position, "“'”"])
    expect(page.get_by_test_id("template-rewrite-segments")).to_have_text("1 segment")
    screenshot(page, "template-checker-ucs2")

    # Keyboard only: the rewrite's button is reached and pressed like any other.
    use = page.get_by_role("button", name="Use the rewrite")
    use.focus()
    page.keyboard.press("Enter")
    expect(text).to_have_value(DRAFT.replace(APOSTROPHE, "'"))
    expect(page.get_by_test_id("template-encoding")).to_have_text("GSM-7")
    expect(page.get_by_test_id("template-segments")).to_have_text("1")
    expect(page.get_by_test_id("template-preview")).to_have_count(0)
    expect(page.get_by_text("Every character is GSM-7: nothing to rewrite.")).to_be_visible()
    screenshot(page, "template-checker-gsm7")


def test_an_emoji_has_no_rewrite_and_the_checker_is_open_to_every_scope(
    page: Page, server: Any
) -> None:
    sign_in(page, server.base_url, ZONE_EMAIL, ZONE_PASSWORD)
    page.goto(server.base_url + "/?view=templates")  # a deep link
    expect(page.get_by_role("heading", name="Template checker", level=1)).to_be_visible()
    draft = f"Monsoon detox week {EMOJI} book now"
    page.get_by_label("Message text").fill(draft)
    expect(page.get_by_test_id("template-no-rewrite")).to_contain_text("U+1F33F")
    expected = cost(server, draft)
    assert expected["gsm7Rewrite"] is None
    expect(page.get_by_test_id("template-characters")).to_have_text(str(expected["characters"]))
    expect(page.get_by_test_id("template-preview").locator("mark")).to_have_attribute(
        "data-code-point", "U+1F33F"
    )
    page.get_by_label("Message text").fill("")
    expect(page.get_by_test_id("template-empty")).to_be_visible()


def test_a_phone_shows_the_text_and_its_segments_without_sideways_scrolling(
    sized_page: Any, server: Any
) -> None:
    page = sized_page(390, 844)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    page.goto(server.base_url + "/?view=templates")
    page.get_by_label("Message text").fill(DRAFT)
    expect(page.get_by_test_id("template-encoding")).to_have_text("UCS-2 (Unicode)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "template-checker-phone")
