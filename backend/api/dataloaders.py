"""Request-scoped loaders: breakdowns of every campaign on a page in one statement per window.

Keys are `(campaign_id, scope, window)`; a batch groups its keys by `(scope, window)` and asks
the report layer once per group, so the statement count does not grow with the page size.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from backend.hierarchy import Scope
from backend.reports import CenterUsage, DateUsage, DateWindow, usage_by_center, usage_by_date

BreakdownKey = tuple[str, Scope, DateWindow | None]
Row = TypeVar("Row")


def _grouped(
    fetch: Callable[[list[str], Scope, DateWindow | None], Awaitable[dict[str, list[Row]]]],
) -> Callable[[Sequence[BreakdownKey]], Awaitable[list[list[Row]]]]:
    async def load(keys: Sequence[BreakdownKey]) -> list[list[Row]]:
        groups: dict[tuple[Scope, DateWindow | None], list[str]] = {}
        for campaign_id, scope, window in keys:
            groups.setdefault((scope, window), []).append(campaign_id)
        answers: dict[BreakdownKey, list[Row]] = {}
        for (scope, window), campaign_ids in groups.items():
            rows = await fetch(campaign_ids, scope, window)
            for campaign_id in campaign_ids:
                answers[(campaign_id, scope, window)] = rows.get(campaign_id, [])
        return [answers[key] for key in keys]

    return load


class Loaders:
    def __init__(self) -> None:
        self.center_usage_by_campaign = DataLoader[BreakdownKey, list[CenterUsage]](
            load_fn=_grouped(usage_by_center)
        )
        self.date_usage_by_campaign = DataLoader[BreakdownKey, list[DateUsage]](
            load_fn=_grouped(usage_by_date)
        )
