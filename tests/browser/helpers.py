"""What the browser tests do and read, in the words of the UI, and the API queries they check
it against (the same questions the app asks, sent with a token instead of the session)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Download, Page, expect

LABELS = {
    "ALWAYS_ON": "Always-On",
    "SCHEDULED": "Scheduled",
    "ORGANIZATION": "Organization",
    "ZONE": "Zone",
    "CENTER": "Center",
    "SMS": "SMS",
    "WHATSAPP": "WhatsApp",
    "EMAIL": "Email",
    "LIVE": "Live",
    "PROCESSED": "Processed",
    "PAUSED": "Paused",
}
REPORT_HEADERS = [
    "Campaign Name",
    "Campaign Type",
    "Created From",
    "Targeted Guests",
    "Processed",
    "Credits Consumed",
    "Channel",
    "Credit Source",
    "Status",
]

COLUMNS = """
  id name type createdFrom channel status creditSource { id name }
  targetedGuests processed creditsConsumed
"""
QUERY_REPORT = f"""
  query Report($dateRange: DateRange, $zoneId: ID, $centerId: ID, $filter: CampaignFilter,
               $orderBy: CampaignOrder, $first: Int, $after: String) {{
    campaigns(dateRange: $dateRange, zoneId: $zoneId, centerId: $centerId, filter: $filter,
              orderBy: $orderBy, first: $first, after: $after) {{
      totalCount
      totals {{ targetedGuests processed creditsConsumed }}
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ {COLUMNS} }} }}
    }}
  }}"""
QUERY_CENTERS = f"""
  query Centers($id: ID!, $dateRange: DateRange) {{
    campaign(id: $id, dateRange: $dateRange) {{
      {COLUMNS}
      centerBreakdown {{
        center {{ id name zoneId timezone }} targetedGuests processed creditsConsumed
      }}
    }}
  }}"""
QUERY_DATES = f"""
  query Dates($id: ID!, $dateRange: DateRange) {{
    campaign(id: $id, dateRange: $dateRange) {{
      {COLUMNS}
      dateBreakdown {{ date targetedGuests processed creditsConsumed }}
    }}
  }}"""
QUERY_CENTERS_IN_ZONE = f"""
  query CentersInZone($zoneId: ID, $dateRange: DateRange) {{
    campaigns(zoneId: $zoneId, dateRange: $dateRange, first: 200) {{
      edges {{ node {{
        {COLUMNS}
        centerBreakdown {{ center {{ id name zoneId }} targetedGuests processed creditsConsumed }}
      }} }}
    }}
  }}"""
QUERY_DATES_IN_CENTER = f"""
  query DatesInCenter($centerId: ID, $dateRange: DateRange) {{
    campaigns(centerId: $centerId, dateRange: $dateRange, first: 50) {{
      edges {{ node {{
        {COLUMNS}
        dateBreakdown {{ date targetedGuests processed creditsConsumed }}
      }} }}
    }}
  }}"""
QUERY_VIEWER = "{ viewer { organization { timezone } zones { id name } centers { id zoneId } } }"


def org_today(server: Any) -> date:
    timezone = server.graphql(QUERY_VIEWER)["viewer"]["organization"]["timezone"]
    return datetime.now(ZoneInfo(timezone)).date()


def last_days(today: date, days: int) -> dict[str, str]:
    return {"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}


def sign_in(page: Page, base_url: str, email: str, password: str, path: str = "/") -> None:
    page.goto(base_url + path)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("cr-report, cr-drilldown").locator("visible=true")).to_have_count(1)
    settle(page)


def settle(page: Page) -> None:
    """Wait until the view on screen has its answer (no request in flight)."""
    view = page.locator("cr-report:not([hidden]), cr-drilldown:not([hidden])")
    expect(view).to_have_attribute("aria-busy", "false")


def number(text: str) -> str:
    """The digits a cell shows, without the thousands separators."""
    return text.replace(",", "").strip()


def plain(credits: str) -> str:
    """An API decimal as the app writes it: exact, without needless zeros (`"5030.8000"` ->
    `"5030.8"`, `"0.0000"` -> `"0"`)."""
    return format(Decimal(credits).normalize(), "f")


def report_rows(page: Page) -> list[list[str]]:
    settle(page)
    rows: list[list[str]] = page.locator("cr-campaign-table:not([hidden]) tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.children].map(c => c.textContent.trim()))"
    )
    return rows


def expected_report_row(node: dict[str, Any]) -> list[str]:
    return [
        node["name"],
        LABELS[node["type"]],
        LABELS[node["createdFrom"]],
        str(node["targetedGuests"]),
        str(node["processed"]),
        plain(node["creditsConsumed"]),
        LABELS[node["channel"]],
        node["creditSource"]["name"],
        LABELS[node["status"]],
    ]


def shown_report_row(row: list[str]) -> list[str]:
    return [number(cell) if i in (3, 4, 5) else cell for i, cell in enumerate(row)]


def footer(page: Page) -> dict[str, str]:
    view = page.locator("cr-report:not([hidden]), cr-drilldown:not([hidden])")
    cells = view.locator("[data-testid=totals-row] td[data-column]")
    values: dict[str, str] = {}
    for i in range(cells.count()):
        cell = cells.nth(i)
        values[cell.get_attribute("data-column") or ""] = number(cell.inner_text())
    return values


def read_csv(download: Download) -> list[list[str]]:
    path = download.path()
    text = Path(path).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def csv_parts(rows: list[list[str]], header_first: str) -> dict[str, Any]:
    """An export's blocks: `facts` (label -> value), `header`, `data` rows, `total`, `notes`.
    Blocks are separated by blank lines; the header row starts with `header_first`."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == header_first)
    end = rows.index([], start)
    total_at = end + 1
    return {
        "title": rows[0],
        "facts": {row[0]: row[1] for row in rows[1:start] if len(row) == 2},
        "blank_before_header": rows[start - 1] == [],
        "header": rows[start],
        "data": rows[start + 1 : end],
        "total": rows[total_at],
        "notes": {row[0]: row[1] for row in rows[total_at + 2 :] if len(row) == 2},
    }


# What the report asks by default: campaigns without a message in the window are left out.
ACTIVE = {"withActivity": True}


def all_campaigns(server: Any, variables: dict[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = server.graphql(QUERY_REPORT, {**variables, "first": 200, "after": after})
        connection = page["campaigns"]
        nodes += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return nodes, connection["totals"]
        after = connection["pageInfo"]["endCursor"]


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DASH = "\u2013"  # between the ends of a range


def shown_date(day: date) -> str:
    """A date as the app writes every date: `4 Sep 2026`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def shown_span(start: date, end: date) -> str:
    """A window as the app writes it: the ends share what they share (`3 - 30 Nov 2026`, with
    an en dash)."""
    if start.year != end.year:
        return f"{shown_date(start)} {DASH} {shown_date(end)}"
    if start.month != end.month:
        return f"{start.day} {MONTHS[start.month - 1]} {DASH} {shown_date(end)}"
    return f"{start.day} {DASH} {shown_date(end)}"
