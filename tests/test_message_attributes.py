"""A message's cost attributes (§10): units, countryCode, encoding and category, through the
ledger, the API and the importer; old clients unchanged, each bad value a named row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.importer import ImportRejected, open_import
from backend.ledger import BatchRejected
from backend.models import Message
from backend.principal import Principal
from tests.factories import ORG, load_hierarchy, message, record
from tests.graphql_client import execute

WRITER = Principal(ORG, can_write=True, actor="test")
MUTATION_RECORD = (
    "mutation ($messages: [MessageInput!]!) "
    "{ recordMessages(messages: $messages) { inserted updated unchanged } }"
)
STORED = ("external_id", "units", "country_code", "encoding", "category")


async def stored() -> list[tuple[Any, ...]]:
    rows = await Message.all().order_by("external_id").values_list(*STORED)
    return [tuple(row) for row in rows]


def sms(external_id: str, guest: str = "g-1", **attributes: Any) -> dict[str, Any]:
    return {**message(external_id, guest_id=guest), **attributes}


def whatsapp(external_id: str, guest: str = "g-1", **attributes: Any) -> dict[str, Any]:
    return {**message(external_id, campaign_id="cmp-west", guest_id=guest), **attributes}


def email(external_id: str, **attributes: Any) -> dict[str, Any]:
    return {**message(external_id, campaign_id="cmp-nyc", center_id="c-nyc"), **attributes}


async def test_a_message_without_attributes_is_one_unit_and_nothing_else(db: str) -> None:
    await load_hierarchy()
    await record(message("m-1"))
    data = await execute(
        MUTATION_RECORD, {"messages": [message("m-2", guest_id="g-2")]}, principal=WRITER
    )
    assert data["recordMessages"] == {"inserted": 1, "updated": 0, "unchanged": 0}
    assert await stored() == [("m-1", 1, None, None, None), ("m-2", 1, None, None, None)]


async def test_every_attribute_is_stored_and_each_batch_mixes_them(db: str) -> None:
    await load_hierarchy()
    await record(
        sms("m-1", units=3, countryCode="IN", encoding="UCS_2"),
        sms("m-2", "g-2", countryCode="AE"),
        sms("m-3", "g-3", units=2, encoding="GSM_7"),
        whatsapp("m-4", countryCode="IN", category="UTILITY"),
        whatsapp("m-5", "g-5", category="MARKETING"),
        email("m-6", units=4, countryCode="US"),
    )
    assert await stored() == [
        ("m-1", 3, "IN", "UCS_2", None),
        ("m-2", 1, "AE", None, None),
        ("m-3", 2, None, "GSM_7", None),
        ("m-4", 1, "IN", None, "UTILITY"),
        ("m-5", 1, None, None, "MARKETING"),
        ("m-6", 4, "US", None, None),
    ]


async def test_the_api_takes_attributes_as_variables_and_as_enum_literals(db: str) -> None:
    await load_hierarchy()
    await execute(
        MUTATION_RECORD,
        {"messages": [sms("m-1", units=2, countryCode="GB", encoding="UCS_2")]},
        principal=WRITER,
    )
    await execute(
        'mutation { recordMessages(messages: [{externalId: "m-2", campaignId: "cmp-west", '
        'centerId: "c-pune", guestId: "g-2", sentAt: "2026-03-01T10:00:00+05:30", '
        'outcome: PROCESSED, credits: "0.8", units: 1, countryCode: "IN", '
        "category: AUTHENTICATION}]) { inserted } }",
        principal=WRITER,
    )
    assert await stored() == [
        ("m-1", 2, "GB", "UCS_2", None),
        ("m-2", 1, "IN", None, "AUTHENTICATION"),
    ]


@pytest.mark.parametrize(
    ("value", "refusal"),
    [
        ({"encoding": "UTF_8"}, "not one of GSM_7, UCS_2"),
        ({"category": "PROMOTION"}, "not one of MARKETING, UTILITY"),
        ({"units": "2"}, "Int cannot represent"),
    ],
)
async def test_a_value_of_the_wrong_type_refuses_the_request(
    db: str, value: dict[str, Any], refusal: str
) -> None:
    await load_hierarchy()
    with pytest.raises(AssertionError, match=refusal):
        await execute(MUTATION_RECORD, {"messages": [sms("m-1", **value)]}, principal=WRITER)
    assert await Message.all().count() == 0


async def test_each_bad_value_or_channel_mismatch_is_a_named_row_and_nothing_is_stored(
    db: str,
) -> None:
    await load_hierarchy()
    rows = [
        sms("ok", units=2, countryCode="IN"),
        sms("m-1", units=0),
        sms("m-2", units=1001),
        sms("m-3", units="2"),
        sms("m-4", units=2.5),
        sms("m-5", units=True),
        sms("m-6", countryCode="in"),
        sms("m-7", countryCode="XX"),
        sms("m-8", countryCode="IND"),
        sms("m-9", countryCode=91),
        sms("m-10", encoding="UTF_8"),
        whatsapp("m-11", category="PROMOTION"),
        whatsapp("m-12", encoding="GSM_7"),
        sms("m-13", category="MARKETING"),
        email("m-14", category="SERVICE"),
        email("m-15", encoding="UCS_2"),
        sms("m-16", colour="red"),
    ]
    with pytest.raises(BatchRejected) as rejected:
        await record(*rows)
    reasons = {error.index: error.reason for error in rejected.value.errors}
    assert reasons == {
        1: "units 0 is not between 1 and 1,000",
        2: "units 1001 is not between 1 and 1,000",
        3: 'units must be a whole number, not "2"',
        4: "units must be a whole number, not 2.5",
        5: "units must be a whole number, not true",
        6: 'countryCode "in" is not two capital letters (ISO 3166-1 alpha-2, e.g. IN)',
        7: 'countryCode "XX" is not an ISO 3166-1 country',
        8: 'countryCode "IND" is not two capital letters (ISO 3166-1 alpha-2, e.g. IN)',
        9: "countryCode 91 is not two capital letters (ISO 3166-1 alpha-2, e.g. IN)",
        10: 'encoding "UTF_8" is not one of GSM_7, UCS_2',
        11: 'category "PROMOTION" is not one of MARKETING, UTILITY, AUTHENTICATION, SERVICE',
        12: 'encoding is for SMS messages; campaign "cmp-west" sends WHATSAPP',
        13: 'category is for WhatsApp messages; campaign "cmp-org" sends SMS',
        14: 'category is for WhatsApp messages; campaign "cmp-nyc" sends EMAIL',
        15: 'encoding is for SMS messages; campaign "cmp-nyc" sends EMAIL',
        16: "unknown field colour",
    }
    assert await Message.all().count() == 0


async def test_a_newer_restatement_replaces_the_attributes_and_an_older_one_does_not(
    db: str,
) -> None:
    await load_hierarchy()
    first = sms(
        "m-1",
        units=3,
        countryCode="IN",
        encoding="UCS_2",
        reportedAt="2026-03-01T10:30:00+05:30",
    )
    await record(first, sms("m-2", "g-2", units=2))
    late = {**first, "units": 1, "countryCode": "AE", "encoding": "GSM_7"}
    older = {**late, "units": 9, "reportedAt": "2026-03-01T10:15:00+05:30"}
    newer = {**late, "reportedAt": "2026-03-01T11:00:00+05:30"}
    result = await record(older)
    assert (result.updated, result.unchanged) == (0, 1)
    # A restatement that leaves the attributes out says the message has none (one unit).
    result = await record(
        newer, {**message("m-2", guest_id="g-2"), "reportedAt": newer["reportedAt"]}
    )
    assert (result.inserted, result.updated) == (0, 2)
    assert await stored() == [("m-1", 1, "AE", "GSM_7", None), ("m-2", 1, None, None, None)]
    assert await record(newer) is not None
    assert await stored() == [("m-1", 1, "AE", "GSM_7", None), ("m-2", 1, None, None, None)]


async def test_a_document_and_json_lines_import_the_attributes(db: str, tmp_path: Path) -> None:
    await load_hierarchy()
    document = tmp_path / "messages.json"
    document.write_text(
        json.dumps({"messages": [sms("m-1", units=2, countryCode="IN", encoding="UCS_2")]})
    )
    lines = tmp_path / "messages.jsonl"
    lines.write_text(
        json.dumps(whatsapp("m-2", "g-2", countryCode="AE", category="SERVICE"))
        + "\n"
        + json.dumps(sms("m-3", "g-3", units=4))
        + "\n"
    )
    await open_import(document).apply()
    await open_import(lines).apply()
    assert await stored() == [
        ("m-1", 2, "IN", "UCS_2", None),
        ("m-2", 1, "AE", None, "SERVICE"),
        ("m-3", 4, None, None, None),
    ]


async def test_an_import_names_every_bad_attribute_by_its_line(db: str, tmp_path: Path) -> None:
    await load_hierarchy()
    lines = tmp_path / "messages.jsonl"
    lines.write_text(
        json.dumps(sms("m-1", units=0, countryCode="ZZ"))
        + "\n"
        + json.dumps(sms("m-2", "g-2", category="UTILITY"))
        + "\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        await open_import(lines).apply()
    assert rejected.value.problems == [
        "line 1: units 0 is not between 1 and 1,000",
        'line 1: countryCode "ZZ" is not an ISO 3166-1 country',
        'line 2: category is for WhatsApp messages; campaign "cmp-org" sends SMS',
    ]
    assert await Message.all().count() == 0


async def test_a_count_equal_to_a_valid_one_is_still_refused_when_not_a_whole_number(
    db: str,
) -> None:
    """1, 1.0 and True are equal to Python: checked values are remembered by type too."""
    await load_hierarchy()
    await record(sms("m-1", units=1, countryCode="IN"))
    for index, units in enumerate((True, 1.0)):
        with pytest.raises(BatchRejected) as rejected:
            await record(sms(f"m-{index + 2}", units=units, countryCode="IN"))
        assert [e.reason for e in rejected.value.errors] == [
            f"units must be a whole number, not {'true' if units is True else '1.0'}"
        ]
    assert await stored() == [("m-1", 1, "IN", None, None)]
