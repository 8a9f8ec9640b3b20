"""`dataUpTo`: how far the ledger reaches in the caller's scope, and nothing beyond it."""

from __future__ import annotations

from tests.factories import load_hierarchy, message, record, token
from tests.graphql_client import http_client, post

QUERY = "query($zoneId: ID) { campaigns(zoneId: $zoneId, first: 1) { dataUpTo } }"


async def _data_up_to(secret: str, zone_id: str | None = None) -> str | None:
    async with http_client() as client:
        response = await post(client, QUERY, {"zoneId": zone_id}, token=secret)
    value: str | None = response.json()["data"]["campaigns"]["dataUpTo"]
    return value


async def test_the_newest_business_date_in_scope_and_only_in_scope(db: str) -> None:
    await load_hierarchy()
    organization = await token()
    assert await _data_up_to(organization) is None
    await record(
        message("pune", sent_at="2026-03-01T10:00:00+05:30"),
        # 23:30 in New York on 5 March is 6 March in UTC: the center's own date counts.
        message(
            "nyc",
            campaign_id="cmp-nyc",
            center_id="c-nyc",
            sent_at="2026-03-05T23:30:00-05:00",
        ),
    )
    assert await _data_up_to(organization) == "2026-03-05"
    assert await _data_up_to(organization, "zone-w") == "2026-03-01"
    # A center principal learns nothing of other centers' activity.
    assert await _data_up_to(await token(center="c-pune")) == "2026-03-01"
    assert await _data_up_to(await token(center="c-mumbai")) is None
