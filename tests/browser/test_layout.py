"""The web app at the widths operators use: a 1,280 px laptop shows every column, a wider
table says it scrolls, and a phone shows the campaign, its credits and the totals first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server, screenshot
from tests.browser.helpers import REPORT_HEADERS, settle, sign_in

SizedPage = Callable[[int, int], Page]

TABLE_BOXES = """() => {
  const scroller = document.querySelector('cr-campaign-table .table-scroll');
  const box = (el) => el.getBoundingClientRect().toJSON();
  return {
    viewport: window.innerWidth,
    scroller: box(scroller),
    overflow: scroller.scrollWidth - scroller.clientWidth,
    headers: [...scroller.querySelectorAll('thead th')].map(box),
    badges: [...scroller.querySelectorAll('tbody a.status')].map((a) => ({
      ...box(a), text: a.textContent.trim(), clipped: a.scrollWidth > a.clientWidth,
    })),
  };
}"""


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["left"] >= outer["left"] - 0.5
        and inner["right"] <= outer["right"] + 0.5
        and inner["width"] > 0
    )


def test_every_column_and_the_first_status_fit_a_1280_laptop(
    sized_page: SizedPage, server: Server
) -> None:
    page = sized_page(1280, 800)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    boxes = page.evaluate(TABLE_BOXES)
    assert boxes["overflow"] <= 0, "the table scrolls sideways at 1,280 px"
    viewport = {"left": 0, "right": boxes["viewport"], "width": boxes["viewport"]}
    assert len(boxes["headers"]) == len(REPORT_HEADERS)
    for header in boxes["headers"]:
        assert inside(header, boxes["scroller"]) and inside(header, viewport)
    # The date drilldown's entry point, the first row's status, is on screen.
    first_status = boxes["badges"][0]
    assert inside(first_status, boxes["scroller"]) and inside(first_status, viewport)
    expect(page.locator("cr-campaign-table .scroll-hint")).to_be_hidden()
    screenshot(page, "layout-1280")


def test_status_badges_are_whole_at_1440(sized_page: SizedPage, server: Server) -> None:
    page = sized_page(1440, 900)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?range=all-time&size=50")
    boxes = page.evaluate(TABLE_BOXES)
    assert {b["text"] for b in boxes["badges"]} >= {"Live", "Processed", "Paused"}
    for badge in boxes["badges"]:
        assert not badge["clipped"], badge
        assert inside(badge, boxes["scroller"]), badge
    screenshot(page, "layout-1440")


def test_a_table_wider_than_its_box_says_so_and_scrolls(
    sized_page: SizedPage, server: Server
) -> None:
    page = sized_page(960, 800)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    scroller = page.locator("cr-campaign-table .table-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    hint = page.locator("cr-campaign-table .scroll-hint")
    expect(hint).to_be_visible()
    expect(page.locator("cr-campaign-table cr-scroll-region")).to_have_attribute(
        "data-more-right", ""
    )
    screenshot(page, "layout-960-scroll-hint")
    hint.click()
    page.wait_for_function(
        "() => document.querySelector('cr-campaign-table .table-scroll').scrollLeft > 0"
    )
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    expect(hint).to_be_hidden()


def test_a_phone_shows_the_campaign_its_credits_and_the_totals_first(
    sized_page: SizedPage, server: Server
) -> None:
    page = sized_page(390, 844)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    first_screen = 844

    def box(selector: str) -> dict[str, float]:
        found: dict[str, float] = page.locator(selector).first.evaluate(
            "el => el.getBoundingClientRect().toJSON()"
        )
        return found

    for total in ("creditsConsumed", "campaigns", "targetedGuests", "processed"):
        tile = box(f"[data-total={total}]")
        assert tile["bottom"] <= first_screen and tile["right"] <= 390, total
    headers = page.locator("cr-campaign-table thead th").all_inner_texts()
    assert "credits consumed" in headers[1].lower(), headers
    name = box("cr-campaign-table tbody tr th a")
    credits = box("cr-campaign-table tbody tr td[data-column=CREDITS_CONSUMED]")
    for cell in (name, credits):
        assert cell["bottom"] <= first_screen and cell["right"] <= 390, cell
    # The filters fold behind one button that says what applies.
    toggle = page.locator("cr-report-filters .filters-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_contain_text("Last 30 days")
    expect(page.get_by_label("Channel")).to_be_hidden()
    screenshot(page, "phone-first-screen")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_label("Channel").select_option("SMS")
    settle(page)
    expect(toggle).to_contain_text("1 changed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


COVERED_TOTALS = """() => {
  const scroller = document.querySelector('cr-campaign-table .table-scroll');
  const label = scroller.querySelector('tfoot th');
  scroller.querySelector('tfoot').scrollIntoView({ block: 'center' });
  const hits = [];
  for (const cell of scroller.querySelectorAll('tfoot td[data-column]')) {
    // Scroll the table so the cell sits just right of the sticky name column.
    scroller.scrollLeft = Math.max(0, cell.offsetLeft - label.offsetWidth);
    const r = cell.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    hits.push({
      column: cell.dataset.column, visible: cell.contains(hit), label: label.offsetWidth,
    });
  }
  scroller.scrollLeft = 0;
  for (const value of document.querySelectorAll('cr-report .tile-value')) {
    value.scrollIntoView({ block: 'center' });
    const r = value.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    hits.push({ column: value.dataset.total, visible: value.contains(hit) });
  }
  return hits;
}"""


def test_nothing_covers_the_totals_on_a_phone(sized_page: SizedPage, server: Server) -> None:
    page = sized_page(390, 844)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    hits: list[dict[str, Any]] = page.evaluate(COVERED_TOTALS)
    assert {h["column"] for h in hits} >= {
        "TARGETED_GUESTS", "PROCESSED", "CREDITS_CONSUMED", "creditsConsumed", "campaigns",
    }  # fmt: skip
    assert [h for h in hits if not h["visible"]] == []
    # The sticky label is one column, narrower than half the phone.
    assert all(h.get("label", 0) < 195 for h in hits)


def test_filter_labels_line_up_and_the_table_follows_the_tiles(
    sized_page: SizedPage, server: Server
) -> None:
    page = sized_page(1280, 800)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    tops = page.evaluate(
        """() => ['Scope', 'Date Range', 'Campaign Name', 'Channel', 'Status'].map((text) => {
          const labels = document.querySelectorAll(
            'cr-report-filters label, cr-report-filters .field-label');
          const label = [...labels].find(
            (el) => el.textContent.trim().toLowerCase() === text.toLowerCase());
          return Math.round(label.getBoundingClientRect().top);
        })"""
    )
    assert max(tops) - min(tops) <= 1, tops
    gap = page.evaluate(
        """() => document.querySelector('cr-campaign-table').getBoundingClientRect().top
               - document.querySelector('cr-report .tiles').getBoundingClientRect().bottom"""
    )
    assert gap <= 64, f"{gap}px between the tiles and the table"


def test_a_phone_drilldown_puts_credits_next_to_the_center(
    sized_page: SizedPage, server: Server
) -> None:
    page = sized_page(390, 844)
    path = "/?view=centers&campaign=cmp-feedback"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    table = page.get_by_test_id("centers-table")
    headers = table.locator("thead th").all_inner_texts()
    assert [h.lower() for h in headers] == [
        "center", "credits consumed", "processed", "targeted guests", "zone",
    ]  # fmt: skip
    credits = table.locator("tbody tr td[data-column=creditsConsumed]").first
    box = credits.evaluate("el => el.getBoundingClientRect().toJSON()")
    assert box["right"] <= 390
    footer_label = table.locator("tfoot th").evaluate("el => el.getBoundingClientRect().width")
    assert footer_label < 195, "the total's label is one column wide"
    screenshot(page, "phone-drilldown-centers")
