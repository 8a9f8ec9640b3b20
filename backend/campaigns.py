"""The campaign report: which campaigns a scope sees, filtered, ordered and paged.

Campaign rows are few (hundreds per organization) while messages are many, so the database
aggregates messages per campaign in one statement and the filtering, ordering and keyset
paging over those rows happen here, where every report column is at hand. A page's cursors are
its rows' positions (sort value, campaign id), sealed by `backend.cursors` for the reader's
scope and the ordering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from backend.cursors import CursorSealer, PageCursors
from backend.enums import CampaignStatus, CampaignType, Channel, CreatedFrom
from backend.errors import ProductError
from backend.hierarchy import OrgHierarchy, Scope
from backend.models import Campaign, CreditSource
from backend.principal import Principal
from backend.reports import DateWindow, usage_and_totals
from backend.usage import NO_USAGE, Usage
from backend.versions import VersionedCache

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class CampaignRow:
    id: str
    name: str
    type: CampaignType
    created_from: CreatedFrom
    owner_id: str
    channel: Channel
    credit_source_id: str
    credit_source_name: str
    status: CampaignStatus
    template: str | None = None


class SortKey(StrEnum):
    NAME = "NAME"
    TYPE = "TYPE"
    CREATED_FROM = "CREATED_FROM"
    TARGETED_GUESTS = "TARGETED_GUESTS"
    PROCESSED = "PROCESSED"
    CREDITS_CONSUMED = "CREDITS_CONSUMED"
    CHANNEL = "CHANNEL"
    CREDIT_SOURCE = "CREDIT_SOURCE"
    STATUS = "STATUS"


@dataclass(frozen=True)
class CampaignOrderSpec:
    key: SortKey = SortKey.CREDITS_CONSUMED
    descending: bool = True


@dataclass(frozen=True)
class CampaignFilterSpec:
    channels: frozenset[Channel] | None = None
    types: frozenset[CampaignType] | None = None
    created_from: frozenset[CreatedFrom] | None = None
    statuses: frozenset[CampaignStatus] | None = None
    credit_source_ids: frozenset[str] | None = None
    name_contains: str | None = None
    active_only: bool = False


@dataclass(frozen=True)
class ReportRow:
    campaign: CampaignRow
    usage: Usage
    cursor: str


@dataclass(frozen=True)
class CampaignPage:
    rows: list[ReportRow]
    total_count: int
    has_next_page: bool
    has_previous_page: bool
    totals: Usage
    scope: Scope
    window: DateWindow | None = field(default=None)
    # The campaigns `totals` covers: every filter but the one on activity (a campaign without
    # activity adds nothing to a sum). The connection's other sums over campaigns use them too.
    totals_campaigns: list[CampaignRow] = field(default_factory=list)


_catalogs = VersionedCache[list[CampaignRow]]()


async def _catalog(hierarchy: OrgHierarchy) -> list[CampaignRow]:
    """Every campaign of the organization, cached per catalog version."""
    organization_id = hierarchy.organization_id
    cached = _catalogs.get(organization_id, hierarchy.catalog_version)
    if cached is not None:
        return cached
    sources = dict(
        await CreditSource.filter(organization_id=organization_id).values_list("id", "name")
    )
    rows = await Campaign.filter(organization_id=organization_id).values_list(
        "id",
        "name",
        "type",
        "created_from",
        "owner_id",
        "channel",
        "credit_source_id",
        "status",
        "template",
    )
    catalog = [
        CampaignRow(
            id=campaign_id,
            name=name,
            type=CampaignType(kind),
            created_from=CreatedFrom(created_from),
            owner_id=owner_id,
            channel=Channel(channel),
            credit_source_id=source_id,
            credit_source_name=str(sources.get(source_id, "")),
            status=CampaignStatus(status),
            template=template,
        )
        for (
            campaign_id,
            name,
            kind,
            created_from,
            owner_id,
            channel,
            source_id,
            status,
            template,
        ) in rows
    ]
    _catalogs.put(organization_id, hierarchy.catalog_version, catalog)
    return catalog


async def visible_campaigns(hierarchy: OrgHierarchy, scope: Scope) -> list[CampaignRow]:
    """Campaigns reaching at least one center of the scope."""
    return [
        row
        for row in await _catalog(hierarchy)
        if hierarchy.reaches_any(row.created_from, row.owner_id, scope.center_ids)
    ]


def _matches(row: CampaignRow, usage: Usage, spec: CampaignFilterSpec) -> bool:
    if spec.channels is not None and row.channel not in spec.channels:
        return False
    if spec.types is not None and row.type not in spec.types:
        return False
    if spec.created_from is not None and row.created_from not in spec.created_from:
        return False
    if spec.statuses is not None and row.status not in spec.statuses:
        return False
    if spec.credit_source_ids is not None and row.credit_source_id not in spec.credit_source_ids:
        return False
    if spec.name_contains and spec.name_contains.casefold() not in row.name.casefold():
        return False
    return not (spec.active_only and usage == NO_USAGE)


_SORT_VALUE: dict[SortKey, Callable[[CampaignRow, Usage], str | int]] = {
    SortKey.NAME: lambda c, u: c.name.casefold(),
    SortKey.TYPE: lambda c, u: c.type.value,
    SortKey.CREATED_FROM: lambda c, u: c.created_from.value,
    SortKey.TARGETED_GUESTS: lambda c, u: u.targeted_guests,
    SortKey.PROCESSED: lambda c, u: u.processed,
    SortKey.CREDITS_CONSUMED: lambda c, u: u.credits_e4,
    SortKey.CHANNEL: lambda c, u: c.channel.value,
    SortKey.CREDIT_SOURCE: lambda c, u: c.credit_source_name.casefold(),
    SortKey.STATUS: lambda c, u: c.status.value,
}


_NUMERIC_KEYS = frozenset({SortKey.TARGETED_GUESTS, SortKey.PROCESSED, SortKey.CREDITS_CONSUMED})


def _compare(order: CampaignOrderSpec, a: tuple[Any, str], b: tuple[Any, str]) -> int:
    """Order by the value in the asked direction, then by id ascending: a total, stable order."""
    if a[0] != b[0]:
        less = a[0] < b[0]
        return (1 if less else -1) if order.descending else (-1 if less else 1)
    return (a[1] > b[1]) - (a[1] < b[1])


def page_size(first: int | None, items: str = "campaigns") -> int:
    """A page's size from `first` (default DEFAULT_PAGE_SIZE), or the coded refusal; every
    paged list of the API shares these bounds."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0:
        raise ProductError("`first` must not be negative.", code="INVALID_PAGE_SIZE")
    if first > MAX_PAGE_SIZE:
        raise ProductError(
            f"`first` is {first}; a page holds at most {MAX_PAGE_SIZE} {items}.",
            code="PAGE_SIZE_TOO_LARGE",
        )
    return first


async def campaign_report(
    hierarchy: OrgHierarchy,
    scope: Scope,
    window: DateWindow | None,
    spec: CampaignFilterSpec,
    order: CampaignOrderSpec,
    first: int | None,
    after: str | None,
    *,
    sealer: CursorSealer,
    reader: Principal,
) -> CampaignPage:
    """The page after `after`, a cursor that `sealer` sealed for `reader`'s scope and `order`."""
    size = page_size(first)
    numeric = order.key in _NUMERIC_KEYS
    cursors = PageCursors.of(sealer, reader, order.key.value, order.descending, numeric=numeric)
    position = cursors.decode(after) if after else None
    campaigns = await visible_campaigns(hierarchy, scope)
    # Campaigns without activity add nothing to the totals, so the totals need only the
    # filters that do not look at usage, and both come from one call.
    without_usage = replace(spec, active_only=False)
    candidate_rows = [c for c in campaigns if _matches(c, NO_USAGE, without_usage)]
    candidates = [c.id for c in candidate_rows]
    usage, totals = await usage_and_totals(candidates, scope, window)
    matched = [
        (c, usage.get(c.id, NO_USAGE))
        for c in campaigns
        if _matches(c, usage.get(c.id, NO_USAGE), spec)
    ]
    sort_value = _SORT_VALUE[order.key]
    keyed: list[tuple[tuple[str | int, str], CampaignRow, Usage]] = [
        ((sort_value(c, u), c.id), c, u) for c, u in matched
    ]

    def compare(a: tuple[Any, str], b: tuple[Any, str]) -> int:
        return _compare(order, a, b)

    # The order of `_compare` in two stable passes: ids ascending, then values in the asked
    # direction (a reversed sort keeps equal values in their order).
    keyed.sort(key=lambda row: row[0][1])
    keyed.sort(key=lambda row: row[0][0], reverse=order.descending)
    start = 0
    if position is not None:
        start = next(
            (i for i, (key, _, _) in enumerate(keyed) if compare(key, position) > 0), len(keyed)
        )
    page = keyed[start : start + size]
    return CampaignPage(
        # A few microseconds a cursor, as much as the unsealed JSON cursors cost.
        rows=[ReportRow(c, u, cursors.encode(key)) for key, c, u in page],
        total_count=len(keyed),
        has_next_page=start + size < len(keyed),
        has_previous_page=start > 0,
        totals=totals,
        scope=scope,
        window=window,
        totals_campaigns=candidate_rows,
    )


async def campaign_in_scope(
    hierarchy: OrgHierarchy, scope: Scope, campaign_id: str
) -> CampaignRow | None:
    """The campaign if the scope sees it; `None` alike for missing and out-of-scope ones."""
    return next((c for c in await visible_campaigns(hierarchy, scope) if c.id == campaign_id), None)
