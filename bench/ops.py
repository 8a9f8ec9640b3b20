"""The benchmark's operations: GraphQL documents for the product, URLs for the floor, and the
normal form both answers are compared in (exact decimals, same keys, same order)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

QUERY_REPORT_PAGE = """
query ReportPage($range: DateRange!, $first: Int!) {
  campaigns(dateRange: $range, first: $first,
            orderBy: {field: CREDITS_CONSUMED, direction: DESC}) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name type createdFrom channel status creditSource { id name }
      targetedGuests processed creditsConsumed
    } }
  }
}
"""

QUERY_CENTER_DRILLDOWN = """
query CenterDrilldown($id: ID!, $range: DateRange!) {
  campaign(id: $id, dateRange: $range) {
    id name targetedGuests processed creditsConsumed
    centerBreakdown { center { id name timezone } targetedGuests processed creditsConsumed }
  }
}
"""

QUERY_DATE_DRILLDOWN = """
query DateDrilldown($id: ID!, $range: DateRange!) {
  campaign(id: $id, dateRange: $range) {
    id name targetedGuests processed creditsConsumed
    dateBreakdown { date targetedGuests processed creditsConsumed }
  }
}
"""

MUTATION_RECORD_MESSAGES = """
mutation Record($messages: [MessageInput!]!) {
  recordMessages(messages: $messages) { received inserted updated unchanged }
}
"""

PAGE_SIZE = 50


@dataclass(frozen=True)
class Operation:
    """One timed request, to the product (GraphQL) and to its floor (a plain GET)."""

    key: str
    title: str
    token: str  # which principal asks: "org" or "center"
    query: str
    variables: dict[str, Any]
    floor_path: str
    floor_params: dict[str, str]


def _range(start: date, end: date) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def report_page(
    key: str, title: str, token: str, org: str, center: str | None, start: date, end: date
) -> Operation:
    params = {"organization": org, **_range(start, end), "first": str(PAGE_SIZE)}
    if center is not None:
        params["center"] = center
    return Operation(
        key,
        title,
        token,
        QUERY_REPORT_PAGE,
        {"range": _range(start, end), "first": PAGE_SIZE},
        "/report",
        params,
    )


def drilldown(key: str, title: str, org: str, campaign: str, start: date, end: date) -> Operation:
    centers = key.endswith("centers")
    return Operation(
        key,
        title,
        "org",
        QUERY_CENTER_DRILLDOWN if centers else QUERY_DATE_DRILLDOWN,
        {"id": campaign, "range": _range(start, end)},
        f"/campaign/{campaign}/{'centers' if centers else 'dates'}",
        {"organization": org, **_range(start, end)},
    )


def _usage(node: dict[str, Any]) -> tuple[int, int, Decimal]:
    return (
        int(node["targetedGuests"]),
        int(node["processed"]),
        Decimal(str(node["creditsConsumed"])),
    )


def normal_from_api(key: str, data: dict[str, Any]) -> Any:
    """The product's answer in the comparable normal form."""
    if key.startswith("report"):
        connection = data["campaigns"]
        return {
            "totalCount": connection["totalCount"],
            "totals": _usage(connection["totals"]),
            "rows": [
                (
                    n["id"],
                    n["name"],
                    n["type"],
                    n["createdFrom"],
                    n["channel"],
                    n["creditSource"]["name"],
                    n["status"],
                    *_usage(n),
                )
                for n in (edge["node"] for edge in connection["edges"])
            ],
        }
    campaign = data["campaign"]
    head = (campaign["id"], campaign["name"], *_usage(campaign))
    rows: list[tuple[Any, ...]]
    if "centerBreakdown" in campaign:
        rows = [
            (r["center"]["id"], r["center"]["name"], r["center"]["timezone"], *_usage(r))
            for r in campaign["centerBreakdown"]
        ]
    else:
        rows = [(r["date"], *_usage(r)) for r in campaign["dateBreakdown"]]
    return {"campaign": head, "rows": rows}


def normal_from_floor(key: str, body: dict[str, Any]) -> Any:
    """The floor's answer in the same normal form."""
    if key.startswith("report"):
        return {
            "totalCount": body["totalCount"],
            "totals": _usage(body["totals"]),
            "rows": [
                (
                    r["id"],
                    r["name"],
                    r["type"],
                    r["createdFrom"],
                    r["channel"],
                    r["creditSource"],
                    r["status"],
                    *_usage(r),
                )
                for r in body["rows"]
            ],
        }
    head = (body["id"], body["name"], *_usage(body))
    rows: list[tuple[Any, ...]]
    if "centers" in body:
        rows = [(r["id"], r["name"], r["timezone"], *_usage(r)) for r in body["centers"]]
    else:
        rows = [(r["date"], *_usage(r)) for r in body["dates"]]
    return {"campaign": head, "rows": rows}


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two normal forms differ, for an assertion message a person can act on."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: present on one side only"
            found = first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"
