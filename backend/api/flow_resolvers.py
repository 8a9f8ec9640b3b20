"""The root resolver of `Query.messageOverlap`: authorise, call backend/overlap.py, map."""

from __future__ import annotations

import strawberry

from backend.api.flow_types import MessageOverlap
from backend.api.inputs import DateRange
from backend.api.types import Info
from backend.campaigns import visible_campaigns
from backend.overlap import message_overlap
from backend.usage import e4_to_credits


async def resolve_message_overlap(
    info: Info,
    date_range: DateRange,
    zone_id: strawberry.ID | None = None,
    center_id: strawberry.ID | None = None,
) -> MessageOverlap:
    context = info.context
    scope = await context.scope(
        None if zone_id is None else str(zone_id), None if center_id is None else str(center_id)
    )
    window = date_range.to_window()
    hierarchy = await context.hierarchy()
    centers = frozenset(hierarchy.centers) if scope.center_ids is None else scope.center_ids
    campaigns = {c.id: c for c in await visible_campaigns(hierarchy, scope)}
    found = await message_overlap(campaigns, centers, window)
    return MessageOverlap(
        guests=found.guests,
        extra_messages=found.extra_messages,
        extra_credits=e4_to_credits(found.extra_credits_e4),
        scope=scope,
        campaigns=campaigns,
        center_ids=centers,
        window=window,
    )
