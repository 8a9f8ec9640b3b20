"""GraphQL types of `Campaign.costExplanation` (§10): thin mappings of
`backend.costs.explanation.CampaignCostExplanation`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from backend.api.context import Context
from backend.api.enums import MessageOutcomeEnum
from backend.costs.attributes import MAX_UNITS, WhatsAppCategory
from backend.costs.explanation import (
    CampaignCostExplanation,
    CampaignCostSubject,
    CostGroup,
    explain_campaign_cost,
)
from backend.enums import Channel
from backend.hierarchy import Scope
from backend.reports import DateWindow
from backend.usage import e4_to_credits

WhatsAppCategoryEnum = strawberry.enum(
    WhatsAppCategory,
    name="WhatsAppCategory",
    description=(
        "The category of a WhatsApp message, which its price depends on: MARKETING, UTILITY, "
        "AUTHENTICATION or SERVICE."
    ),
)

_MESSAGES = "Messages in the group."
_UNITS = "Billed units of those messages (SMS segments, for instance): a message counts its units."
_CREDITS = "Credits of those messages, any outcome."


@strawberry.type(description="Messages billed as the same number of units each.")
class UnitsCost:
    units_per_message: int = strawberry.field(
        description=f"The units each message of the group was billed as (1 to {MAX_UNITS:,})."
    )
    messages: int = strawberry.field(description=_MESSAGES)
    units: int = strawberry.field(description=_UNITS)
    credits: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(description="Messages to recipients in one country.")
class CountryCost:
    country_code: str | None = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the recipients' country; null for messages "
        "recorded without one."
    )
    messages: int = strawberry.field(description=_MESSAGES)
    units: int = strawberry.field(description=_UNITS)
    credits: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(description="WhatsApp messages of one category.")
class CategoryCost:
    category: WhatsAppCategoryEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="Null for messages recorded without a category (every SMS and Email)."
    )
    messages: int = strawberry.field(description=_MESSAGES)
    units: int = strawberry.field(description=_UNITS)
    credits: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(description="Messages with one outcome.")
class OutcomeCost:
    outcome: MessageOutcomeEnum  # type: ignore[valid-type]
    messages: int = strawberry.field(description=_MESSAGES)
    units: int = strawberry.field(description=_UNITS)
    credits: Decimal = strawberry.field(description=_CREDITS)


@strawberry.type(
    description=(
        "Why a campaign cost what it cost, over its messages in the window and the caller's "
        "scope. Every split adds up to `messages`, `units` and `credits`; each lists only "
        "groups with messages."
    )
)
class CostExplanation:
    messages: int = strawberry.field(description="Messages, any outcome.")
    units: int = strawberry.field(description="Billed units of every message (1 unless told).")
    credits: Decimal = strawberry.field(description="Credits of every message, any outcome.")
    processed: int = strawberry.field(description="Messages with outcome PROCESSED.")
    credits_per_processed: Decimal | None = strawberry.field(
        description="`credits` / `processed`, rounded half to even to 4 places; null when no "
        "message was processed."
    )
    by_units: list[UnitsCost] = strawberry.field(
        description="By units per message (1, 2, 3 … segments), ascending."
    )
    by_country: list[CountryCost] = strawberry.field(
        description="By recipients' country, most credits first; messages without a country "
        "form one group with a null `countryCode`."
    )
    by_category: list[CategoryCost] = strawberry.field(
        description="By WhatsApp category, most credits first; messages without one form one "
        "group with a null `category`."
    )
    by_outcome: list[OutcomeCost] = strawberry.field(
        description="By outcome: PROCESSED, FAILED, SKIPPED."
    )
    wasted_credits: Decimal = strawberry.field(
        description="Credits of FAILED and SKIPPED messages: paid for, not delivered."
    )
    rated_messages: int = strawberry.field(
        description="Messages the credit source's rate card prices (a card valid on their "
        "business date with a rate for their channel, country and category)."
    )
    expected_credits: Decimal = strawberry.field(
        description="What the rate card says the `ratedMessages` cost: units x the most "
        "specific rate, (country, category) before (country, any) before (any, category) "
        "before (any, any)."
    )
    rate_mismatches: int = strawberry.field(
        description="Rated messages whose credits differ from the rate card's units x rate (a "
        "message refunded to 0 or never attempted differs too, unless its rate is 0)."
    )
    potential_savings: Decimal = strawberry.field(
        description=(
            "Credits the window would have cost less had each PROCESSED message of an SMS "
            "campaign used its template's GSM-7 rewrite: per message (segments - rewrite "
            "segments) x its rate (the rate card's, else its own credits / units; rounded "
            "once, half to even, to 4 places). Messages recorded as GSM_7 save nothing; 0 "
            "without a template, a rewrite or a segment saved."
        )
    )

    @classmethod
    def of(cls, explanation: CampaignCostExplanation) -> CostExplanation:
        return cls(
            messages=explanation.messages,
            units=explanation.units,
            credits=e4_to_credits(explanation.credits_e4),
            processed=explanation.processed,
            credits_per_processed=explanation.credits_per_processed,
            by_units=[
                UnitsCost(units_per_message=g.key, **_numbers(g)) for g in explanation.by_units
            ],
            by_country=[
                CountryCost(country_code=g.key, **_numbers(g)) for g in explanation.by_country
            ],
            by_category=[
                CategoryCost(category=g.key, **_numbers(g)) for g in explanation.by_category
            ],
            by_outcome=[OutcomeCost(outcome=g.key, **_numbers(g)) for g in explanation.by_outcome],
            wasted_credits=e4_to_credits(explanation.wasted_credits_e4),
            rated_messages=explanation.rated_messages,
            expected_credits=e4_to_credits(explanation.expected_credits_e4),
            rate_mismatches=explanation.rate_mismatches,
            potential_savings=e4_to_credits(explanation.potential_savings_e4),
        )


def _numbers(group: CostGroup) -> dict[str, Any]:
    return {
        "messages": group.messages,
        "units": group.units,
        "credits": e4_to_credits(group.credits_e4),
    }


async def campaign_cost_explanation(
    info: strawberry.Info[Context, None],
    subject: CampaignCostSubject,
    scope: Scope,
    window: DateWindow | None,
) -> CostExplanation:
    explanation = await explain_campaign_cost(
        subject, scope.center_ids, None if window is None else (window.start, window.end)
    )
    info.context.charge_rows(
        len(explanation.by_units)
        + len(explanation.by_country)
        + len(explanation.by_category)
        + len(explanation.by_outcome)
    )
    return CostExplanation.of(explanation)


def subject_of(
    campaign_id: str, channel: Channel, credit_source_id: str, template: str | None
) -> CampaignCostSubject:
    return CampaignCostSubject(campaign_id, Channel(channel), credit_source_id, template)
