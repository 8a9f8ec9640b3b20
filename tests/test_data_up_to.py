"""`dataUpTo`: when the newest message in the caller's scope was sent, and nothing beyond it."""

from __future__ import annotations

from tests.factories import load_hierarchy, message, record, token
from tests.graphql_client import http_client, post

QUERY = "query($zoneId: ID, $centerId: ID) { dataUpTo(zoneId: $zoneId, centerId: $centerId) }"


async def _data_up_to(secret: str, **narrowed: str) -> str | None:
    async with http_client() as client:
        response = await post(client, QUERY, dict(narrowed), token=secret)
    value: str | None = response.json()["data"]["dataUpTo"]
    return value


async def test_the_newest_message_in_scope_and_only_in_scope(db: str) -> None:
    await load_hierarchy()
    organization = await token()
    assert await _data_up_to(organization) is None
    await record(
        message("pune-early", sent_at="2026-03-01T09:00:00+05:30"),
        message("pune-late", guest_id="g-2", sent_at="2026-03-01T21:15:00+05:30"),
        # Later in the day but an earlier business date at Mumbai: still the newest there.
        message("mumbai", center_id="c-mumbai", sent_at="2026-02-28T23:59:00+05:30"),
        # 23:30 on 5 March in New York is 6 March in UTC, and the newest of all.
        message(
            "nyc",
            campaign_id="cmp-nyc",
            center_id="c-nyc",
            sent_at="2026-03-05T23:30:00-05:00",
        ),
    )
    assert await _data_up_to(organization) == "2026-03-06T04:30:00+00:00"
    assert await _data_up_to(organization, zoneId="zone-w") == "2026-03-01T15:45:00+00:00"
    assert await _data_up_to(organization, centerId="c-mumbai") == "2026-02-28T18:29:00+00:00"
    # A center principal learns nothing of other centers' activity.
    assert await _data_up_to(await token(center="c-pune")) == "2026-03-01T15:45:00+00:00"
    assert await _data_up_to(await token(center="c-goa")) is None
