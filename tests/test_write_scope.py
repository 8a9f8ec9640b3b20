"""Writers scoped to a zone or a center: what is outside their scope reads exactly as missing,
and they can neither learn about nor block messages recorded at other centers."""

from __future__ import annotations

from typing import Any

from backend.models import IngestBatch, Message
from tests.factories import load_hierarchy, message, record, token
from tests.graphql_client import http_client, post

MUTATION = "mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted unchanged } }"


async def _write(secret: str, *messages: dict[str, Any]) -> dict[str, Any]:
    async with http_client() as client:
        response = await post(client, MUTATION, {"m": list(messages)}, token=secret)
    body: dict[str, Any] = response.json()
    return body


def _reasons(body: dict[str, Any]) -> list[str]:
    return [row["reason"] for row in body["errors"][0]["extensions"]["rows"]]


async def test_a_campaign_outside_the_writers_scope_reads_as_missing(db: str) -> None:
    await load_hierarchy()
    center_writer = await token(center="c-mumbai", write=True)
    zone_writer = await token(zone="zone-w", write=True)
    # cmp-nyc exists and reaches only c-nyc: neither writer may learn that it exists.
    for secret in (center_writer, zone_writer):
        hidden = await _write(secret, message("m-1", campaign_id="cmp-nyc", center_id="c-mumbai"))
        missing = await _write(secret, message("m-1", campaign_id="cmp-gone", center_id="c-mumbai"))
        assert _reasons(hidden) == ['unknown campaign "cmp-nyc"']
        assert _reasons(missing) == ['unknown campaign "cmp-gone"']
        assert hidden["errors"][0]["message"].replace("cmp-nyc", "X") == missing["errors"][0][
            "message"
        ].replace("cmp-gone", "X")


async def test_a_visible_campaign_that_misses_a_visible_center_says_so(db: str) -> None:
    await load_hierarchy()
    organization_writer = await token(write=True)
    body = await _write(
        organization_writer, message("m-1", campaign_id="cmp-nyc", center_id="c-pune")
    )
    assert _reasons(body) == ['campaign "cmp-nyc" does not reach center "c-pune"']


async def test_ids_stored_at_another_center_neither_leak_nor_block(db: str) -> None:
    await load_hierarchy()
    # The organization's integration records at c-pune...
    await record(*(message(f"probe-{n}", guest_id=f"g-{n}") for n in range(20)))
    mumbai = await token(center="c-mumbai", write=True)
    # ...and a c-mumbai writer sending the same ids learns nothing: they are new to it.
    body = await _write(
        mumbai,
        *(message(f"probe-{n}", center_id="c-mumbai", guest_id=f"g-{n}") for n in range(20)),
    )
    assert body == {"data": {"recordMessages": {"inserted": 20, "unchanged": 0}}}
    assert await Message.filter(center_id="c-pune").count() == 20
    assert await Message.filter(center_id="c-mumbai").count() == 20


async def test_a_writer_cannot_squat_another_centers_future_ids(db: str) -> None:
    await load_hierarchy()
    mumbai = await token(center="c-mumbai", write=True)
    pune = await token(center="c-pune", write=True)
    squatted = await _write(mumbai, message("future-1", center_id="c-mumbai"))
    genuine = await _write(pune, message("future-1", center_id="c-pune", credits="3"))
    assert squatted == {"data": {"recordMessages": {"inserted": 1, "unchanged": 0}}}
    assert genuine == {"data": {"recordMessages": {"inserted": 1, "unchanged": 0}}}
    # And each restates only its own message.
    restated = await _write(
        pune,
        message("future-1", center_id="c-pune", credits="0", reported_at="2026-03-02T00:00:00Z"),
    )
    assert restated["data"]["recordMessages"]["inserted"] == 0
    stored = {m.center_id: m.credits_e4 for m in await Message.filter(external_id="future-1")}
    assert stored == {"c-mumbai": 10_000, "c-pune": 0}


async def test_a_writer_seeing_both_centers_may_not_move_a_message(db: str) -> None:
    # Within its own scope a writer sees every center: an id recorded at one of them and sent
    # for another is refused as a conflict, so nothing is counted twice.
    await load_hierarchy()
    await record(message("m-1"))
    for secret in (await token(write=True), await token(zone="zone-w", write=True)):
        body = await _write(secret, message("m-1", center_id="c-mumbai"))
        assert "already recorded for another campaign, center" in _reasons(body)[0]
    assert await Message.all().count() == 1


async def test_rejected_batches_are_in_the_audit_trail(db: str) -> None:
    await load_hierarchy()
    secret = await token(center="c-mumbai", write=True)
    await _write(secret, message("m-1"), message("m-2", center_id="c-mumbai", credits="x"))
    (batch,) = await IngestBatch.all()
    assert (batch.action, batch.received, batch.inserted, batch.rejected) == ("REJECTED", 2, 0, 2)
    assert batch.actor.startswith("token:")
    assert batch.organization_id == "org-1"
