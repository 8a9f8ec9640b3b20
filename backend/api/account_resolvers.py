"""Root resolvers of credit accounts (§9): organization principals only, zone and center
principals get FORBIDDEN from every query and mutation. Writing needs a write token, or a
signed-in administrator whose request comes from the app's own pages."""

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
from backend.security import same_origin


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
    return CreditAccount.all_of(await accounts_of(await _hierarchy(info)))


async def resolve_credit_account(
    info: Info, credit_source_id: strawberry.ID
) -> CreditAccount | None:
    found = await account_of(await _hierarchy(info), str(credit_source_id))
    return None if found is None else CreditAccount.of(found)


def _account_manager(info: Info, action: str) -> Principal:
    """The principal, if it may change accounts from where this request comes."""
    principal = _organization_principal(info)
    if not principal.can_manage_accounts:
        if principal.via_cookie:
            raise Forbidden(
                f"Only administrators may {action}: users made with "
                "`credit-report user create --admin`."
            )
        raise Forbidden(f"This token can only read; create one with --write to {action}.")
    request = info.context.request
    # The browser attaches the cookie to any request for this site: the change must be shown
    # to come from the app itself, or another page could make it in the user's name.
    if principal.via_cookie and (request is None or not same_origin(request)):
        raise Forbidden(
            f"Sign-in cookies may {action} only from this app's own pages (same origin)."
        )
    return principal


async def resolve_record_credit_transactions(
    info: Info, transactions: list[CreditTransactionInput]
) -> RecordCreditTransactionsResult:
    principal = _account_manager(info, "record transactions")
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


async def resolve_set_credit_alert(info: Info, alert: CreditAlertInput) -> CreditAlert:
    principal = _account_manager(info, "manage alerts")
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
    principal = _account_manager(info, "manage alerts")
    return await delete_alert(principal.organization_id, str(id))
