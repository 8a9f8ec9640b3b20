"""Where credits go, at the top of the report: the splits, the tiles' changes against the
previous period, the chart's channel stacks and the days' CSV hold the API's numbers, and the
day table opens from the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
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
from tests.browser.helpers import (
    ACTIVE,
    csv_parts,
    last_days,
    org_today,
    plain,
    read_csv,
    settle,
    sign_in,
)

USAGE = "targetedGuests processed creditsConsumed"
QUERY_FLOW = f"""
query Flow($dateRange: DateRange, $filter: CampaignFilter, $zoneId: ID) {{
  campaigns(dateRange: $dateRange, filter: $filter, zoneId: $zoneId, first: 0) {{
    totals {{ {USAGE} }}
    previousPeriod {{ {USAGE} }}
    byChannel {{ channel {USAGE} }}
    byCreditSource {{ creditSource {{ name }} {USAGE} }}
    dateBreakdown {{ date {USAGE} }}
  }}
}}
"""
LABELS = {"SMS": "SMS", "WHATSAPP": "WhatsApp", "EMAIL": "Email"}


def grouped(credits: str) -> str:
    whole, _, fraction = plain(credits).partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def change(current: Any, previous: Any) -> str:
    """The tiles' change, worked out here from the exact values."""
    now, before = Decimal(str(current)), Decimal(str(previous))
    if now == before:
        return "no change"
    if before == 0:
        return "new"
    percent = (abs(now - before) * 100 / before).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "\u2212" if now < before else "+"  # a minus sign, as the tiles show it
    return f"{sign}<1%" if percent == 0 else f"{sign}{int(percent):,}%"


def split_rows(page: Page, kind: str) -> list[list[str]]:
    rows = page.locator(f"[data-testid=flow-{kind}] tbody tr")
    return [[c.strip() for c in row.locator("th, td").all_inner_texts()] for row in rows.all()]


def test_the_flow_shows_the_api_numbers(page: Page, server: Server) -> None:
    today = org_today(server)
    window = last_days(today, 30)
    path = f"/?range=custom&from={window['start']}&to={window['end']}"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    flow = page.locator("cr-report-flow")
    expect(flow).to_have_attribute("aria-busy", "false")
    expect(page.locator("[data-testid=flow-channel]")).to_be_visible()
    settle(page)
    api = server.graphql(QUERY_FLOW, {"dateRange": window, "filter": ACTIVE})["campaigns"]
    assert api["byChannel"], "the demo has messages in the last 30 days"

    total = Decimal(api["totals"]["creditsConsumed"])

    def shown(row: dict[str, Any], name: str) -> list[str]:
        part = Decimal(row["creditsConsumed"])
        share = (part * 100 / total).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return [
            name,
            f"{row['targetedGuests']:,}",
            f"{row['processed']:,}",
            grouped(row["creditsConsumed"]),
            f"{share}%",
        ]

    assert split_rows(page, "channel") == [shown(r, LABELS[r["channel"]]) for r in api["byChannel"]]
    assert split_rows(page, "source") == [
        shown(r, r["creditSource"]["name"]) for r in api["byCreditSource"]
    ]

    # Each tile's change against the 30 days before.
    previous = api["previousPeriod"]
    for key in ("targetedGuests", "processed", "creditsConsumed"):
        expected = f"{change(api['totals'][key], previous[key])} vs previous 30 days"
        expect(page.locator(f"[data-change={key}]")).to_have_text(expected)

    # The chart stacks one dataset per channel, day by day, adding up to the day's credits.
    stacks = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector("cr-report-flow canvas"));
            return { labels: chart.data.labels.length,
                     datasets: chart.data.datasets.map((d) => [d.label, d.data]) };
        }"""
    )
    assert stacks["labels"] == 30
    assert [name for name, _ in stacks["datasets"]] == ["SMS", "WhatsApp", "Email"]
    for day, row in enumerate(api["dateBreakdown"]):
        stacked = sum(Decimal(str(values[day])) for _, values in stacks["datasets"])
        assert abs(stacked - Decimal(row["creditsConsumed"])) < Decimal("0.001")

    # The days' table opens from the keyboard.
    summary = flow.locator(".flow-days summary")
    summary.focus()
    page.keyboard.press("Enter")
    days = page.locator("[data-testid=flow-days] tbody tr")
    expect(days).to_have_count(30)
    screenshot(page, "report-flow")

    # The CSV holds the days with exact credits, each day's channels adding up to it.
    with page.expect_download() as download:
        flow.get_by_role("button", name="Download days as CSV").click()
    parts = csv_parts(read_csv(download.value), "Date")
    assert parts["header"] == [
        "Date",
        "SMS Credits",
        "WhatsApp Credits",
        "Email Credits",
        "Credits Consumed",
        "Targeted Guests",
        "Processed",
    ]
    assert [row[0] for row in parts["data"]] == [
        (today - timedelta(days=29 - i)).isoformat() for i in range(30)
    ]
    for row, api_row in zip(parts["data"], api["dateBreakdown"], strict=True):
        assert row[4] == plain(api_row["creditsConsumed"])
        assert sum(Decimal(c) for c in row[1:4]) == Decimal(row[4])
        assert row[5:] == [str(api_row["targetedGuests"]), str(api_row["processed"])]
    assert parts["total"][4] == plain(api["totals"]["creditsConsumed"])


def test_on_a_phone_the_flow_folds_and_opens_from_the_keyboard(
    sized_page: Callable[[int, int], Page], server: Server
) -> None:
    page = sized_page(390, 844)
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    flow = page.locator("cr-report-flow")
    expect(flow).to_have_attribute("aria-busy", "false")
    details = flow.locator("details.flow-box")
    expect(details).not_to_have_attribute("open", "")
    # Folded, the campaigns' first row stays on the first screen.
    first_row = page.locator("cr-campaign-table tbody tr").first.bounding_box()
    assert first_row is not None and first_row["y"] + first_row["height"] <= 844
    summary = details.locator(":scope > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(details).to_have_attribute("open", "")
    expect(page.locator("[data-testid=flow-channel]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "report-flow-phone")


def test_a_zone_user_sees_where_its_zones_credits_go(page: Page, server: Server) -> None:
    window = last_days(org_today(server), 30)
    path = f"/?range=custom&from={window['start']}&to={window['end']}"
    sign_in(page, server.base_url, ZONE_EMAIL, ZONE_PASSWORD, path=path)
    expect(page.locator("cr-report-flow")).to_have_attribute("aria-busy", "false")
    expect(page.locator("[data-testid=flow-channel]")).to_be_visible()
    variables = {"dateRange": window, "filter": ACTIVE, "zoneId": ZONE_ID}
    api = server.graphql(QUERY_FLOW, variables)["campaigns"]
    shown = [row[:4] for row in split_rows(page, "channel")]
    assert shown == [
        [
            LABELS[r["channel"]],
            f"{r['targetedGuests']:,}",
            f"{r['processed']:,}",
            grouped(r["creditsConsumed"]),
        ]
        for r in api["byChannel"]
    ]
    expect(page.locator("[data-change=creditsConsumed]")).to_have_text(
        f"{change(api['totals']['creditsConsumed'], api['previousPeriod']['creditsConsumed'])}"
        " vs previous 30 days"
    )
