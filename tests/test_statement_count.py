"""A GraphQL request runs a fixed number of SQL statements, whatever its page size or the
number of breakdown rows (request-scoped loaders, per-campaign-set aggregations, and an
in-memory usage index rebuilt for all stale campaigns at once)."""

from __future__ import annotations

import logging

import pytest

from backend.principal import Principal
from tests.factories import ORG, campaign, load_hierarchy, message, record
from tests.graphql_client import execute

QUERY_PAGE_WITH_BREAKDOWNS = """
query Page($first: Int!) {
  campaigns(first: $first, dateRange: {start: "2026-03-01", end: "2026-03-31"}) {
    totalCount
    totals { targetedGuests processed creditsConsumed }
    edges { node {
      id name creditSource { name } targetedGuests processed creditsConsumed
      centerBreakdown { center { name } targetedGuests creditsConsumed }
      dateBreakdown { date targetedGuests creditsConsumed }
      lastWeek: dateBreakdown(dateRange: {start: "2026-03-25", end: "2026-03-31"}) { date }
    } }
  }
}
"""


def count_statements(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.name == "tortoise.db_client")


async def test_statements_do_not_grow_with_page_size_or_breakdown_rows(
    db: str, caplog: pytest.LogCaptureFixture
) -> None:
    await load_hierarchy(
        campaigns=[
            campaign(f"cmp-{i:02}", f"Campaign {i}", "ALWAYS_ON", "ORGANIZATION", ORG, "SMS")
            for i in range(12)
        ]
    )
    await record(
        *(
            message(
                f"m-{i}",
                campaign_id=f"cmp-{i % 12:02}",
                center_id=["c-pune", "c-mumbai", "c-goa"][i % 3],
                guest_id=f"g-{i % 7}",
                sent_at=f"2026-03-{1 + i % 28:02}T10:00:00+05:30",
            )
            for i in range(120)
        )
    )
    principal = Principal(ORG)
    # Hierarchy and catalog are cached per import (backend/catalog.py): read them once here.
    await execute(QUERY_PAGE_WITH_BREAKDOWNS, {"first": 1}, principal=principal)
    cold: list[int] = []
    warm: list[int] = []
    for first in (1, 12):
        # A new message in every campaign: the engine's arrays must catch up on them all.
        await record(
            *(
                message(f"new-{first}-{i}", campaign_id=f"cmp-{i:02}", guest_id=f"new-{first}")
                for i in range(12)
            )
        )
        for counts in (cold, warm):
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
                data = await execute(
                    QUERY_PAGE_WITH_BREAKDOWNS, {"first": first}, principal=principal
                )
            assert len(data["campaigns"]["edges"]) == first
            counts.append(count_statements(caplog))
    assert cold[0] == cold[1], cold
    assert warm[0] == warm[1], warm
    # Catching up costs a fixed three statements whatever the number of campaigns: their
    # states, their new visits and their new cells, read in one snapshot.
    assert cold[0] == warm[0] + 3, (cold, warm)
    assert 4 <= warm[0] <= 12, warm
