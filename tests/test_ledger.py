"""The ledger's rules (§2): validation, atomic batches, idempotency, business dates, decimals."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise.transactions import in_transaction

import backend.ledger
from backend.errors import ProductError
from backend.guests import guest_keys
from backend.hierarchy import Scope
from backend.ledger import BatchRejected, IngestResult, WriteScope, record_messages
from backend.models import Campaign, IngestBatch, Message
from backend.reports import DateWindow, usage_by_campaign, usage_by_date
from tests.factories import ORG, load_hierarchy, message, record

ALL_OF_ORG = Scope(ORG, None)
KOLKATA = ZoneInfo("Asia/Kolkata")


async def credits_of(campaign_id: str = "cmp-org") -> Decimal:
    usage = await usage_by_campaign([campaign_id], ALL_OF_ORG, None)
    return usage[campaign_id].credits_consumed


async def test_ten_messages_of_a_tenth_sum_to_exactly_one(db: str) -> None:
    await load_hierarchy()
    await record(*(message(f"m-{i}", guest_id=f"g-{i}", credits="0.1") for i in range(10)))
    total = await credits_of()
    assert total == Decimal("1")
    assert isinstance(total, Decimal)
    assert str(total) == "1.0000"


async def test_credit_with_five_decimal_places_is_rejected(db: str) -> None:
    await load_hierarchy()
    with pytest.raises(BatchRejected) as rejected:
        await record(message("m-1", credits="0.12345"))
    assert [(e.index, "decimal places" in e.reason) for e in rejected.value.errors] == [(0, True)]
    assert await Message.all().count() == 0


async def test_trailing_zeros_within_four_places_are_the_same_value(db: str) -> None:
    await load_hierarchy()
    await record(message("m-1", credits="0.1000"), message("m-2", guest_id="g-2", credits="0.1"))
    assert await credits_of() == Decimal("0.2")


async def test_replaying_a_batch_changes_nothing(db: str) -> None:
    await load_hierarchy()
    batch = [message("m-1"), message("m-2", guest_id="g-2", credits="2.5")]
    first = await record(*batch)
    second = await record(*batch)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert await Message.all().count() == 2
    assert await credits_of() == Decimal("3.5")


async def test_new_messages_beside_stored_ones_are_each_stored_once(db: str) -> None:
    # On PostgreSQL a batch goes in as a plain INSERT first; a stored key makes it fail and the
    # upsert decide row by row. Rows go in key order: the stored key sorts last in the first
    # batch (the INSERT fails after writing the others) and first in the second.
    await load_hierarchy()
    await record(message("m-9", guest_id="g-9"))
    mixed = [message(f"m-{i}", guest_id=f"g-{i}", credits="2") for i in range(9, -1, -1)]
    result = await record(*mixed)
    assert (result.inserted, result.updated, result.unchanged) == (9, 0, 1)
    assert await Message.all().count() == 10
    assert await credits_of() == Decimal("19")
    again = await record(
        message("m-0", guest_id="g-0", credits="2"), message("m-10", credits="0.5")
    )
    assert (again.inserted, again.updated, again.unchanged) == (1, 0, 1)
    assert await Message.all().count() == 11
    assert await credits_of() == Decimal("19.5")


@pytest.mark.parametrize("newer_first", [True, False])
async def test_an_older_report_never_overwrites_a_newer_one(db: str, newer_first: bool) -> None:
    await load_hierarchy()
    older = message("m-1", credits="2", reported_at="2026-03-01T10:00:00+05:30")
    newer = message("m-1", outcome="FAILED", credits="0", reported_at="2026-03-02T10:00:00+05:30")
    for batch in ([newer], [older]) if newer_first else ([older], [newer]):
        await record(*batch)
    stored = await Message.get(external_id="m-1")
    assert (stored.outcome, stored.credits_e4) == ("FAILED", 0)


@pytest.mark.parametrize("newer_first", [True, False])
async def test_the_newest_report_wins_within_one_batch(db: str, newer_first: bool) -> None:
    await load_hierarchy()
    older = message("m-1", credits="2", reported_at="2026-03-01T11:00:00+05:30")
    newer = message("m-1", credits="0.5", reported_at="2026-03-01T12:00:00+05:30")
    result = await record(*([newer, older] if newer_first else [older, newer]))
    assert (result.inserted, result.unchanged) == (1, 1)
    assert await Message.all().count() == 1
    assert await credits_of() == Decimal("0.5")


async def test_a_restatement_may_not_change_the_guest(db: str) -> None:
    await load_hierarchy()
    await record(message("m-1"))
    with pytest.raises(BatchRejected) as rejected:
        await record(message("m-1", guest_id="g-other", reported_at="2026-03-05T00:00:00Z"))
    assert "only outcome and credits may be restated" in rejected.value.errors[0].reason


BAD_ROWS = [
    ({"campaign_id": "cmp-missing"}, 'unknown campaign "cmp-missing"'),
    ({"campaign_id": "cmp-nyc", "center_id": "c-pune"}, 'does not reach center "c-pune"'),
    ({"sent_at": "2026-03-01T10:00:00"}, "has no UTC offset"),
    ({"credits": "-1"}, "is negative"),
    ({"campaign_id": "cmp-x", "center_id": "c-x"}, 'unknown campaign "cmp-x"'),
    ({"outcome": "DELIVERED"}, "is not one of PROCESSED, FAILED, SKIPPED"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_ROWS)
async def test_one_bad_row_rejects_the_batch_and_names_the_row(
    db: str, change: dict[str, str], reason: str
) -> None:
    await load_hierarchy()
    rows = [message("m-1"), message("m-2", **change), message("m-3")]
    with pytest.raises(BatchRejected) as rejected:
        # Writes for org-1 only, as an organization token would.
        await record_messages(rows, scope=WriteScope(ORG, None), actor="test")
    assert [e.index for e in rejected.value.errors] == [1]
    assert reason in rejected.value.errors[0].reason
    assert await Message.all().count() == 0
    # The audit trail records the refusal and nothing else.
    audited = await IngestBatch.all().values("action", "received", "inserted", "rejected")
    assert audited == [{"action": "REJECTED", "received": 3, "inserted": 0, "rejected": 1}]


async def test_every_bad_row_is_named(db: str) -> None:
    await load_hierarchy()
    rows = [message("m-0", credits="x"), message("m-1"), {"externalId": "m-2"}]
    with pytest.raises(BatchRejected) as rejected:
        await record(*rows)
    assert [e.index for e in rejected.value.errors] == [0, 2]
    assert "missing campaignId" in rejected.value.errors[1].reason


async def test_late_evening_in_new_york_counts_on_the_local_date(db: str) -> None:
    await load_hierarchy()
    # 23:30 on 10 March in New York (EDT, UTC-4) is 03:30 UTC on 11 March.
    await record(message("m-1", "cmp-nyc", "c-nyc", sent_at="2026-03-11T03:30:00Z"))
    stored = await Message.get(external_id="m-1")
    assert stored.business_date == date(2026, 3, 10)
    days = await usage_by_date(
        ["cmp-nyc"], ALL_OF_ORG, DateWindow(date(2026, 3, 10), date(2026, 3, 11))
    )
    assert [(d.date, d.usage.processed) for d in days["cmp-nyc"]] == [
        (date(2026, 3, 10), 1),
        (date(2026, 3, 11), 0),
    ]


async def test_days_around_the_daylight_saving_change_bucket_correctly(db: str) -> None:
    await load_hierarchy()
    # New York springs forward on 8 March 2026: EST (UTC-5) before, EDT (UTC-4) after.
    sends = {
        "m-1": "2026-03-08T04:59:00Z",  # 23:59 EST on 7 March
        "m-2": "2026-03-08T05:00:00Z",  # 00:00 EST on 8 March
        "m-3": "2026-03-09T03:59:00Z",  # 23:59 EDT on 8 March
        "m-4": "2026-03-09T04:00:00Z",  # 00:00 EDT on 9 March
    }
    await record(*(message(k, "cmp-nyc", "c-nyc", guest_id=k, sent_at=v) for k, v in sends.items()))
    days = await usage_by_date(
        ["cmp-nyc"], ALL_OF_ORG, DateWindow(date(2026, 3, 7), date(2026, 3, 9))
    )
    assert [(d.date.day, d.usage.targeted_guests) for d in days["cmp-nyc"]] == [
        (7, 1),
        (8, 2),
        (9, 1),
    ]


@pytest.mark.parametrize(
    "sent_at",
    [
        "2000-01-01T00:00:00.000001Z",
        "2019-12-31T23:59:59.999999Z",
        "2026-03-01T10:00:00.123456+05:30",
    ],
)
async def test_instants_are_stored_to_the_microsecond(db: str, sent_at: str) -> None:
    # The PostgreSQL upsert sends instants as integer microseconds and rebuilds them in SQL.
    await load_hierarchy()
    reported_at = "2026-06-01T00:00:00.000007Z"
    await record(message("m-1", sent_at=sent_at, reported_at=reported_at))
    stored = await Message.get(external_id="m-1")
    assert stored.sent_at == datetime.fromisoformat(sent_at)
    assert stored.reported_at == datetime.fromisoformat(reported_at)
    assert stored.business_date == datetime.fromisoformat(sent_at).astimezone(KOLKATA).date()


async def test_the_audit_trail_records_each_batch(db: str) -> None:
    await load_hierarchy()
    await record(message("m-1"), message("m-2", guest_id="g-2"))
    await record(message("m-1", credits="0", reported_at="2026-03-09T00:00:00Z"))
    batches = await IngestBatch.all().order_by("id")
    assert [(b.actor, b.inserted, b.updated, b.unchanged) for b in batches] == [
        ("test", 2, 0, 0),
        ("test", 0, 1, 0),
    ]


async def test_an_empty_batch_changes_nothing(db: str) -> None:
    await load_hierarchy()
    result = await record()
    assert (result.received, result.inserted, result.updated, result.unchanged) == (0, 0, 0, 0)


async def test_a_restatement_with_another_sent_at_is_rejected_and_changes_nothing(db: str) -> None:
    """The upsert itself leaves a message with another identity alone (the batch is then
    rejected), even when the restatement is newer and arrives beside new messages."""
    await load_hierarchy()
    await record(message("m-1", sent_at="2026-03-01T10:00:00+05:30", credits="1"))
    with pytest.raises(BatchRejected) as rejected:
        await record(
            message("m-2", credits="5"),
            message(
                "m-1",
                sent_at="2026-03-01T11:00:00+05:30",
                credits="9",
                reported_at="2026-03-05T00:00:00+00:00",
            ),
        )
    assert [e.index for e in rejected.value.errors] == [1]
    stored = await Message.all().values_list("external_id", "credits_e4")
    assert stored == [("m-1", 10_000)]


async def test_a_campaign_removed_before_the_batch_commits_stores_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message table has no foreign keys: the ledger re-checks (and on PostgreSQL locks)
    the batch's campaigns and centers inside its transaction."""
    await load_hierarchy()
    validate = backend.ledger._validate

    async def validate_then_remove(*args: Any, **kwargs: Any) -> Any:
        found = await validate(*args, **kwargs)
        await Campaign.filter(id="cmp-west").delete()
        return found

    monkeypatch.setattr(backend.ledger, "_validate", validate_then_remove)
    with pytest.raises(ProductError, match="cmp-west"):
        await record(message("m-1"), message("m-2", campaign_id="cmp-west", center_id="c-mumbai"))
    assert await Message.all().count() == 0


async def test_a_guest_new_to_two_concurrent_batches_gets_one_key(db: str) -> None:
    """The second batch cannot see the first's uncommitted guest, and its own insert of that
    guest waits and then conflicts: it must read the key the first batch committed."""
    await load_hierarchy()
    started = asyncio.Event()

    async def second_batch() -> IngestResult:
        await started.wait()
        return await record(message("m-1", guest_id="g-new"))

    # Made before the transaction, so the task does not inherit (and share) it.
    second = asyncio.create_task(second_batch())
    async with in_transaction() as first:
        dialect = str(first.capabilities.dialect)
        keys = await guest_keys(first, dialect, [(ORG, "g-new")])
        started.set()
        await asyncio.sleep(0.3)
        assert not second.done()  # waiting for the first transaction
    assert (await second).inserted == 1
    stored = await Message.get(external_id="m-1")
    assert stored.guest_key == keys[(ORG, "g-new")]


async def test_an_instant_before_the_first_year_in_utc_is_a_row_error(db: str) -> None:
    await load_hierarchy()
    with pytest.raises(BatchRejected) as rejected:
        await record(message("m-1", sent_at="0001-01-01T00:00:00+05:30"))
    assert [(e.index, "out of range" in e.reason) for e in rejected.value.errors] == [(0, True)]
