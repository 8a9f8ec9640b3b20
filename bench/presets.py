"""Dataset shapes of the benchmark: `tiny` for smoke tests, `small` for CI and SQLite, `large`
for a big chain (10M messages over 13 months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# Every preset ends on the same business date so the runner's "last 90 days" is fixed and a
# result can be re-checked later against the same window.
END_DATE = date(2026, 10, 31)


@dataclass(frozen=True)
class Preset:
    name: str
    messages: int
    zones: int
    centers: int
    campaigns: int
    guests: int
    days: int
    # Share of messages sent by always-on campaigns; the rest are one-day scheduled blasts.
    always_on_share: float = 0.6
    # New messages the runner records through `recordMessages` (operation 4).
    ingest: int = 100_000
    organization_id: str = "org-bench"
    end: date = END_DATE

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)


# 13 months ending on END_DATE: 2025-10-01 … 2026-10-31.
_THIRTEEN_MONTHS = (END_DATE - date(2025, 10, 1)).days + 1

PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        "tiny", 5_000, zones=3, centers=12, campaigns=24, guests=2_000, days=120, ingest=1_000
    ),
    "small": Preset(
        "small",
        1_000_000,
        zones=20,
        centers=200,
        campaigns=200,
        guests=400_000,
        days=_THIRTEEN_MONTHS,
    ),
    "large": Preset(
        "large",
        10_000_000,
        zones=40,
        centers=1_000,
        campaigns=400,
        guests=2_000_000,
        days=_THIRTEEN_MONTHS,
    ),
}
