"""The center and date drilldowns: every row, total and CSV cell against the API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server, screenshot
from tests.browser.helpers import (
    QUERY_CENTERS,
    QUERY_CENTERS_IN_ZONE,
    QUERY_DATES,
    QUERY_DATES_IN_CENTER,
    csv_parts,
    footer,
    last_days,
    number,
    org_today,
    plain,
    read_csv,
    settle,
    sign_in,
)

CAMPAIGN_ID, CAMPAIGN_NAME = "cmp-feedback", "Post-visit feedback"
ZONE_NAMES = {
    "zone-west": "West India",
    "zone-south": "South India",
    "zone-us": "North America",
    "zone-emea": "Middle East & Europe",
}


def numbers_of(row: dict[str, Any]) -> list[str]:
    return [str(row["targetedGuests"]), str(row["processed"]), plain(row["creditsConsumed"])]


def shown_rows(page: Page, kind: str) -> list[list[str]]:
    settle(page)
    rows: list[list[str]] = (
        page.get_by_test_id(f"{kind}-table")
        .locator("tbody tr")
        .evaluate_all(
            """rows => rows.map(r => [...r.children].map(
             c => c.querySelector('time')?.getAttribute('datetime') ?? c.textContent.trim()))"""
        )
    )
    return [[cell if i < (2 if kind == "centers" else 1) else number(cell) for i, cell in
             enumerate(row)] for row in rows]  # fmt: skip


def expected_center_rows(campaign: dict[str, Any]) -> list[list[str]]:
    return [
        [
            row["center"]["name"],
            ZONE_NAMES.get(row["center"]["zoneId"] or "", "No zone"),
            *numbers_of(row),
        ]
        for row in campaign["centerBreakdown"]
    ]


def expected_date_rows(campaign: dict[str, Any]) -> list[list[str]]:
    return [[row["date"], *numbers_of(row)] for row in campaign["dateBreakdown"]]


def campaign_totals(campaign: dict[str, Any]) -> dict[str, str]:
    return dict(
        zip(["targetedGuests", "processed", "creditsConsumed"], numbers_of(campaign), strict=True)
    )


def test_the_campaign_name_opens_its_centers(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    today = org_today(server)
    page.get_by_role("link", name=CAMPAIGN_NAME, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CAMPAIGN_NAME)
    expect(page).to_have_url(
        f"{server.base_url}/?view=centers&campaign={CAMPAIGN_ID}&drange=last-30-days"
    )
    window = last_days(today, 30)
    campaign = server.graphql(QUERY_CENTERS, {"id": CAMPAIGN_ID, "dateRange": window})["campaign"]
    assert shown_rows(page, "centers") == expected_center_rows(campaign)
    assert footer(page) == campaign_totals(campaign)
    expect(page.locator("cr-drilldown cr-chart canvas")).to_be_visible()
    expect(page.locator("cr-drilldown .note")).to_contain_text("add up to more guests")
    screenshot(page, "drilldown-centers")

    # Its own date range, independent of the report's.
    page.locator("cr-drilldown").get_by_label("Date range preset").select_option("last-7-days")
    window = last_days(today, 7)
    campaign = server.graphql(QUERY_CENTERS, {"id": CAMPAIGN_ID, "dateRange": window})["campaign"]
    assert shown_rows(page, "centers") == expected_center_rows(campaign)
    assert footer(page) == campaign_totals(campaign)

    with page.expect_download() as started:
        page.locator("cr-drilldown").get_by_role("button", name="Export CSV").click()
    download = started.value
    assert download.suggested_filename == (
        f"credit-consumption_post-visit-feedback_by-center_serenity-spas_"
        f"{window['start']}_to_{window['end']}.csv"
    )
    file = csv_parts(read_csv(download), "Center ID")
    assert file["facts"]["Campaign"] == CAMPAIGN_NAME
    assert file["facts"]["Campaign ID"] == CAMPAIGN_ID
    assert file["facts"]["Date range"] == f"{window['start']} to {window['end']} (Last 7 days)"
    assert file["header"] == [
        "Center ID", "Center", "Zone", "Time Zone", "Targeted Guests", "Processed",
        "Credits Consumed",
    ]  # fmt: skip
    assert file["data"] == [
        [center["center"]["id"], shown[0], shown[1], center["center"]["timezone"], *shown[2:]]
        for center, shown in zip(
            campaign["centerBreakdown"], expected_center_rows(campaign), strict=True
        )
    ]
    assert file["total"] == ["Campaign total", "", "", "", *numbers_of(campaign)]


def test_the_status_opens_the_dates_zero_filled(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    today = org_today(server)
    row = page.locator("cr-campaign-table tbody tr", has_text=CAMPAIGN_NAME)
    row.locator("a.status").click()
    expect(page.get_by_role("link", name="By date")).to_have_attribute("aria-current", "page")
    window = last_days(today, 30)
    campaign = server.graphql(QUERY_DATES, {"id": CAMPAIGN_ID, "dateRange": window})["campaign"]
    expected = expected_date_rows(campaign)
    assert len(expected) == 30 and expected[0][0] == window["start"]
    assert shown_rows(page, "dates") == expected
    assert footer(page) == campaign_totals(campaign)
    screenshot(page, "drilldown-dates")

    page.locator("cr-drilldown").get_by_label("Date range preset").select_option("custom")
    start = window["end"][:8] + "01"
    page.locator("cr-drilldown").get_by_label("From", exact=True).fill(start)
    page.locator("cr-drilldown").get_by_label("From", exact=True).dispatch_event("change")
    window = {"start": start, "end": window["end"]}
    expect(page).to_have_url(
        f"{server.base_url}/?view=dates&campaign={CAMPAIGN_ID}"
        f"&drange=custom&dfrom={start}&dto={window['end']}"
    )
    campaign = server.graphql(QUERY_DATES, {"id": CAMPAIGN_ID, "dateRange": window})["campaign"]
    assert shown_rows(page, "dates") == expected_date_rows(campaign)
    assert footer(page) == campaign_totals(campaign)

    with page.expect_download() as started:
        page.locator("cr-drilldown").get_by_role("button", name="Export CSV").click()
    download = started.value
    assert download.suggested_filename.endswith(
        f"_by-date_serenity-spas_{start}_to_{window['end']}.csv"
    )
    file = csv_parts(read_csv(download), "Date")
    assert file["header"] == ["Date", "Targeted Guests", "Processed", "Credits Consumed"]
    assert file["data"] == expected_date_rows(campaign)
    assert file["total"] == ["Campaign total", *numbers_of(campaign)]

    # The other breakdown keeps the drilldown's range.
    page.get_by_role("link", name="By center").click()
    campaign = server.graphql(QUERY_CENTERS, {"id": CAMPAIGN_ID, "dateRange": window})["campaign"]
    assert shown_rows(page, "centers") == expected_center_rows(campaign)


def graphql_bodies(page: Page) -> list[dict[str, Any]]:
    """The GraphQL requests the page sends from now on, as their JSON bodies."""
    bodies: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/graphql") and request.post_data:
            bodies.append(json.loads(request.post_data))

    page.on("request", record)
    return bodies


def test_a_drilldown_in_a_narrowed_scope_shows_only_that_zone(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?zone=zone-us")
    window = last_days(org_today(server), 30)
    sent = graphql_bodies(page)
    page.get_by_role("link", name=CAMPAIGN_NAME, exact=True).click()
    edges = server.graphql(QUERY_CENTERS_IN_ZONE, {"zoneId": "zone-us", "dateRange": window})
    [campaign] = [e["node"] for e in edges["campaigns"]["edges"] if e["node"]["id"] == CAMPAIGN_ID]
    shown = shown_rows(page, "centers")
    assert shown == expected_center_rows(campaign)
    assert {row[1] for row in shown} == {"North America"}
    assert footer(page) == campaign_totals(campaign)
    expect(page.locator("cr-drilldown [data-slot=subtitle]")).to_contain_text("North America")
    screenshot(page, "drilldown-centers-zone")
    # One direct `campaign(id:, zoneId:)` question, not a search of the narrowed report.
    assert len(sent) == 1, sent
    assert "campaign(id: $id, dateRange: $dateRange, zoneId: $zoneId" in sent[0]["query"]
    assert "campaigns(" not in sent[0]["query"]
    assert sent[0]["variables"] == {
        "id": CAMPAIGN_ID,
        "dateRange": window,
        "zoneId": "zone-us",
        "centerId": None,
    }


def test_a_date_drilldown_narrowed_to_a_center(page: Page, server: Server) -> None:
    path = f"/?view=dates&campaign={CAMPAIGN_ID}&center=c-boston"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    window = last_days(org_today(server), 30)
    edges = server.graphql(QUERY_DATES_IN_CENTER, {"centerId": "c-boston", "dateRange": window})
    [campaign] = [e["node"] for e in edges["campaigns"]["edges"] if e["node"]["id"] == CAMPAIGN_ID]
    expect(page.get_by_role("heading", level=1)).to_have_text(CAMPAIGN_NAME)
    assert shown_rows(page, "dates") == expected_date_rows(campaign)
    assert footer(page) == campaign_totals(campaign)
    expect(page.locator("cr-drilldown [data-slot=subtitle]")).to_contain_text("Boston Back Bay")


def test_a_campaign_outside_the_narrowed_zone_says_so(page: Page, server: Server) -> None:
    # A West India zone campaign exists in the organization but does not reach North America.
    path = "/?view=centers&campaign=cmp-anniv&zone=zone-us"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Campaign not found")
    expect(page.get_by_role("alert")).to_contain_text("no such campaign in North America")
    expect(page.locator("cr-drilldown [data-action=export]")).to_be_disabled()


def test_an_unknown_campaign_says_so(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?view=dates&campaign=cmp-nope")
    expect(page.get_by_role("alert")).to_contain_text("no such campaign")


def test_a_window_without_messages_says_so(page: Page, server: Server) -> None:
    path = f"/?view=dates&campaign={CAMPAIGN_ID}&drange=custom&dfrom=2001-01-01&dto=2001-01-31"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    empty = page.get_by_test_id("no-messages")
    expect(empty).to_contain_text("No messages from this campaign in 1 \u2013 31 Jan 2001")
    expect(page.get_by_test_id("dates-table")).to_have_count(0)
    expect(page.locator("cr-drilldown cr-chart")).to_have_count(0)
    expect(page.locator("cr-drilldown [data-action=export]")).to_be_disabled()
    screenshot(page, "drilldown-no-messages")
    empty.get_by_role("button", name="Show all time").click()
    expect(page).to_have_url(
        f"{server.base_url}/?view=dates&campaign={CAMPAIGN_ID}&drange=all-time"
    )
    expect(page.get_by_test_id("dates-table")).to_be_visible()


PERIOD = """
  query Period($id: ID!, $dateRange: DateRange) {
    campaign(id: $id, dateRange: $dateRange) { targetedGuests processed creditsConsumed }
  }"""


def period_rows(page: Page) -> list[dict[str, Any]]:
    settle(page)
    rows: list[dict[str, Any]] = (
        page.get_by_test_id("dates-table")
        .locator("tbody tr")
        .evaluate_all(
            """rows => rows.map(r => ({
              start: r.querySelector('time').getAttribute('datetime'),
              label: r.querySelector('th').textContent.trim(),
              numbers: [...r.querySelectorAll('td')].map(c => c.textContent.trim()),
            }))"""
        )
    )
    return rows


def test_long_windows_read_by_week_or_month(page: Page, server: Server) -> None:
    path = f"/?view=dates&campaign={CAMPAIGN_ID}&drange=last-90-days"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    today = org_today(server)
    window = last_days(today, 90)
    rows_control = page.locator("cr-drilldown").get_by_label("Rows")
    expect(rows_control).to_have_value("week")
    expect(page.locator("cr-drilldown .chart-caption")).to_contain_text("per week")
    weeks = period_rows(page)
    start = date.fromisoformat(window["start"])
    days = [start + timedelta(days=i) for i in range(90)]
    mondays = {day for day in days if day.weekday() == 0}
    assert [w["start"] for w in weeks] == sorted(
        {window["start"], *(d.isoformat() for d in mondays)}
    )
    # Each week's numbers are the API's for that week: distinct guests, not a sum of days.
    first_end = min(mondays) - timedelta(days=1) if start.weekday() else start + timedelta(days=6)
    first_week = {"start": window["start"], "end": first_end.isoformat()}
    first = server.graphql(PERIOD, {"id": CAMPAIGN_ID, "dateRange": first_week})["campaign"]
    assert [number(n) for n in weeks[0]["numbers"]] == numbers_of(first)
    if start.weekday():
        assert weeks[0]["label"].endswith(f"{(first_end - start).days + 1} days")
    screenshot(page, "drilldown-weeks")

    rows_control.select_option("month")
    expect(page).to_have_url(
        f"{server.base_url}/?view=dates&campaign={CAMPAIGN_ID}&drange=last-90-days&group=month"
    )
    months = period_rows(page)
    assert months[0]["start"] == window["start"]
    assert all(m["start"].endswith("-01") for m in months[1:])
    whole = server.graphql(PERIOD, {"id": CAMPAIGN_ID, "dateRange": window})["campaign"]
    assert sum(int(number(m["numbers"][1])) for m in months) == whole["processed"]
    assert footer(page) == campaign_totals(whole)

    rows_control.select_option("day")
    assert len(period_rows(page)) == 90


def test_the_date_chart_has_one_labelled_axis(page: Page, server: Server) -> None:
    path = f"/?view=dates&campaign={CAMPAIGN_ID}"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    settle(page)
    chart = page.locator("cr-drilldown cr-chart canvas")
    expect(chart).to_be_visible()
    config = chart.evaluate(
        """canvas => {
          const chart = Chart.getChart(canvas);
          return {
            datasets: chart.data.datasets.map((d) => d.label),
            axes: Object.keys(chart.options.scales).sort(),
            title: chart.options.scales.y.title.text,
          };
        }"""
    )
    credits = "Credits Consumed"
    assert config == {"datasets": [credits], "axes": ["x", "y"], "title": credits}


def test_a_drilldown_range_cannot_reach_into_the_future(page: Page, server: Server) -> None:
    path = f"/?view=dates&campaign={CAMPAIGN_ID}"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    drilldown = page.locator("cr-drilldown")
    drilldown.get_by_label("Date range preset").select_option("custom")
    tomorrow = org_today(server) + timedelta(days=1)
    to = drilldown.get_by_label("To", exact=True)
    expect(to).to_have_attribute("max", (tomorrow - timedelta(days=1)).isoformat())
    url = page.url
    to.fill(tomorrow.isoformat())
    to.dispatch_event("change")
    expect(drilldown.locator("cr-date-range [data-part=text]")).to_contain_text(
        "must not be after today"
    )
    assert page.url == url


def test_a_center_without_a_zone_says_no_zone(page: Page, server: Server) -> None:
    path = f"/?view=centers&campaign={CAMPAIGN_ID}&drange=all-time"
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path=path)
    row = page.get_by_test_id("centers-table").locator("tbody tr", has_text="Goa Flagship")
    expect(row.locator("td").first).to_have_text("No zone")


def test_a_missing_campaign_names_itself_in_the_tab(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?view=centers&campaign=cmp-nope")
    expect(page).to_have_title("Campaign not found · Credit consumption")
    page.get_by_role("link", name="Back to the report").click()
    expect(page.locator("cr-report")).to_be_visible()
