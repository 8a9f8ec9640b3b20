"""`MessageInput` (backend/api/message_input.py): a batch reaches the ledger as the dicts it
reads, in one pass, and whatever the input object's type refused is still refused the same
way (BAD_USER_INPUT, the message's index named), while the ledger's rules stay the ledger's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from backend.api.message_input import _parse_field_by_field, parse_message_input
from backend.enums import MessageOutcome
from backend.ledger import IngestResult
from backend.models import Message
from tests.factories import load_hierarchy, message, token
from tests.graphql_client import http_client, post

RECORD = (
    "mutation ($messages: [MessageInput!]!) { recordMessages(messages: $messages) { received } }"
)


def _literal(outcome: str = "PROCESSED", guest: str = '"g-1"') -> str:
    return (
        'mutation { recordMessages(messages: [{externalId: "m-1", campaignId: "cmp-org", '
        f'centerId: "c-pune", guestId: {guest}, sentAt: "2026-03-01T10:00:00+05:30", '
        f'outcome: {outcome}, credits: "1"}}]) {{ received }} }}'
    )


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in message("m-1").items() if k != key}


def test_a_message_is_read_as_the_ledger_reads_it() -> None:
    record = parse_message_input({**message("m-1"), "centerId": 7, "reportedAt": None})
    assert record["centerId"] == "7"  # an ID may arrive as an integer
    assert record["outcome"] is MessageOutcome.PROCESSED
    sent_at = record["sentAt"]
    assert sent_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert record["credits"] == "1"  # as sent: the ledger applies its own rules to the text
    assert "reportedAt" not in record  # null: defaults to sentAt in the ledger


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"reportedAt": "2026-03-01T10:05:00Z"},
        {"reportedAt": None, "units": None},
        {"units": 3, "countryCode": "IN", "encoding": "UCS_2"},
        {"category": "MARKETING"},
        {"centerId": 7},
        {"outcome": "SKIPPED", "credits": 2},
        {"sentAt": "20260301T100000+0530"},  # a form only the fallback parser reads
    ],
)
def test_the_usual_and_the_field_by_field_reading_agree(changes: dict[str, Any]) -> None:
    raw = {**message("m-1"), **changes}
    assert parse_message_input(dict(raw)) == _parse_field_by_field(dict(raw))


REFUSED: list[tuple[str, Any, str]] = [
    ("not an object", "m-1", "is an object"),
    ("null message", None, "not to be None"),
    ("unknown field", {**message("m-1"), "extra": "x"}, "Unknown field of MessageInput: extra"),
    ("missing field", _without("externalId"), "MessageInput.externalId: a value is required"),
    ("null field", {**message("m-1"), "campaignId": None}, "MessageInput.campaignId"),
    ("unknown outcome", {**message("m-1"), "outcome": "LOST"}, "'LOST' is not one of"),
    ("outcome not text", {**message("m-1"), "outcome": 1}, "MessageInput.outcome"),
    ("fractional id", {**message("m-1"), "centerId": 1.5}, "ID cannot represent value: 1.5"),
    ("number as text", {**message("m-1"), "guestId": 5}, "String cannot represent"),
    ("unreadable instant", {**message("m-1"), "sentAt": "yesterday"}, "MessageInput.sentAt"),
    ("list as field", {**message("m-1"), "reportedAt": [1, 2]}, "MessageInput.reportedAt"),
]


@pytest.mark.parametrize(("bad", "phrase"), [(bad, phrase) for _, bad, phrase in REFUSED])
async def test_what_the_input_type_refused_is_refused_the_same_way(
    db: str, bad: Any, phrase: str
) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    batch = [message("m-0", guest_id="g-0"), bad]
    async with http_client() as client:
        response = await post(client, RECORD, {"messages": batch}, token=secret)
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at [1]" in error["message"] and phrase in error["message"], error["message"]
    assert await Message.all().count() == 0


async def test_refusals_stop_at_graphql_cores_error_limit(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    batch = [message(f"m-{n}", outcome="NOPE") for n in range(80)]
    async with http_client() as client:
        response = await post(client, RECORD, {"messages": batch}, token=secret)
    errors = response.json()["errors"]
    assert len(errors) == 51
    assert "Too many errors" in errors[-1]["message"]
    assert {e["extensions"]["code"] for e in errors[:-1]} == {"BAD_USER_INPUT"}


async def test_a_single_message_is_a_batch_of_one(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    async with http_client() as client:
        one = await post(client, RECORD, {"messages": message("m-1")}, token=secret)
        none = await post(client, RECORD, {"messages": []}, token=secret)
    assert one.json() == {"data": {"recordMessages": {"received": 1}}}
    assert none.json() == {"data": {"recordMessages": {"received": 0}}}


async def test_the_resolver_hands_the_ledger_the_batch_as_read(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_hierarchy()
    handed: list[Any] = []

    async def recording(rows: Any, **_: Any) -> IngestResult:
        handed.append(rows)
        return IngestResult(received=len(rows), inserted=0, updated=0, unchanged=len(rows))

    monkeypatch.setattr("backend.api.resolvers.record_messages", recording)
    secret = await token(write=True)
    batch = [message(f"m-{n}", guest_id=f"g-{n}") for n in range(3)]
    async with http_client() as client:
        response = await post(client, RECORD, {"messages": batch}, token=secret)
    assert response.json() == {"data": {"recordMessages": {"received": 3}}}
    (rows,) = handed
    assert [type(row) for row in rows] == [dict] * 3
    assert [row["externalId"] for row in rows] == ["m-0", "m-1", "m-2"]


async def test_a_message_written_into_the_document_names_its_outcome_as_an_enum(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    async with http_client() as client:
        accepted = await post(client, _literal(), token=secret)
        quoted = await post(client, _literal(outcome='"PROCESSED"'), token=secret)
        enum_id = await post(client, _literal(guest="G1"), token=secret)
    assert accepted.json() == {"data": {"recordMessages": {"received": 1}}}
    for refused in (quoted, enum_id):
        (error,) = refused.json()["errors"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", error


async def test_the_ledgers_rules_still_name_every_bad_row(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    batch = [
        message("m-0"),
        message("m-1", campaign_id="cmp-unknown"),
        message("m-2", credits="1.23456"),
    ]
    async with http_client() as client:
        response = await post(client, RECORD, {"messages": batch}, token=secret)
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_MESSAGES"
    assert [row["index"] for row in error["extensions"]["rows"]] == [1, 2]
