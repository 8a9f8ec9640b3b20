"""Where credits go and overlap: the connection's splits over every matched campaign, and
`Query.messageOverlap`. Thin mappings of the rows of backend/flows.py and backend/overlap.py."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import strawberry

from backend.api.enums import ChannelEnum
from backend.api.limits import DEFAULT_TOP_PAIRS
from backend.api.types import (
    Campaign,
    CreditSource,
    DateUsage,
    Info,
    UsageTotals,
    usage_fields,
)
from backend.campaigns import CampaignPage, CampaignRow, page_size
from backend.enums import Channel
from backend.flows import (
    previous_period_totals,
    usage_by_date_together,
    usage_by_group,
)
from backend.hierarchy import Scope
from backend.overlap import top_campaign_pairs
from backend.reports import DateWindow, usage_by_campaign
from backend.usage import NO_USAGE

_TARGETED = "Distinct guests with any message in the window and scope; once however many campaigns."
_PROCESSED = "Messages successfully sent (outcome PROCESSED)."
_CREDITS = "Sum of the credits of every message in the window and scope, any outcome."


@strawberry.type(description="The numbers of every matched campaign of one channel, together.")
class ChannelUsage:
    channel: ChannelEnum  # type: ignore[valid-type]
    targeted_guests: int = strawberry.field(description=_TARGETED)
    processed: int = strawberry.field(description=_PROCESSED)
    credits_consumed: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(
    description="The numbers of every matched campaign drawing on one credit source, together."
)
class CreditSourceUsage:
    credit_source: CreditSource
    targeted_guests: int = strawberry.field(description=_TARGETED)
    processed: int = strawberry.field(description=_PROCESSED)
    credits_consumed: Decimal = strawberry.field(description=_CREDITS)


def _groups(page: CampaignPage, key: Callable[[CampaignRow], str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for row in page.totals_campaigns:
        groups.setdefault(key(row), []).append(row.id)
    return groups


async def by_channel(page: CampaignPage) -> list[ChannelUsage]:
    found = await usage_by_group(_groups(page, lambda c: c.channel.value), page.scope, page.window)
    return [ChannelUsage(channel=Channel(g.key), **usage_fields(g.usage)) for g in found]


async def by_credit_source(page: CampaignPage) -> list[CreditSourceUsage]:
    names = {c.credit_source_id: c.credit_source_name for c in page.totals_campaigns}
    found = await usage_by_group(
        _groups(page, lambda c: c.credit_source_id), page.scope, page.window
    )
    return [
        CreditSourceUsage(
            credit_source=CreditSource(id=strawberry.ID(g.key), name=names[g.key]),
            **usage_fields(g.usage),
        )
        for g in found
    ]


async def date_breakdown(page: CampaignPage, info: Info) -> list[DateUsage]:
    ids = [c.id for c in page.totals_campaigns]
    rows = await usage_by_date_together(ids, page.scope, page.window)
    info.context.charge_rows(len(rows))
    return [DateUsage(date=row.date, **usage_fields(row.usage)) for row in rows]


async def previous_period(page: CampaignPage) -> UsageTotals | None:
    ids = [c.id for c in page.totals_campaigns]
    totals = await previous_period_totals(ids, page.scope, page.window)
    return None if totals is None else UsageTotals.from_usage(totals)


@strawberry.type(description="Two campaigns that reached the same guests on the same day.")
class CampaignPair:
    campaign_a: Campaign = strawberry.field(
        description="The pair's campaign with the lower id; its numbers cover the overlap's "
        "window and scope."
    )
    campaign_b: Campaign = strawberry.field(description="The pair's campaign with the higher id.")
    guests: int = strawberry.field(
        description="Distinct guests who got messages from both campaigns on one business day."
    )


@strawberry.type(
    description=(
        "Guests messaged by two or more campaigns on the same business day, within the scope "
        "and window. Every message counts, whatever its outcome."
    )
)
class MessageOverlap:
    guests: int = strawberry.field(
        description="Distinct guests who got messages from two or more campaigns on one "
        "business day."
    )
    extra_messages: int = strawberry.field(
        description="On those guests' overlapping days, the messages beyond each guest's first "
        "of the day (the earliest `sentAt`, ties by `externalId`)."
    )
    extra_credits: Decimal = strawberry.field(description="The credits of those messages.")
    scope: strawberry.Private[Scope]
    campaigns: strawberry.Private[dict[str, CampaignRow]]  # those the scope sees, by id
    center_ids: strawberry.Private[frozenset[str]]
    window: strawberry.Private[DateWindow]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "The campaign pairs with the most guests who got both on one business day: most "
            "first, ties by the campaigns' ids. `first` defaults to 10 and may be at most 200."
        )
    )
    async def top_pairs(
        self, info: Info, first: int | None = DEFAULT_TOP_PAIRS
    ) -> list[CampaignPair]:
        # An explicit null means the default, as the cost limit prices it.
        size = page_size(DEFAULT_TOP_PAIRS if first is None else first, "pairs")
        pairs = await top_campaign_pairs(self.campaigns, self.center_ids, self.window, size)
        info.context.charge_rows(len(pairs))
        ids = {c for p in pairs for c in (p.campaign_a, p.campaign_b)}
        usage = await usage_by_campaign(ids, self.scope, self.window)

        def campaign(campaign_id: str) -> Campaign:
            found = usage.get(campaign_id, NO_USAGE)
            return Campaign.from_row(self.campaigns[campaign_id], found, self.scope, self.window)

        return [
            CampaignPair(
                campaign_a=campaign(p.campaign_a),
                campaign_b=campaign(p.campaign_b),
                guests=p.guests,
            )
            for p in pairs
        ]
