"""Credit transactions keep the message ledger's guarantees (§2, §9): idempotent replays,
restatement by a newer reportedAt, atomic batches naming every bad row, signed exact credits
within bounds, and an audit entry for every batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.accounts.transactions import TransactionsRejected, record_transactions
from backend.errors import ProductError
from backend.models import CreditTransaction, IngestBatch
from tests.factories import ORG, OTHER_ORG, load_hierarchy, token
from tests.graphql_client import http_client, post

MUTATION = """
mutation($t: [CreditTransactionInput!]!) {
  recordCreditTransactions(transactions: $t) { received inserted updated unchanged }
}
"""


def transaction(
    external_id: str,
    kind: str = "PURCHASE",
    credits: str = "100",
    occurred_at: str = "2026-03-01T10:00:00+05:30",
    source: str = "cs-ao",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "creditSourceId": source,
        "kind": kind,
        "credits": credits,
        "occurredAt": occurred_at,
        **extra,
    }


async def _record(*rows: dict[str, Any], organization: str | None = ORG) -> tuple[int, ...]:
    result = await record_transactions(list(rows), organization_id=organization, actor="test")
    return result.received, result.inserted, result.updated, result.unchanged


async def _stored() -> dict[str, tuple[str, int, str | None]]:
    return {
        t.external_id: (t.kind.value, t.credits_e4, t.note) for t in await CreditTransaction.all()
    }


async def test_a_replayed_batch_changes_nothing(db: str) -> None:
    await load_hierarchy()
    batch = [transaction("t-1"), transaction("t-2", "GRANT", "50.25"), transaction("t-1")]
    assert await _record(*batch) == (3, 2, 0, 1)
    assert await _record(*batch) == (3, 0, 0, 3)
    assert await _stored() == {
        "t-1": ("PURCHASE", 1_000_000, None),
        "t-2": ("GRANT", 502_500, None),
    }


async def test_a_newer_reported_at_restates_kind_credits_and_note(db: str) -> None:
    await load_hierarchy()
    await _record(transaction("t-1", reportedAt="2026-03-01T12:00:00+05:30"))
    restated = transaction(
        "t-1", "ADJUSTMENT", "-20.5", note="refund", reportedAt="2026-03-02T12:00:00+05:30"
    )
    older = transaction("t-1", "GRANT", "7", reportedAt="2026-03-01T11:00:00+05:30")
    assert await _record(restated) == (1, 0, 1, 0)
    assert await _record(older, restated) == (2, 0, 0, 2)  # older or the same: no effect
    assert await _stored() == {"t-1": ("ADJUSTMENT", -205_000, "refund")}


async def test_another_account_or_time_under_a_stored_id_is_refused(db: str) -> None:
    await load_hierarchy()
    await _record(transaction("t-1"))
    later = {"reportedAt": "2026-03-05T00:00:00+00:00"}
    for changed in (
        transaction("t-1", source="cs-sms", **later),
        transaction("t-1", occurred_at="2026-03-01T10:00:01+05:30", **later),
    ):
        with pytest.raises(TransactionsRejected) as refused:
            await _record(transaction("t-ok"), changed)
        assert [e.index for e in refused.value.errors] == [1]
        assert "only kind, credits and note may be restated" in refused.value.errors[0].reason
    assert await _stored() == {"t-1": ("PURCHASE", 1_000_000, None)}


def _soon(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


BAD: list[tuple[dict[str, Any], str]] = [
    ({"credits": "1000000000.0001"}, "exceed the most a transaction may move (1,000,000,000"),
    ({"credits": "-1000000000.0001"}, "exceed the most a transaction may move"),
    ({"credits": "9" * 5_000}, "exceed the most a transaction may move"),
    ({"credits": "1.23456"}, "has more than 4 decimal places"),
    ({"credits": "+5"}, 'is not a string of digits such as "12.5" or "-3"'),
    ({"credits": "1E3"}, "is not a string of digits"),
    ({"credits": " 3"}, "is not a string of digits"),
    ({"credits": 5}, "is a JSON number"),
    ({"credits": "-5"}, "of a PURCHASE must be more than 0"),
    ({"kind": "GRANT", "credits": "0"}, "of a GRANT must be more than 0"),
    ({"kind": "EXPIRY", "credits": "5"}, "of an EXPIRY must be less than 0"),
    ({"kind": "ADJUSTMENT", "credits": "-0.0000"}, "of an ADJUSTMENT must not be 0"),
    ({"occurredAt": "1999-12-31T23:59:59Z"}, "is before 2000-01-01"),
    ({"occurredAt": "9999-12-31T23:00:00+09:00"}, "more than a day in the future"),
    ({"occurredAt": "2026-03-01T10:00:00"}, "has no UTC offset"),
    ({"reportedAt": "2026-02-28T00:00:00Z"}, "is before occurredAt"),
    ({"reportedAt": "9999-01-01T00:00:00Z"}, "more than 5 minutes in the future"),
    ({"externalId": "t\x00"}, "must be 1 to 200 printable characters"),
    ({"externalId": "x" * 201}, "must be 1 to 200 printable characters"),
    ({"creditSourceId": "cs-x"}, 'unknown credit source "cs-x"'),  # another organization's
    ({"creditSourceId": "cs-none"}, 'unknown credit source "cs-none"'),
    ({"note": "x" * 1_001}, "note is longer than 1,000 characters"),
    ({"note": "bell\x07"}, "note holds control characters"),
]
# GraphQL's own coercion refuses these before the ledger: the importer meets them.
NOT_THROUGH_GRAPHQL: list[tuple[dict[str, Any], str]] = [
    ({"kind": "REFUND"}, 'kind "REFUND" is not one of PURCHASE, GRANT, ADJUSTMENT, EXPIRY'),
    ({"amount": "1"}, "unknown field amount"),
    ({"credits": None}, "missing credits"),
]


def _bad_batch(bad: list[tuple[dict[str, Any], str]]) -> list[dict[str, Any]]:
    rows = [transaction("ok-0")]
    for n, (change, _) in enumerate(bad, start=1):
        rows.append({**transaction(f"bad-{n}"), **change})
    rows.append(transaction("ok-last", note="line one\nline two\tand a tab"))
    return rows


async def test_every_bound_is_a_named_row_and_the_batch_stores_nothing(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    async with http_client() as client:
        response = await post(client, MUTATION, {"t": _bad_batch(BAD)}, token=secret)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_TRANSACTIONS"
    rows = error["extensions"]["rows"]
    assert [r["index"] for r in rows] == list(range(1, len(BAD) + 1))
    for row, (_, reason) in zip(rows, BAD, strict=True):
        assert reason in row["reason"], (row, reason)
    assert await CreditTransaction.all().count() == 0
    audit = await IngestBatch.all().values_list("action", "received", "rejected")
    assert audit == [("REJECTED", len(BAD) + 2, len(BAD))]


async def test_what_graphql_would_refuse_is_a_named_row_in_the_ledger(db: str) -> None:
    await load_hierarchy()
    bad = BAD + NOT_THROUGH_GRAPHQL
    with pytest.raises(TransactionsRejected) as refused:
        await _record(*_bad_batch(bad))
    assert [e.index for e in refused.value.errors] == list(range(1, len(bad) + 1))
    for error, (_, reason) in zip(refused.value.errors, bad, strict=True):
        assert reason in error.reason, (error, reason)


async def test_values_at_the_bounds_are_accepted(db: str) -> None:
    await load_hierarchy()
    rows = [
        transaction("max", credits="1000000000"),
        transaction("min", "ADJUSTMENT", "-1000000000.0000"),
        transaction("tiny", "EXPIRY", "-0.0001"),
        transaction("first", occurred_at="2000-01-01T00:00:00Z"),
        transaction("ahead", occurred_at=_soon(timedelta(hours=23))),
        transaction("x" * 200, note="n" * 1_000),
    ]  # fmt: skip
    secret = await token(write=True)
    async with http_client() as client:
        response = await post(client, MUTATION, {"t": rows}, token=secret)
    counts = {"received": 6, "inserted": 6, "updated": 0, "unchanged": 0}
    assert response.json() == {"data": {"recordCreditTransactions": counts}}


async def test_every_batch_is_in_the_audit_trail_with_its_writer(db: str) -> None:
    await load_hierarchy()
    secret = await token(write=True)
    async with http_client() as client:
        await post(client, MUTATION, {"t": [transaction("t-1")]}, token=secret)
        await post(client, MUTATION, {"t": [transaction("t-1"), transaction("t-2")]}, token=secret)
        await post(client, MUTATION, {"t": [transaction("t-3", credits="-1")]}, token=secret)
    rows = (
        await IngestBatch.all()
        .order_by("id")
        .values_list(
            "organization_id", "actor", "action", "received", "inserted", "unchanged", "rejected"
        )
    )
    actors = {actor for _, actor, *_ in rows}
    assert len(actors) == 1 and next(iter(actors)).startswith("token:")
    assert [(org, action, *counts) for org, _, action, *counts in rows] == [
        (ORG, "RECORDED", 1, 1, 0, 0),
        (ORG, "RECORDED", 2, 1, 1, 0),
        (ORG, "REJECTED", 1, 0, 0, 1),
    ]


async def test_a_batch_over_the_limit_is_refused_whole(db: str) -> None:
    await load_hierarchy()
    with pytest.raises(ProductError) as refused:
        await _record(*[transaction(f"t-{n}") for n in range(1_001)])
    assert refused.value.code == "BATCH_TOO_LARGE"
    assert await CreditTransaction.all().count() == 0


async def test_the_importer_may_write_for_any_organization(db: str) -> None:
    await load_hierarchy()
    rows = [transaction("t-1"), transaction("t-1", source="cs-x")]
    assert await _record(*rows, organization=None) == (2, 2, 0, 0)
    stored = (
        await CreditTransaction.all()
        .order_by("organization_id")
        .values_list("organization_id", "credit_source_id")
    )
    assert stored == [(ORG, "cs-ao"), (OTHER_ORG, "cs-x")]
