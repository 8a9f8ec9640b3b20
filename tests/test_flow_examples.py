"""Where credits go on small hand-computed examples: zero-filled days with a guest counted once a
day, the splits, previousPeriod's window, a center principal's view and the all-time span's
limit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from backend.api.context import Context
from backend.api.schema import schema
from backend.principal import Principal
from tests.factories import ORG, load_hierarchy, message, record
from tests.graphql_client import execute
from tests.test_flows import PROMO, QUERY_FLOW, answered


async def seed_march() -> None:
    """1 Mar: g-1 by cmp-org (2) and cmp-west (0.8) at Pune, g-2 by cmp-org FAILED (1);
    3 Mar: g-1 by cmp-promo at Mumbai (0.5); 28 Feb: g-3 by cmp-org (4); cmp-nyc in New York
    on 2 Mar (its own calendar): g-1 (1)."""
    await load_hierarchy(campaigns=[PROMO])
    await record(
        message("a", "cmp-org", guest_id="g-1", credits="2"),
        message("b", "cmp-west", guest_id="g-1", credits="0.8"),
        message("c", "cmp-org", guest_id="g-2", outcome="FAILED", credits="1"),
        message("d", "cmp-promo", "c-mumbai", "g-1", "2026-03-03T09:00:00+05:30", credits="0.5"),
        message("e", "cmp-org", guest_id="g-3", sent_at="2026-02-28T10:00:00+05:30", credits="4"),
        message("f", "cmp-nyc", "c-nyc", "g-1", "2026-03-02T23:30:00-05:00", credits="1"),
    )


async def flow(
    window: tuple[str, str] | None, principal: Principal | None = None, **more: Any
) -> dict[str, Any]:
    variables: dict[str, Any] = dict(more)
    if window is not None:
        variables["dateRange"] = {"start": window[0], "end": window[1]}
    return answered(await execute(QUERY_FLOW, variables, principal=principal or Principal(ORG)))


async def test_date_breakdown_is_zero_filled_and_counts_a_guest_once_a_day(db: str) -> None:
    await seed_march()
    got = await flow(("2026-03-01", "2026-03-05"))
    assert got["dateBreakdown"] == [
        (date(2026, 3, 1), (2, 2, Decimal("3.8"))),  # g-1 reached by two campaigns: once
        (date(2026, 3, 2), (1, 1, Decimal("1"))),
        (date(2026, 3, 3), (1, 1, Decimal("0.5"))),
        (date(2026, 3, 4), (0, 0, Decimal(0))),
        (date(2026, 3, 5), (0, 0, Decimal(0))),
    ]
    assert got["byChannel"] == [
        ("SMS", (2, 2, Decimal("3.5"))),  # cmp-org and cmp-promo: g-1 once
        ("EMAIL", (1, 1, Decimal("1"))),
        ("WHATSAPP", (1, 1, Decimal("0.8"))),
    ]
    assert got["byCreditSource"] == [
        ("cs-ao", (2, 2, Decimal("3.8"))),
        ("cs-sms", (1, 2, Decimal("1.5"))),
    ]
    # Without a window: first to last date with messages.
    everything = await flow(None)
    assert [d for d, _ in everything["dateBreakdown"]] == [
        date(2026, 2, 28) + timedelta(days=i) for i in range(4)
    ]
    assert everything["previousPeriod"] is None


async def test_previous_period_is_the_window_of_the_same_length_just_before(db: str) -> None:
    await seed_march()
    # 2-3 March (two days): the previous period is 28 Feb-1 Mar.
    got = await flow(("2026-03-02", "2026-03-03"))
    assert got["previousPeriod"] == (3, 3, Decimal("7.8"))
    assert got["totals"] == (1, 2, Decimal("1.5"))
    # One day, 1 March: the previous period is 28 February alone.
    assert (await flow(("2026-03-01", "2026-03-01")))["previousPeriod"] == (1, 1, Decimal(4))
    # Filters and scope apply to it as to the window.
    west = await flow(("2026-03-02", "2026-03-03"), Principal(ORG, zone_id="zone-w"))
    assert west["previousPeriod"] == (3, 3, Decimal("7.8"))
    nyc = await flow(("2026-03-02", "2026-03-03"), Principal(ORG, center_id="c-nyc"))
    assert nyc["previousPeriod"] == (0, 0, Decimal(0))
    assert nyc["totals"] == (1, 1, Decimal(1))
    email = await flow(("2026-03-02", "2026-03-03"), filter={"channels": ["EMAIL"]})
    assert email["previousPeriod"] == (0, 0, Decimal(0))
    assert email["totals"] == (1, 1, Decimal(1))


async def test_a_center_principal_sees_only_its_center(db: str) -> None:
    await seed_march()
    got = await flow(("2026-03-01", "2026-03-03"), Principal(ORG, center_id="c-mumbai"))
    assert got["byChannel"] == [("SMS", (1, 1, Decimal("0.5")))]
    assert got["byCreditSource"] == [("cs-sms", (1, 1, Decimal("0.5")))]
    assert [n for _, n in got["dateBreakdown"]] == [
        (0, 0, Decimal(0)),
        (0, 0, Decimal(0)),
        (1, 1, Decimal("0.5")),
    ]
    # Another zone's center is answered as one that does not exist.
    result = await schema_error(Principal(ORG, center_id="c-mumbai"), centerId="c-nyc")
    assert result == await schema_error(Principal(ORG, center_id="c-mumbai"), centerId="c-none")


async def schema_error(principal: Principal, **variables: Any) -> tuple[str, str]:
    result = await schema.execute(
        QUERY_FLOW,
        variable_values=variables,
        context_value=Context(request=None, response=None, principal=principal),
    )
    assert result.errors
    error = result.errors[0]
    code = getattr(error.original_error, "code", "")
    return str(code), error.message.replace(variables.get("centerId", ""), "?")


async def test_an_all_time_span_longer_than_a_window_may_be_is_refused(db: str) -> None:
    await seed_march()
    await record(message("old", guest_id="g-9", sent_at="2012-01-01T10:00:00+05:30"))
    result = await schema.execute(
        "{ campaigns { dateBreakdown { date } } }",
        context_value=Context(request=None, response=None, principal=Principal(ORG)),
    )
    assert result.errors
    assert getattr(result.errors[0].original_error, "code", "") == "DATE_RANGE_TOO_LONG"
