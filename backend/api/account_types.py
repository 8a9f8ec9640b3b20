"""GraphQL types of credit accounts (§9): thin mappings of backend/accounts/ rows.

Every field here is reached only through `creditAccounts` or `creditAccount`, which admit
organization principals only (backend/api/account_resolvers.py).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

import strawberry

from backend.accounts.alert_settings import alerts_of, deliveries_of
from backend.accounts.forecast import Forecast, forecasts
from backend.accounts.history import transaction_page
from backend.accounts.statements import Account, Statement, balances, statement
from backend.api.enums import ChannelEnum
from backend.api.inputs import DateRange, window_of
from backend.api.types import Campaign, CreditSource, Info, PageInfo
from backend.enums import CreditTransactionKind
from backend.hierarchy import Scope
from backend.models import CreditAlert as CreditAlertRow
from backend.reports import usage_by_campaign
from backend.usage import NO_USAGE, e4_to_credits

CreditTransactionKindEnum = strawberry.enum(
    CreditTransactionKind,
    name="CreditTransactionKind",
    description=(
        "PURCHASE: bought (credits > 0). GRANT: an allotment such as a monthly Always-On "
        "allowance (> 0). ADJUSTMENT: a correction of either sign (not 0). EXPIRY: credits that "
        "lapsed (< 0)."
    ),
)


@strawberry.enum(description="What an alert watches.")
class CreditAlertKind(Enum):
    BALANCE_BELOW = "BALANCE_BELOW"
    DAYS_LEFT_BELOW = "DAYS_LEFT_BELOW"
    DAILY_BURN_ABOVE = "DAILY_BURN_ABOVE"


@strawberry.enum(description="Whether an alert's condition holds.")
class CreditAlertState(Enum):
    OK = "OK"
    FIRING = "FIRING"


@strawberry.type(description="One attempt to deliver an alert's event to its webhook.")
class AlertDelivery:
    event_id: strawberry.ID
    type: str
    attempted_at: datetime
    response_status: int | None
    error: str | None
    delivered: bool


@strawberry.type(description="An alert on an account.")
class CreditAlert:
    id: strawberry.ID
    kind: CreditAlertKind
    threshold: Decimal
    webhook_url: str | None
    state: CreditAlertState

    @classmethod
    def of(cls, row: CreditAlertRow) -> CreditAlert:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=CreditAlertKind(row.kind),
            threshold=e4_to_credits(row.threshold_e4),
            webhook_url=row.webhook_url,
            state=CreditAlertState(row.state),
        )

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="One row per delivery attempt, newest first. `first` defaults to 20 and "
        "may be at most 200."
    )
    async def deliveries(self, first: int | None = None) -> list[AlertDelivery]:
        return [
            AlertDelivery(
                event_id=strawberry.ID(row.event_id),
                type=row.type,
                attempted_at=row.attempted_at,
                response_status=row.response_status,
                error=row.error,
                delivered=row.delivered,
            )
            for row in await deliveries_of(int(self.id), first)
        ]


@strawberry.input(description="An alert to create (no id) or change (its id).")
class CreditAlertInput:
    id: strawberry.ID | None = None
    credit_source_id: strawberry.ID
    kind: CreditAlertKind
    threshold: Decimal = strawberry.field(
        description='Credits as a string, at most 4 places (e.g. "500"); for DAYS_LEFT_BELOW '
        "a number of days."
    )
    webhook_url: str | None = strawberry.field(
        default=None,
        description="https:// to a public address; null keeps the alert in the app only.",
    )


@strawberry.type(description="Credits consumed through one channel.")
class ChannelCredits:
    channel: ChannelEnum  # type: ignore[valid-type]
    credits: Decimal


@strawberry.type(
    description="Credits a campaign consumed; the campaign's numbers cover the same window."
)
class CampaignCredits:
    campaign: Campaign
    credits: Decimal


@strawberry.type(description="One business date of a statement.")
class BalanceDay:
    date: date
    opening: Decimal = strawberry.field(description="The previous day's closing balance.")
    credited: Decimal = strawberry.field(
        description="The net of the day's transactions, expiries and negative adjustments included."
    )
    consumed: Decimal = strawberry.field(description="Message credits of the day.")
    closing: Decimal = strawberry.field(description="opening + credited - consumed.")


@strawberry.type(
    description=(
        "An account's statement over a window of business dates: closingBalance = "
        "openingBalance + purchased + granted + adjusted + expired - consumed, exactly."
    )
)
class CreditStatement:
    start: date
    end: date
    opening_balance: Decimal = strawberry.field(description="The balance at the end of start - 1.")
    purchased: Decimal
    granted: Decimal
    adjusted: Decimal = strawberry.field(description="Net of the adjustments, either sign.")
    expired: Decimal = strawberry.field(description="Credits that lapsed: 0 or less.")
    consumed: Decimal = strawberry.field(
        description="Message credits of the account's campaigns in the window: the report's "
        "creditsConsumed for the same window at organization scope."
    )
    closing_balance: Decimal
    consumed_by_channel: list[ChannelCredits] = strawberry.field(
        description="Channels that consumed credits in the window, most first."
    )
    source: strawberry.Private[Statement]
    organization_id: strawberry.Private[str]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Campaigns that consumed credits in the window, most first."
    )
    async def consumed_by_campaign(self) -> list[CampaignCredits]:
        rows = self.source.by_campaign
        scope = Scope(self.organization_id, None)
        usage = await usage_by_campaign([c.id for c, _ in rows], scope, self.source.window)
        return [
            CampaignCredits(
                campaign=Campaign.from_row(c, usage.get(c.id, NO_USAGE), scope, self.source.window),
                credits=e4_to_credits(credits),
            )
            for c, credits in rows
        ]

    @strawberry.field(description="One row per business date of the window, ascending.")  # type: ignore[untyped-decorator]
    def days(self, info: Info) -> list[BalanceDay]:
        info.context.charge_rows(len(self.source.days))
        return [
            BalanceDay(
                date=d.date,
                opening=e4_to_credits(d.opening),
                credited=e4_to_credits(d.credited),
                consumed=e4_to_credits(d.consumed),
                closing=e4_to_credits(d.closing),
            )
            for d in self.source.days
        ]

    @classmethod
    def of(cls, found: Statement, organization_id: str) -> CreditStatement:
        kinds = {kind: e4_to_credits(e4) for kind, e4 in found.by_kind.items()}
        return cls(
            start=found.window.start,
            end=found.window.end,
            opening_balance=e4_to_credits(found.opening),
            purchased=kinds[CreditTransactionKind.PURCHASE],
            granted=kinds[CreditTransactionKind.GRANT],
            adjusted=kinds[CreditTransactionKind.ADJUSTMENT],
            expired=kinds[CreditTransactionKind.EXPIRY],
            consumed=e4_to_credits(found.consumed),
            closing_balance=e4_to_credits(found.closing),
            consumed_by_channel=[
                ChannelCredits(channel=channel, credits=e4_to_credits(e4))
                for channel, e4 in found.by_channel
            ],
            source=found,
            organization_id=organization_id,
        )


@strawberry.type(
    description=(
        "When the balance runs out at the recent burn. dailyBurn: credits consumed over the 28 "
        "complete business days before today (organization time zone) / 28, half-even to 4 "
        "places. daysLeft: 0 when the balance is 0 or less; null when nothing was consumed in "
        "those days; else floor(balance x 28 / consumed). runsOutEarliest and runsOutLatest: the "
        "earliest and latest run-out when the last 28 days' consumption repeats from each of "
        "its days in turn (see the README)."
    )
)
class CreditForecast:
    daily_burn: Decimal
    days_left: int | None
    runs_out_on: date | None = strawberry.field(description="Today + daysLeft.")
    runs_out_earliest: date | None
    runs_out_latest: date | None


@strawberry.type(description="Credits into or out of an account other than by messages.")
class CreditTransaction:
    external_id: str
    kind: CreditTransactionKindEnum  # type: ignore[valid-type]
    credits: Decimal = strawberry.field(description="Signed.")
    occurred_at: datetime
    date: date = strawberry.field(
        description="The business date: occurredAt's date in the organization's time zone."
    )
    note: str | None
    reported_at: datetime = strawberry.field(description="When this state was reported.")


@strawberry.type
class CreditTransactionEdge:
    node: CreditTransaction
    cursor: str = strawberry.field(
        description="Opaque: pass as `after` for the transactions after this one (same account)."
    )


@strawberry.type(description="A page of an account's transactions, newest first.")
class CreditTransactionConnection:
    total_count: int = strawberry.field(description="Transactions in the window, over all pages.")
    edges: list[CreditTransactionEdge]
    page_info: PageInfo


class _Together:
    """What the accounts of one answer share within a request: their balances and forecasts,
    each computed once for all of them with a few reads (every account's fields resolve side
    by side, so each computation is started by whichever field asks first)."""

    def __init__(self, accounts: list[Account]) -> None:
        self.accounts = accounts
        self._balances: asyncio.Task[dict[str, int]] | None = None
        self._forecasts: asyncio.Task[dict[str, Forecast]] | None = None

    def today(self) -> date:
        """The organization's business date now (its accounts share its time zone)."""
        return datetime.now(ZoneInfo(self.accounts[0].timezone)).date()

    async def balance(self, credit_source_id: str) -> int:
        if self._balances is None:
            self._balances = asyncio.ensure_future(balances(self.accounts, self.today()))
        return (await self._balances)[credit_source_id]

    async def forecast(self, credit_source_id: str) -> Forecast:
        if self._forecasts is None:
            self._forecasts = asyncio.ensure_future(self._all_forecasts())
        return (await self._forecasts)[credit_source_id]

    async def _all_forecasts(self) -> dict[str, Forecast]:
        found = {a.credit_source_id: await self.balance(a.credit_source_id) for a in self.accounts}
        return await forecasts(self.accounts, found, self.today())


@strawberry.type(description="A credit source as an account: balance, statements, forecast.")
class CreditAccount:
    credit_source: CreditSource
    account: strawberry.Private[Account]
    together: strawberry.Private[_Together]

    @classmethod
    def of(cls, account: Account) -> CreditAccount:
        return cls.all_of([account])[0]

    @classmethod
    def all_of(cls, accounts: list[Account]) -> list[CreditAccount]:
        """The accounts of one answer, sharing their balances' and forecasts' reads."""
        together = _Together(accounts)
        return [
            cls(
                credit_source=CreditSource(
                    id=strawberry.ID(account.credit_source_id), name=account.name
                ),
                account=account,
                together=together,
            )
            for account in accounts
        ]

    async def _balance(self) -> int:
        return await self.together.balance(self.account.credit_source_id)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Transactions minus message credits, everything recorded; negative when "
        "overdrawn."
    )
    async def balance(self) -> Decimal:
        return e4_to_credits(await self._balance())

    @strawberry.field(description="The statement over a window of business dates.")  # type: ignore[untyped-decorator]
    async def statement(self, date_range: DateRange) -> CreditStatement:
        found = await statement(self.account, date_range.to_window())
        return CreditStatement.of(found, self.account.organization_id)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Transactions with business dates in `dateRange` (all when absent), newest "
        "first. `first` defaults to 50 and may be at most 200."
    )
    async def transactions(
        self,
        info: Info,
        date_range: DateRange | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> CreditTransactionConnection:
        page = await transaction_page(
            self.account.organization_id,
            self.account.credit_source_id,
            window_of(date_range),
            first,
            after,
            info.context.cursor_sealer(),
        )
        edges = [
            CreditTransactionEdge(
                node=CreditTransaction(
                    external_id=row.external_id,
                    kind=row.kind,
                    credits=e4_to_credits(row.credits_e4),
                    occurred_at=row.occurred_at,
                    date=row.business_date,
                    note=row.note,
                    reported_at=row.reported_at,
                ),
                cursor=row.cursor,
            )
            for row in page.rows
        ]
        return CreditTransactionConnection(
            total_count=page.total_count,
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(description="The runway at the recent burn.")  # type: ignore[untyped-decorator]
    async def forecast(self) -> CreditForecast:
        found = await self.together.forecast(self.account.credit_source_id)
        return CreditForecast(
            daily_burn=e4_to_credits(found.daily_burn),
            days_left=found.days_left,
            runs_out_on=found.runs_out_on,
            runs_out_earliest=found.runs_out_earliest,
            runs_out_latest=found.runs_out_latest,
        )

    @strawberry.field(description="The account's alerts, oldest first.")  # type: ignore[untyped-decorator]
    async def alerts(self) -> list[CreditAlert]:
        return [CreditAlert.of(row) for row in await alerts_of(self.account.credit_source_id)]


@strawberry.input(description="One credit transaction as the upstream system saw it.")
class CreditTransactionInput:
    external_id: str = strawberry.field(
        description="Unique within the organization; the idempotency key."
    )
    credit_source_id: strawberry.ID
    kind: CreditTransactionKindEnum  # type: ignore[valid-type]
    credits: Decimal = strawberry.field(
        description='Signed, at most 4 places, as a string (e.g. "500" or "-12.5"); '
        "at most 1,000,000,000 either way."
    )
    occurred_at: datetime = strawberry.field(
        description="ISO 8601 instant with offset; counts on its date in the organization's "
        "time zone."
    )
    note: str | None = strawberry.field(default=None, description="At most 1,000 characters.")
    reported_at: datetime | None = strawberry.field(
        default=None, description="When upstream observed this state; defaults to occurredAt."
    )

    def to_record(self) -> dict[str, object]:
        record: dict[str, object] = {
            "externalId": self.external_id,
            "creditSourceId": str(self.credit_source_id),
            "kind": CreditTransactionKind(self.kind),
            "credits": self.credits,
            "occurredAt": self.occurred_at,
        }
        if self.note is not None:
            record["note"] = self.note
        if self.reported_at is not None:
            record["reportedAt"] = self.reported_at
        return record


@strawberry.type(description="The outcome of an accepted batch; a rejected one stores nothing.")
class RecordCreditTransactionsResult:
    received: int
    inserted: int = strawberry.field(description="Transactions new to the ledger.")
    updated: int = strawberry.field(description="Transactions restated with a newer reportedAt.")
    unchanged: int = strawberry.field(
        description="Replays, older restatements and in-batch duplicates: no effect."
    )
