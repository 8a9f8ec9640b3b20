"""The import file's `creditTransactions` section (§9): the accounts' validation, idempotent,
atomic with the rest of the file, every refused row named."""

from __future__ import annotations

import pytest

from backend.importer import ImportRejected, apply_document
from backend.models import CreditTransaction, Organization
from tests.factories import hierarchy

TRANSACTIONS = [
    {
        "externalId": "t-grant",
        "creditSourceId": "cs-ao",
        "kind": "GRANT",
        "credits": "5000",
        "occurredAt": "2026-03-01T00:00:00+05:30",
        "note": "March allowance",
    },
    {
        "externalId": "t-expiry",
        "creditSourceId": "cs-x",
        "kind": "EXPIRY",
        "credits": "-12.5",
        "occurredAt": "2026-03-31T23:00:00+00:00",
    },
]


async def test_credit_transactions_import_idempotently(db: str) -> None:
    document = hierarchy(creditTransactions=TRANSACTIONS)
    await apply_document(document)
    await apply_document(document)
    stored = (
        await CreditTransaction.all()
        .order_by("external_id")
        .values_list("external_id", "organization_id", "credits_e4", "business_date", "note")
    )
    assert [(e, o, c, str(d), n) for e, o, c, d, n in stored] == [
        ("t-expiry", "org-2", -125_000, "2026-04-01", None),  # Europe/London's date
        ("t-grant", "org-1", 50_000_000, "2026-03-01", "March allowance"),
    ]


async def test_a_bad_transaction_rejects_the_whole_file(db: str) -> None:
    bad = [*TRANSACTIONS, {**TRANSACTIONS[0], "externalId": "t-bad", "credits": "-1"}]
    with pytest.raises(ImportRejected) as rejected:
        await apply_document(hierarchy(creditTransactions=bad))
    assert rejected.value.problems == [
        'creditTransactions[2]: credits "-1" of a GRANT must be more than 0'
    ]
    assert await Organization.all().count() == 0
    assert await CreditTransaction.all().count() == 0
