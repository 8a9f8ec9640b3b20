"""The schema: root fields wired to thin resolvers, with limits and error handling."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from backend.api.account_resolvers import (
    resolve_credit_account,
    resolve_credit_accounts,
    resolve_delete_credit_alert,
    resolve_record_credit_transactions,
    resolve_set_credit_alert,
)
from backend.api.account_types import CreditAccount, CreditAlert, RecordCreditTransactionsResult
from backend.api.aliases import alias_limit
from backend.api.datetime_scalar import DATETIME
from backend.api.decimal_scalar import DECIMAL
from backend.api.enums import MessageOutcomeEnum
from backend.api.execution import ReportExecutionContext
from backend.api.flow_resolvers import resolve_message_overlap
from backend.api.flow_types import MessageOverlap
from backend.api.gate import RequireAuthentication
from backend.api.limits import QueryLimits
from backend.api.message_input import MESSAGE_INPUT, MessageRecord
from backend.api.resolvers import (
    resolve_campaign,
    resolve_campaigns,
    resolve_data_up_to,
    resolve_record_messages,
    resolve_viewer,
)
from backend.api.template_resolvers import resolve_template_cost
from backend.api.template_types import TemplateCost
from backend.api.types import Campaign, CampaignConnection, RecordMessagesResult, Viewer

MAX_ALIASES = 30
MAX_TOKENS = 5_000
DOCUMENT_CACHE_SIZE = 256


@strawberry.type
class Query:
    campaigns: CampaignConnection = strawberry.field(
        resolver=resolve_campaigns,
        description=(
            "The campaign report: campaigns reaching the caller's scope, with their numbers over "
            "`dateRange` (all time when absent). `zoneId`/`centerId` narrow an organization or "
            "zone scope. Ordered by credits consumed, descending, unless `orderBy` says "
            "otherwise. `first` defaults to 50 and may be at most 200."
        ),
    )
    campaign: Campaign | None = strawberry.field(
        resolver=resolve_campaign,
        description=(
            "One campaign in scope, or null (also when it exists outside the scope). "
            "`zoneId`/`centerId` narrow the scope as in `campaigns`."
        ),
    )
    data_up_to: datetime | None = strawberry.field(
        resolver=resolve_data_up_to,
        description=(
            "When the newest message in the caller's scope was sent (narrowed by `zoneId` or "
            "`centerId`), whatever campaign, filter or window: how far the ledger reaches, so "
            "a report can say how fresh its numbers are. Null when the scope has no messages."
        ),
    )
    viewer: Viewer = strawberry.field(
        resolver=resolve_viewer,
        description="The caller's organization, scope, and what it can pick from.",
    )
    credit_accounts: list[CreditAccount] = strawberry.field(
        resolver=resolve_credit_accounts,
        description=(
            "Every credit source of the organization as an account, by name. Organization "
            "scope only: zone and center principals get FORBIDDEN."
        ),
    )
    credit_account: CreditAccount | None = strawberry.field(
        resolver=resolve_credit_account,
        description=(
            "One account, or null when the organization has no such credit source. "
            "Organization scope only: zone and center principals get FORBIDDEN."
        ),
    )
    message_overlap: MessageOverlap = strawberry.field(
        resolver=resolve_message_overlap,
        description=(
            "Guests messaged by two or more campaigns on the same business day within "
            "`dateRange` and the caller's scope (narrowed by `zoneId`/`centerId` as in "
            "`campaigns`): how many, what the messages beyond each guest's first of the day "
            "cost, and the campaign pairs that overlap most."
        ),
    )
    template_cost: TemplateCost = strawberry.field(
        resolver=resolve_template_cost,
        description=(
            "The SMS analysis of a draft text, before sending: its encoding, length and "
            "segments, the characters that force UCS_2 and the GSM-7 rewrite that avoids them. "
            "Only SMS is counted in segments: any other `channel` answers BAD_USER_INPUT."
        ),
    )


@strawberry.type
class Mutation:
    record_messages: RecordMessagesResult = strawberry.field(
        resolver=resolve_record_messages,
        description=(
            "Record a batch of messages (at most 10,000) atomically and idempotently: replays "
            "change nothing, a newer `reportedAt` restates outcome and credits. A batch with any "
            "bad row stores nothing and fails with code INVALID_MESSAGES and `extensions.rows`, "
            "each `{index, reason}`. Needs a token created with --write."
        ),
    )
    record_credit_transactions: RecordCreditTransactionsResult = strawberry.field(
        resolver=resolve_record_credit_transactions,
        description=(
            "Record a batch of credit transactions (at most 1,000) atomically and idempotently: "
            "replays change nothing, a newer `reportedAt` restates kind, credits and note. A "
            "batch with any bad row stores nothing and fails with code INVALID_TRANSACTIONS and "
            "`extensions.rows`. Needs an organization token created with --write."
        ),
    )
    set_credit_alert: CreditAlert = strawberry.field(
        resolver=resolve_set_credit_alert,
        description=(
            "Create an alert (no id) or change one (its id). The webhook URL must be https:// "
            "and resolve to public addresses only; events are signed with the organization's "
            "secret (`credit-report webhook-secret`). Organization principals with write rights "
            "only; the alert is evaluated at once."
        ),
    )
    delete_credit_alert: bool = strawberry.field(
        resolver=resolve_delete_credit_alert,
        description="Delete an alert with its events and delivery log; false when none.",
    )


# One rule class for the life of the process: the validation cache is keyed by the rules too.
_ALIAS_RULE = alias_limit(MAX_ALIASES)


class ReportSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors are the client's business; only the unexpected ones are logged (by
        # `format_error`, with the request id the client sees).
        return None


schema = ReportSchema(
    query=Query,
    mutation=Mutation,
    scalar_overrides={datetime: DATETIME, Decimal: DECIMAL, MessageRecord: MESSAGE_INPUT},
    # Only `MessageInput`'s description names the outcomes now; the enum stays in the schema.
    types=[MessageOutcomeEnum],
    execution_context_class=ReportExecutionContext,
    extensions=[
        # In this order: nobody anonymous reaches the limits' measure, nothing reaches
        # graphql-core's variable coercion unmeasured.
        RequireAuthentication,
        QueryLimits,
        lambda: AddValidationRules([_ALIAS_RULE]),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # Integrators and the web app send the same few documents over and over: parse and
        # validate each once (about 7 ms a request otherwise).
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
    ],
)


def export_schema() -> str:
    return schema.as_str() + "\n"
