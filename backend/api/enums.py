"""The product's vocabularies as GraphQL enums (one source of truth: `backend.enums`)."""

from __future__ import annotations

import strawberry

from backend.enums import CampaignStatus, CampaignType, Channel, CreatedFrom, MessageOutcome

ChannelEnum = strawberry.enum(Channel, name="Channel", description="How a message is sent.")
CampaignTypeEnum = strawberry.enum(
    CampaignType,
    name="CampaignType",
    description="ALWAYS_ON campaigns are evaluated daily; SCHEDULED ones send one blast.",
)
CreatedFromEnum = strawberry.enum(
    CreatedFrom,
    name="CreatedFrom",
    description="The level a campaign was created at; it reaches every center under it.",
)
CampaignStatusEnum = strawberry.enum(
    CampaignStatus,
    name="CampaignStatus",
    description="PROCESSED is a scheduled campaign that has finished.",
)
MessageOutcomeEnum = strawberry.enum(
    MessageOutcome,
    name="MessageOutcome",
    description=(
        "PROCESSED: sent. FAILED: attempted, not delivered. "
        "SKIPPED: targeted, not attempted (no consent, no number)."
    ),
)
