"""Root resolvers: authorise, call the report or ledger layer, map rows to types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.accounts.alerts import evaluate_after_ingest
from backend.api.inputs import CampaignFilter, CampaignOrder, DateRange, window_of
from backend.api.message_input import MessageRecord
from backend.api.types import (
    Campaign,
    CampaignConnection,
    CampaignEdge,
    Center,
    CreditSource,
    Info,
    Organization,
    PageInfo,
    RecordMessagesResult,
    ScopeKind,
    UsageTotals,
    Viewer,
    Zone,
)
from backend.campaigns import (
    CampaignFilterSpec,
    CampaignOrderSpec,
    campaign_in_scope,
    campaign_report,
    visible_campaigns,
)
from backend.ledger import WriteScope, record_messages
from backend.models import Organization as OrganizationModel
from backend.reports import latest_message_at, usage_by_campaign
from backend.usage import NO_USAGE


async def resolve_campaigns(
    info: Info,
    date_range: DateRange | None = None,
    zone_id: strawberry.ID | None = None,
    center_id: strawberry.ID | None = None,
    filter: CampaignFilter | None = None,
    order_by: CampaignOrder | None = None,
    first: int | None = None,
    after: str | None = None,
) -> CampaignConnection:
    context = info.context
    scope = await context.scope(
        None if zone_id is None else str(zone_id), None if center_id is None else str(center_id)
    )
    window = window_of(date_range)
    hierarchy = await context.hierarchy()
    page = await campaign_report(
        hierarchy,
        scope,
        window,
        filter.to_spec() if filter else CampaignFilterSpec(),
        order_by.to_spec() if order_by else CampaignOrderSpec(),
        first,
        after,
        sealer=context.cursor_sealer(),
        reader=context.require_principal(),
    )
    edges = [
        CampaignEdge(node=Campaign.from_row(r.campaign, r.usage, scope, window), cursor=r.cursor)
        for r in page.rows
    ]
    return CampaignConnection(
        total_count=page.total_count,
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        totals=UsageTotals.from_usage(page.totals),
        report=page,
    )


async def resolve_campaign(
    info: Info,
    id: strawberry.ID,
    date_range: DateRange | None = None,
    zone_id: strawberry.ID | None = None,
    center_id: strawberry.ID | None = None,
) -> Campaign | None:
    scope = await info.context.scope(
        None if zone_id is None else str(zone_id), None if center_id is None else str(center_id)
    )
    row = await campaign_in_scope(await info.context.hierarchy(), scope, str(id))
    if row is None:
        return None
    window = window_of(date_range)
    usage = await usage_by_campaign([row.id], scope, window)
    return Campaign.from_row(row, usage.get(row.id, NO_USAGE), scope, window)


async def resolve_data_up_to(
    info: Info, zone_id: strawberry.ID | None = None, center_id: strawberry.ID | None = None
) -> datetime | None:
    scope = await info.context.scope(
        None if zone_id is None else str(zone_id), None if center_id is None else str(center_id)
    )
    centers = (
        (await info.context.hierarchy()).centers.keys()
        if scope.center_ids is None
        else scope.center_ids
    )
    return await latest_message_at(centers)


async def resolve_viewer(info: Info) -> Viewer:
    principal = info.context.require_principal()
    hierarchy = await info.context.hierarchy()
    scope = await info.context.scope()
    organization = await OrganizationModel.get(id=principal.organization_id)
    centers = [
        Center.from_info(c)
        for c in sorted(hierarchy.centers.values(), key=lambda c: (c.name, c.id))
        if scope.allows(c.id)
    ]
    zone_ids = {c.zone_id for c in hierarchy.centers.values() if scope.allows(c.id) and c.zone_id}
    if principal.kind == "ORGANIZATION":
        zone_ids = set(hierarchy.zone_names)
    zones = sorted(
        (Zone(id=strawberry.ID(z), name=hierarchy.zone_names[z]) for z in zone_ids),
        key=lambda z: (z.name, z.id),
    )
    sources = {
        c.credit_source_id: c.credit_source_name for c in await visible_campaigns(hierarchy, scope)
    }
    return Viewer(
        organization=Organization(
            id=strawberry.ID(organization.id),
            name=organization.name,
            timezone=organization.timezone,
        ),
        scope_kind=ScopeKind(principal.kind),
        zone=next((z for z in zones if z.id == principal.zone_id), None),
        center=next((c for c in centers if c.id == principal.center_id), None),
        can_write=principal.can_write,
        can_manage_accounts=principal.can_manage_accounts,
        zones=zones,
        centers=centers,
        credit_sources=sorted(
            (CreditSource(id=strawberry.ID(i), name=n) for i, n in sources.items()),
            key=lambda s: (s.name, s.id),
        ),
    )


async def resolve_record_messages(
    info: Info, messages: list[MessageRecord]
) -> RecordMessagesResult:
    context = info.context
    principal = context.require_writer()
    scope = await context.scope()
    result = await record_messages(
        messages,
        scope=WriteScope(principal.organization_id, scope.center_ids),
        actor=principal.actor,
    )
    await evaluate_after_ingest({principal.organization_id})
    return RecordMessagesResult(
        received=result.received,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
    )
