"""Every bound of the specification (§2) on a recorded message: a value outside one is a named
bad row, in the API and in import, never a 500, and its reason reads as prose."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend.models import Message
from tests.factories import hierarchy, load_hierarchy, message, token
from tests.graphql_client import http_client, post

MUTATION = "mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted } }"


def _soon(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


BAD: list[tuple[dict[str, Any], str]] = [
    ({"credits": "461168601842738.7903"}, "exceed the most a message may cost (1,000,000)"),
    ({"credits": "1000000.0001"}, "exceed the most a message may cost"),
    ({"credits": "9" * 5_000}, "exceed the most a message may cost"),
    ({"credits": "1E+999999999"}, 'is not a string of digits such as "12.5"'),
    ({"credits": "١٢"}, "is not a string of digits"),
    ({"credits": "1_000"}, "is not a string of digits"),
    ({"credits": " 3 "}, "is not a string of digits"),
    ({"credits": ""}, "is not a string of digits"),
    ({"credits": "NaN"}, "is not a string of digits"),
    ({"credits": "-1"}, "is negative"),
    ({"credits": "1.23456"}, "has more than 4 decimal places"),
    ({"credits": 1.5}, "is a JSON number"),
    ({"credits": 2}, "is a JSON number"),
    ({"sentAt": "1999-12-31T23:59:59Z"}, "is before 2000-01-01"),
    ({"sentAt": "9999-12-31T23:00:00+09:00"}, "more than a day in the future"),
    ({"sentAt": "0001-01-01T00:00:00+05:30"}, "is out of range"),
    ({"reportedAt": "2026-02-28T00:00:00Z"}, "2026-02-28T00:00:00+00:00 is before sentAt"),
    ({"reportedAt": "9999-01-01T00:00:00Z"}, "more than 5 minutes in the future"),
    ({"externalId": "m\x00nul"}, 'externalId "m\\u0000nul" must be 1 to 200 printable'),
    ({"guestId": "g\n1"}, "guestId"),
    ({"externalId": "x" * 201}, "must be 1 to 200 printable characters"),
    ({"externalId": ""}, "must be 1 to 200 printable characters"),
    ({"campaignId": "\t"}, "campaignId"),
]


def _bad_batch() -> list[dict[str, Any]]:
    rows = [message("ok-0")]
    for n, (change, _) in enumerate(BAD, start=1):
        rows.append({**message(f"bad-{n}", guest_id=f"g-{n}"), **change})
    rows.append(message("ok-last", guest_id="g-last"))
    return rows


async def test_every_bound_is_a_named_row_through_the_api(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    async with http_client() as client:
        response = await post(client, MUTATION, {"m": _bad_batch()}, token=secret)
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_MESSAGES"
    rows = {row["index"]: row["reason"] for row in error["extensions"]["rows"]}
    assert sorted(rows) == list(range(1, len(BAD) + 1))
    for n, (_, phrase) in enumerate(BAD, start=1):
        assert phrase in rows[n], (n, rows[n])
        # Written for people: no Python reprs.
        assert "Decimal(" not in rows[n] and "datetime." not in rows[n], rows[n]
    assert await Message.all().count() == 0


async def test_values_at_the_bounds_are_accepted(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    batch = [
        message("max", credits="1000000.0000"),
        message("earliest", guest_id="g-2", sent_at="2000-01-01T00:00:00Z", credits="0"),
        # Its reportedAt defaults to its sentAt: the one case it may be a day ahead.
        message("tomorrow", guest_id="g-3", sent_at=_soon(timedelta(hours=23))),
        message("reported-now", guest_id="g-4", reported_at=_soon(timedelta(minutes=4))),
        message("x" * 200, guest_id="é" * 200),
    ]
    async with http_client() as client:
        response = await post(client, MUTATION, {"m": batch}, token=secret)
    assert response.json() == {"data": {"recordMessages": {"inserted": 5}}}


async def test_credits_written_into_the_document_as_numbers_are_refused(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    literal = (
        'mutation { recordMessages(messages: [{externalId: "m", campaignId: "cmp-org", '
        'centerId: "c-pune", guestId: "g", sentAt: "2026-03-01T10:00:00Z", outcome: PROCESSED, '
        "credits: 1.5}]) { inserted } }"
    )
    async with http_client() as client:
        response = await post(client, literal, token=secret)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_MESSAGES"
    assert "is a JSON number" in error["extensions"]["rows"][0]["reason"]


def test_every_bound_is_a_named_row_in_import(database_url: str, tmp_path: Path) -> None:
    from tests.test_cli import run

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(hierarchy(messages=_bad_batch())))
    result = run("import", str(path), database_url=database_url)
    assert result.returncode != 0
    for n, (_, phrase) in enumerate(BAD, start=1):
        lines = [line for line in result.stderr.splitlines() if f"messages[{n}]:" in line]
        assert lines and phrase.replace("\\u0000", "\\u0000") in lines[0], (n, result.stderr)
    assert "Traceback" not in result.stderr
    assert "<class" not in result.stderr


@pytest.mark.parametrize("credits", ["461168601842738.7903", "1E+999999999"])
async def test_poisoned_credits_leave_the_report_working(db: str, credits: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    poison = [message(f"p-{n}", guest_id=f"g-{n}", credits=credits) for n in range(3)]
    async with http_client() as client:
        refused = await post(client, MUTATION, {"m": poison}, token=secret)
        report = await post(
            client, "{ campaigns { totals { creditsConsumed } } }", token=await token()
        )
    assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_MESSAGES"
    assert report.json() == {"data": {"campaigns": {"totals": {"creditsConsumed": "0.0000"}}}}
