"""Root resolvers of credit accounts (§9): organization principals only, zone and center
principals get FORBIDDEN from every query and mutation; writing needs a write token."""

from __future__ import annotations

import strawberry

from backend.accounts.alert_settings import delete_alert, set_alert
from backend.accounts.alerts import evaluate_after_ingest
from backend.accounts.statements import account_of, accounts_of
from backend.accounts.transactions import record_transactions
from backend.api.account_types import (
    CreditAccount,
    CreditAlert,
    CreditAlertInput,
    CreditTransactionInput,
    RecordCreditTransactionsResult,
)
from backend.api.types import Info
from backend.errors import Forbidden
from backend.hierarchy import OrgHierarchy
from backend.principal import Principal


def _organization_principal(info: Info) -> Principal:
    principal = info.context.require_principal()
    if principal.kind != "ORGANIZATION":
        raise Forbidden(
            "Credit accounts are kept at organization level: a zone or center scope cannot "
            "see or change them."
        )
    return principal


async def _hierarchy(info: Info) -> OrgHierarchy:
    _organization_principal(info)
    return await info.context.hierarchy()


async def resolve_credit_accounts(info: Info) -> list[CreditAccount]:
    return [CreditAccount.of(a) for a in await accounts_of(await _hierarchy(info))]


async def resolve_credit_account(
    info: Info, credit_source_id: strawberry.ID
) -> CreditAccount | None:
    found = await account_of(await _hierarchy(info), str(credit_source_id))
    return None if found is None else CreditAccount.of(found)


async def resolve_record_credit_transactions(
    info: Info, transactions: list[CreditTransactionInput]
) -> RecordCreditTransactionsResult:
    principal = _organization_principal(info)
    if not principal.can_write:
        raise Forbidden("This token can only read; create one with --write to record transactions.")
    result = await record_transactions(
        [t.to_record() for t in transactions],
        organization_id=principal.organization_id,
        actor=principal.actor,
    )
    await evaluate_after_ingest({principal.organization_id})
    return RecordCreditTransactionsResult(
        received=result.received,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
    )


def _alert_manager(info: Info) -> Principal:
    principal = _organization_principal(info)
    if not principal.can_write:
        raise Forbidden("This token can only read; create one with --write to manage alerts.")
    return principal


async def resolve_set_credit_alert(info: Info, alert: CreditAlertInput) -> CreditAlert:
    principal = _alert_manager(info)
    row = await set_alert(
        principal.organization_id,
        alert_id=None if alert.id is None else str(alert.id),
        credit_source_id=str(alert.credit_source_id),
        kind=alert.kind.value,
        threshold=alert.threshold,
        webhook_url=alert.webhook_url,
        allow_private=info.context.webhook_allow_private(),
    )
    return CreditAlert.of(row)


async def resolve_delete_credit_alert(info: Info, id: strawberry.ID) -> bool:
    principal = _alert_manager(info)
    return await delete_alert(principal.organization_id, str(id))
