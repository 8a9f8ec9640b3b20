"""Input types and the mapping from them to the report layer's plain specs."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TypeVar

import strawberry

from backend.api.enums import (
    CampaignStatusEnum,
    CampaignTypeEnum,
    ChannelEnum,
    CreatedFromEnum,
)
from backend.campaigns import CampaignFilterSpec, CampaignOrderSpec, SortKey
from backend.enums import CampaignStatus, CampaignType, Channel, CreatedFrom
from backend.errors import ProductError
from backend.reports import DateWindow

MAX_SEARCH_LENGTH = 200


@strawberry.input(description="Inclusive business dates (each center's own calendar).")
class DateRange:
    start: date = strawberry.field(description="First business date, e.g. 2026-03-01.")
    end: date = strawberry.field(description="Last business date; not before `start`.")

    def to_window(self) -> DateWindow:
        return DateWindow(self.start, self.end)


def window_of(date_range: DateRange | None) -> DateWindow | None:
    return None if date_range is None else date_range.to_window()


CampaignOrderField = strawberry.enum(
    SortKey, name="CampaignOrderField", description="A column of the campaign report."
)


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input(description="Sort order; ties are broken by campaign id, ascending.")
class CampaignOrder:
    field: CampaignOrderField = SortKey.CREDITS_CONSUMED  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.DESC

    def to_spec(self) -> CampaignOrderSpec:
        return CampaignOrderSpec(SortKey(self.field), self.direction is OrderDirection.DESC)


@strawberry.input(description="Every given criterion must hold; a list matches any of its values.")
class CampaignFilter:
    channels: list[ChannelEnum] | None = None  # type: ignore[valid-type]
    types: list[CampaignTypeEnum] | None = None  # type: ignore[valid-type]
    created_from: list[CreatedFromEnum] | None = None  # type: ignore[valid-type]
    statuses: list[CampaignStatusEnum] | None = None  # type: ignore[valid-type]
    credit_source_ids: list[strawberry.ID] | None = None
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the campaign name."
    )
    with_activity: bool = strawberry.field(
        default=False, description="Only campaigns with at least one message in the window."
    )

    def to_spec(self) -> CampaignFilterSpec:
        if self.name_contains is not None and len(self.name_contains) > MAX_SEARCH_LENGTH:
            raise ProductError(
                f"`nameContains` is longer than {MAX_SEARCH_LENGTH} characters.",
                code="SEARCH_TOO_LONG",
            )
        return CampaignFilterSpec(
            channels=_set(Channel, self.channels),
            types=_set(CampaignType, self.types),
            created_from=_set(CreatedFrom, self.created_from),
            statuses=_set(CampaignStatus, self.statuses),
            credit_source_ids=(
                None
                if self.credit_source_ids is None
                else frozenset(map(str, self.credit_source_ids))
            ),
            name_contains=self.name_contains or None,
            active_only=self.with_activity,
        )


E = TypeVar("E", bound=Enum)


def _set(kind: type[E], values: list[E] | None) -> frozenset[E] | None:
    return None if values is None else frozenset(kind(v) for v in values)
