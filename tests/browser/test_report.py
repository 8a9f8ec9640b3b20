"""Marketing > Credit consumption: every number on screen is the API's, through every control."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import ORG_EMAIL, ORG_PASSWORD, Server, screenshot
from tests.browser.helpers import (
    ACTIVE,
    QUERY_REPORT,
    REPORT_HEADERS,
    all_campaigns,
    csv_parts,
    expected_report_row,
    footer,
    last_days,
    org_today,
    plain,
    read_csv,
    report_rows,
    settle,
    shown_report_row,
    sign_in,
)


def api_page(server: Server, **variables: Any) -> dict[str, Any]:
    """The API's page for the report's question; like the report, only campaigns with activity
    unless the filter says otherwise."""
    variables["filter"] = {**ACTIVE, **variables.get("filter", {})}
    connection: dict[str, Any] = server.graphql(QUERY_REPORT, variables)["campaigns"]
    return connection


def grouped(credits: str) -> str:
    """Credits as the tiles and tables show them: grouped, only the decimals they need."""
    whole, _, fraction = plain(credits).partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def assert_table_is(page: Page, connection: dict[str, Any]) -> None:
    shown = [shown_report_row(row) for row in report_rows(page)]
    assert shown == [expected_report_row(edge["node"]) for edge in connection["edges"]]
    totals = connection["totals"]
    assert footer(page) == {
        "TARGETED_GUESTS": str(totals["targetedGuests"]),
        "PROCESSED": str(totals["processed"]),
        "CREDITS_CONSUMED": plain(totals["creditsConsumed"]),
    }


def test_the_report_shows_every_column_and_the_api_numbers(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    headers = page.locator("cr-campaign-table thead th").all_inner_texts()
    assert [h.replace("↕", "").replace("▼", "").strip().lower() for h in headers] == [
        h.lower() for h in REPORT_HEADERS
    ]
    window = last_days(org_today(server), 30)
    expected = api_page(server, dateRange=window, first=25)
    assert_table_is(page, expected)
    expect(page.locator("[data-total=creditsConsumed]")).to_have_text(
        grouped(expected["totals"]["creditsConsumed"])
    )
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    screenshot(page, "report")


def test_date_range_presets_and_a_custom_range(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    today = org_today(server)
    preset = page.get_by_label("Date range preset").first
    preset.select_option("last-90-days")
    expect(page).to_have_url(f"{server.base_url}/?range=last-90-days")
    assert_table_is(page, api_page(server, dateRange=last_days(today, 90), first=25))

    preset.select_option("last-7-days")
    assert_table_is(page, api_page(server, dateRange=last_days(today, 7), first=25))

    preset.select_option("custom")
    start = (today - timedelta(days=45)).isoformat()
    page.get_by_label("From", exact=True).first.fill(start)
    page.get_by_label("To", exact=True).first.fill(today.isoformat())
    page.get_by_label("To", exact=True).first.dispatch_event("change")
    expect(page).to_have_url(f"{server.base_url}/?range=custom&from={start}&to={today}")
    window = {"start": start, "end": today.isoformat()}
    assert_table_is(page, api_page(server, dateRange=window, first=25))
    screenshot(page, "report-custom-range")

    preset.select_option("all-time")
    assert_table_is(page, api_page(server, first=25))


def test_sorting_by_header_click_and_keyboard(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    window = last_days(org_today(server), 30)
    page.get_by_role("button", name="Processed").click()
    expect(page.locator("th[aria-sort]")).to_contain_text("Processed")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    order = {"field": "PROCESSED", "direction": "DESC"}
    assert_table_is(page, api_page(server, dateRange=window, orderBy=order, first=25))

    # The header keeps focus after the table re-renders, so Enter sorts the other way.
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    order = {"field": "PROCESSED", "direction": "ASC"}
    assert_table_is(page, api_page(server, dateRange=window, orderBy=order, first=25))

    page.get_by_role("button", name="Campaign Name").focus()
    page.keyboard.press("Space")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    order = {"field": "NAME", "direction": "ASC"}
    assert_table_is(page, api_page(server, dateRange=window, orderBy=order, first=25))
    expect(page).to_have_url(f"{server.base_url}/?sort=NAME&dir=ASC")


def test_filters_and_name_search(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    window = last_days(org_today(server), 90)
    page.get_by_label("Date range preset").first.select_option("last-90-days")
    page.get_by_label("Channel").select_option("SMS")
    page.get_by_label("Campaign type").select_option("ALWAYS_ON")
    expected = api_page(
        server, dateRange=window, filter={"channels": ["SMS"], "types": ["ALWAYS_ON"]}, first=25
    )
    assert expected["edges"], "the demo data has always-on SMS campaigns"
    assert_table_is(page, expected)

    page.get_by_label("Campaign type").select_option("")
    page.get_by_label("Credit source").select_option(label="Always-On credits")
    page.get_by_label("Status").select_option("LIVE")
    page.get_by_label("Created from").select_option("CENTER")
    filter_ = {
        "channels": ["SMS"],
        "statuses": ["LIVE"],
        "createdFrom": ["CENTER"],
        "creditSourceIds": ["cs-always-on"],
    }
    assert api_page(server, dateRange=window, filter=filter_)["edges"], "a campaign matches"
    assert_table_is(page, api_page(server, dateRange=window, filter=filter_, first=25))
    screenshot(page, "report-filtered")

    page.get_by_role("button", name="Clear filters").first.click()
    page.get_by_label("Campaign name").fill("BIRTH")
    expect(page).to_have_url(f"{server.base_url}/?range=last-90-days&q=BIRTH")
    expected = api_page(server, dateRange=window, filter={"nameContains": "BIRTH"}, first=25)
    assert [e["node"]["name"] for e in expected["edges"]] == ["Birthday wishes"]
    assert_table_is(page, expected)

    page.get_by_label("Campaign name").fill("no campaign is called this")
    expect(page.locator(".state-empty")).to_contain_text("No campaigns match these filters")
    screenshot(page, "report-empty")
    page.locator(".state-empty").get_by_role("button", name="Clear filters").click()
    expect(page.get_by_label("Campaign name")).to_have_value("")
    settle(page)
    assert_table_is(page, api_page(server, dateRange=window, first=25))

    # On by default: unchecking it brings back the campaigns without a message in the window.
    active = api_page(server, dateRange=window, first=25)
    assert all(e["node"]["targetedGuests"] > 0 for e in active["edges"])
    expect(page.get_by_label("Only campaigns with activity")).to_be_checked()
    page.get_by_label("Only campaigns with activity").uncheck()
    expect(page).to_have_url(f"{server.base_url}/?range=last-90-days&active=0")
    everything = api_page(server, dateRange=window, filter={"withActivity": False}, first=25)
    assert everything["totalCount"] >= active["totalCount"]
    assert_table_is(page, everything)


def test_paging_forward_and_back(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?range=all-time&size=10")
    first = api_page(server, first=10)
    assert first["totalCount"] > 10, "the demo data has more than one page of campaigns"
    assert_table_is(page, first)
    expect(page.get_by_test_id("page-text")).to_contain_text(f"1\u201310 of {first['totalCount']}")
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()

    page.get_by_role("button", name="Next").click()
    second = api_page(server, first=10, after=first["pageInfo"]["endCursor"])
    assert_table_is(page, second)
    expect(page.get_by_test_id("page-text")).to_contain_text("page 2")
    screenshot(page, "report-page-2")

    page.get_by_role("button", name="Previous").click()
    assert_table_is(page, first)

    page.get_by_label("Rows per page").select_option("25")
    assert_table_is(page, api_page(server, first=25))
    expect(page.get_by_role("button", name="Next")).to_be_disabled()


def test_the_csv_holds_every_campaign_with_the_numbers_on_screen(
    page: Page, server: Server
) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD, path="/?range=last-90-days&size=10")
    today = org_today(server)
    window = last_days(today, 90)
    with page.expect_download() as started:
        page.get_by_role("button", name="Export CSV").click()
    download = started.value
    assert download.suggested_filename == (
        f"credit-consumption_serenity-spas_{window['start']}_to_{window['end']}.csv"
    )
    nodes, totals = all_campaigns(server, {"dateRange": window, "filter": ACTIVE})
    file = csv_parts(read_csv(download), "Campaign ID")
    # What the file is, where a spreadsheet user sees it: above the data, one line each.
    assert file["title"] == ["Credit consumption by campaign"]
    facts = file["facts"]
    assert facts["Scope"] == "Serenity Spas (organization)"
    assert facts["Date range"] == f"{window['start']} to {window['end']} (Last 90 days)"
    assert facts["Filters"] == "Only campaigns with activity"
    assert facts["Exported at"].startswith(today.isoformat())
    assert facts["Exported at"].endswith("+05:30 (Asia/Kolkata)")
    assert file["blank_before_header"]
    # Data rows only, each with its campaign's id; credits exact without needless zeros.
    assert file["header"] == ["Campaign ID", *REPORT_HEADERS]
    assert file["data"] == [[node["id"], *expected_report_row(node)] for node in nodes]
    # The total apart from the data, labelled, then the note on Targeted Guests.
    assert file["total"] == [
        f"Total ({len(nodes)} campaigns)", "", "", "",
        str(totals["targetedGuests"]), str(totals["processed"]), plain(totals["creditsConsumed"]),
        "", "", "",
    ]  # fmt: skip
    guests = sum(int(row[4]) for row in file["data"])
    assert guests > totals["targetedGuests"], "the demo's guests overlap across campaigns"
    assert "distinct guests" in file["notes"]["Note"]
    # The first page of the CSV is the page on screen, cell for cell.
    assert [shown_report_row(row) for row in report_rows(page)] == [
        row[1:] for row in file["data"][:10]
    ]


def test_an_organization_user_narrows_the_scope_to_a_zone_and_a_center(
    page: Page, server: Server
) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    window = last_days(org_today(server), 30)
    page.get_by_label("Scope").select_option(label="West India")
    expect(page).to_have_url(f"{server.base_url}/?zone=zone-west")
    assert_table_is(page, api_page(server, dateRange=window, zoneId="zone-west", first=25))
    expect(page.locator("[data-slot=subtitle]").first).to_contain_text("West India")

    page.get_by_label("Scope").select_option(label="New York SoHo")
    assert_table_is(page, api_page(server, dateRange=window, centerId="c-nyc", first=25))
    with page.expect_download() as started:
        page.get_by_role("button", name="Export CSV").click()
    assert started.value.suggested_filename.startswith("credit-consumption_center-new-york-soho_")
    screenshot(page, "report-center-scope")


def test_a_failed_request_shows_an_error_with_retry(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    page.route("**/graphql", lambda route: route.abort())
    page.get_by_label("Channel").select_option("EMAIL")
    expect(page.get_by_role("alert")).to_contain_text("cannot be reached")
    screenshot(page, "report-error")
    page.unroute("**/graphql")
    page.get_by_role("button", name="Retry").click()
    window = last_days(org_today(server), 30)
    expected = api_page(server, dateRange=window, filter={"channels": ["EMAIL"]}, first=25)
    assert_table_is(page, expected)


def test_loading_is_announced_while_the_api_answers(page: Page, server: Server) -> None:
    sign_in(page, server.base_url, ORG_EMAIL, ORG_PASSWORD)
    held: list[Any] = []
    page.route("**/graphql", lambda route: held.append(route))
    page.get_by_label("Status").select_option("PAUSED")
    expect(page.locator("cr-report")).to_have_attribute("aria-busy", "true")
    expect(page.locator("cr-report [data-slot=status]")).to_have_text("Updating…")
    # The old numbers stay, dimmed and marked, until the new ones arrive.
    tiles = page.locator("cr-report .tiles")
    expect(tiles).to_have_attribute("aria-busy", "true")
    expect(tiles.locator(".tile").first).to_have_css("opacity", "0.45")
    screenshot(page, "report-loading")
    for route in held:
        route.continue_()
    page.unroute("**/graphql")
    settle(page)
    expect(tiles).to_have_attribute("aria-busy", "false")
    expect(tiles.locator(".tile").first).to_have_css("opacity", "1")
    window = last_days(org_today(server), 30)
    assert_table_is(
        page, api_page(server, dateRange=window, filter={"statuses": ["PAUSED"]}, first=25)
    )
