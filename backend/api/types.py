"""Object types: thin mappings of report rows; breakdowns resolve through request loaders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.api.context import Context
from backend.api.cost_types import CostExplanation, campaign_cost_explanation, subject_of
from backend.api.enums import CampaignStatusEnum, CampaignTypeEnum, ChannelEnum, CreatedFromEnum
from backend.api.inputs import DateRange, window_of
from backend.api.template_types import TemplateCost
from backend.campaigns import CampaignPage, CampaignRow
from backend.costs.templates import campaign_template_analysis
from backend.hierarchy import CenterInfo, Scope
from backend.reports import DateWindow
from backend.usage import Usage

if TYPE_CHECKING:
    from backend.api.flow_types import ChannelUsage, CreditSourceUsage

Info = strawberry.Info[Context, None]


@strawberry.type(description="A pool of credits an organization draws from.")
class CreditSource:
    id: strawberry.ID
    name: str


@strawberry.type(description="A group of centers within an organization.")
class Zone:
    id: strawberry.ID
    name: str


@strawberry.type(description="One location of the business; dates are in its own time zone.")
class Center:
    id: strawberry.ID
    name: str
    timezone: str = strawberry.field(description="IANA time zone, e.g. America/New_York.")
    zone_id: strawberry.ID | None = strawberry.field(
        description="The zone the center belongs to; null when it sits under the organization."
    )

    @classmethod
    def from_info(cls, info: CenterInfo) -> Center:
        return cls(
            id=strawberry.ID(info.id),
            name=info.name,
            timezone=info.timezone,
            zone_id=None if info.zone_id is None else strawberry.ID(info.zone_id),
        )


def usage_fields(usage: Usage) -> dict[str, Any]:
    """The three report numbers, as every usage-bearing type names them."""
    return {
        "targeted_guests": usage.targeted_guests,
        "processed": usage.processed,
        "credits_consumed": usage.credits_consumed,
    }


_TARGETED = "Distinct guests with any message in the window and scope."
_PROCESSED = "Messages successfully sent (outcome PROCESSED)."
_CREDITS = "Sum of the credits of every message in the window and scope, any outcome."


@strawberry.type(description="The report numbers over a set of campaigns.")
class UsageTotals:
    targeted_guests: int = strawberry.field(
        description=_TARGETED + " A guest reached by several campaigns counts once."
    )
    processed: int = strawberry.field(description=_PROCESSED)
    credits_consumed: Decimal = strawberry.field(description=_CREDITS)

    @classmethod
    def from_usage(cls, usage: Usage) -> UsageTotals:
        return cls(**usage_fields(usage))


@strawberry.type(description="A campaign's numbers at one center.")
class CenterUsage:
    center: Center
    targeted_guests: int = strawberry.field(description=_TARGETED)
    processed: int = strawberry.field(description=_PROCESSED)
    credits_consumed: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(description="A campaign's numbers on one business date.")
class DateUsage:
    date: date
    targeted_guests: int = strawberry.field(description=_TARGETED)
    processed: int = strawberry.field(description=_PROCESSED)
    credits_consumed: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(description="A marketing campaign with its numbers for the queried window.")
class Campaign:
    id: strawberry.ID
    name: str
    type: CampaignTypeEnum  # type: ignore[valid-type]
    created_from: CreatedFromEnum  # type: ignore[valid-type]
    owner_id: strawberry.ID = strawberry.field(
        description="The organization, zone or center the campaign was created from."
    )
    channel: ChannelEnum  # type: ignore[valid-type]
    credit_source: CreditSource
    status: CampaignStatusEnum  # type: ignore[valid-type]
    targeted_guests: int = strawberry.field(description=_TARGETED)
    processed: int = strawberry.field(description=_PROCESSED)
    credits_consumed: Decimal = strawberry.field(description=_CREDITS)
    template: str | None = strawberry.field(
        default=None,
        description="The message text of an SMS or WhatsApp campaign; null when none is set.",
    )
    scope: strawberry.Private[Scope]
    window: strawberry.Private[DateWindow | None]

    @classmethod
    def from_row(
        cls, row: CampaignRow, usage: Usage, scope: Scope, window: DateWindow | None
    ) -> Campaign:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            type=row.type,
            created_from=row.created_from,
            owner_id=strawberry.ID(row.owner_id),
            channel=row.channel,
            credit_source=CreditSource(
                id=strawberry.ID(row.credit_source_id), name=row.credit_source_name
            ),
            status=row.status,
            **usage_fields(usage),
            template=row.template,
            scope=scope,
            window=window,
        )

    def _window(self, date_range: DateRange | None) -> DateWindow | None:
        return self.window if date_range is None else window_of(date_range)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "The template's SMS analysis (as `Query.templateCost` gives for a draft): null "
            "when the campaign has no template or is not an SMS campaign."
        )
    )
    def template_cost(self) -> TemplateCost | None:
        analysis = campaign_template_analysis(self.template, self.channel)
        return None if analysis is None else TemplateCost.of(analysis)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "Why the campaign cost what it cost (units, countries, categories, outcomes, the "
            "rate card and the template's rewrite), within the caller's scope. `dateRange` "
            "overrides the window the campaign was queried with."
        )
    )
    async def cost_explanation(
        self, info: Info, date_range: DateRange | None = None
    ) -> CostExplanation:
        subject = subject_of(str(self.id), self.channel, str(self.credit_source.id), self.template)
        return await campaign_cost_explanation(info, subject, self.scope, self._window(date_range))

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "One row per center in scope with messages in the window, most credits first. "
            "`dateRange` overrides the window the campaign was queried with."
        )
    )
    async def center_breakdown(
        self, info: Info, date_range: DateRange | None = None
    ) -> list[CenterUsage]:
        key = (str(self.id), self.scope, self._window(date_range))
        rows = await info.context.loaders.center_usage_by_campaign.load(key)
        info.context.charge_rows(len(rows))
        centers = (await info.context.hierarchy()).centers
        return [
            CenterUsage(
                center=Center.from_info(centers[row.center_id]),
                **usage_fields(row.usage),
            )
            for row in rows
        ]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "One row per business date of the window, ascending, days without messages as zeros. "
            "Without a window: the campaign's first to last business date."
        )
    )
    async def date_breakdown(
        self, info: Info, date_range: DateRange | None = None
    ) -> list[DateUsage]:
        key = (str(self.id), self.scope, self._window(date_range))
        rows = await info.context.loaders.date_usage_by_campaign.load(key)
        info.context.charge_rows(len(rows))
        return [
            DateUsage(
                date=row.date,
                **usage_fields(row.usage),
            )
            for row in rows
        ]


@strawberry.type
class CampaignEdge:
    node: Campaign
    cursor: str = strawberry.field(
        description="Opaque: pass as `after` to get the campaigns after this one. Valid only for "
        "the same scope (organization, zone or center) and `orderBy`, and while the server's "
        "secret key stays the same; otherwise it answers INVALID_CURSOR."
    )


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A page of the campaign report.")
class CampaignConnection:
    total_count: int = strawberry.field(description="Campaigns matching, over all pages.")
    edges: list[CampaignEdge]
    page_info: PageInfo
    totals: UsageTotals = strawberry.field(
        description="Over every matching campaign, not just this page."
    )
    report: strawberry.Private[CampaignPage]

    # Where credits go: over every matching campaign, like `totals` (backend/api/flow_types.py,
    # imported when called because it imports this module).
    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Per channel with messages in the window: every matching campaign of the "
        "channel together (a guest counts once in a row), most credits first."
    )
    async def by_channel(
        self,
    ) -> list[Annotated[ChannelUsage, strawberry.lazy("backend.api.flow_types")]]:
        from backend.api import flow_types

        return await flow_types.by_channel(self.report)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Per credit source with messages in the window: every matching campaign "
        "drawing on it together, most credits first."
    )
    async def by_credit_source(
        self,
    ) -> list[Annotated[CreditSourceUsage, strawberry.lazy("backend.api.flow_types")]]:
        from backend.api import flow_types

        return await flow_types.by_credit_source(self.report)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Every matching campaign together, one row per business date of the "
        "window, ascending and zero-filled; a guest counts once a day. Without a window: the "
        "first to the last date with messages."
    )
    async def date_breakdown(self, info: Info) -> list[DateUsage]:
        from backend.api import flow_types

        return await flow_types.date_breakdown(self.report, info)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The totals over the window of the same length just before this one (for "
        "March 8-14, March 1-7), in the same scope, of the campaigns matching every filter but "
        "`withActivity` (which looks at this window): what `totals` answers when asked for "
        "that window. Null without a window."
    )
    async def previous_period(self) -> UsageTotals | None:
        from backend.api import flow_types

        return await flow_types.previous_period(self.report)


@strawberry.type(description="The outcome of an accepted batch; a rejected one stores nothing.")
class RecordMessagesResult:
    received: int
    inserted: int = strawberry.field(description="Messages new to the ledger.")
    updated: int = strawberry.field(description="Messages restated with a newer reportedAt.")
    unchanged: int = strawberry.field(
        description="Replays, older restatements and in-batch duplicates: no effect."
    )


@strawberry.enum(description="The level of the hierarchy a principal sees.")
class ScopeKind(Enum):
    ORGANIZATION = "ORGANIZATION"
    ZONE = "ZONE"
    CENTER = "CENTER"


@strawberry.type(description="The organization the caller belongs to.")
class Organization:
    id: strawberry.ID
    name: str
    timezone: str


@strawberry.type(description="Who is asking and what they may see.")
class Viewer:
    organization: Organization
    scope_kind: ScopeKind
    zone: Zone | None
    center: Center | None
    can_write: bool
    can_manage_accounts: bool = strawberry.field(
        description=(
            "Whether the caller may record credit transactions and manage alerts: an "
            "organization token created with --write, or a web user created with --admin."
        )
    )
    zones: list[Zone] = strawberry.field(description="Zones in scope (to narrow the report).")
    centers: list[Center] = strawberry.field(description="Centers in scope.")
    credit_sources: list[CreditSource] = strawberry.field(
        description="Credit sources of the campaigns in scope (to filter the report)."
    )
