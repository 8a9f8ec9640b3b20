"""A deterministic synthetic chain: the hierarchy document and the stream of its messages.

The shape follows what a large spa/salon/fitness chain sends: a few dozen organization- and
zone-wide always-on journeys (birthday, win-back, feedback) that send every day, many
center-level always-on campaigns that send a little, and hundreds of one-day scheduled blasts
(festive offers, launches) that send a lot on one day, some of them late in the evening so they
straddle midnight in the centers' own time zones. Every random draw comes from a generator
seeded per (campaign, day), so the stream is identical whatever the batching.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.presets import Preset

CHANNELS = ("SMS", "WHATSAPP", "EMAIL")
CREATED_FROM = ("ORGANIZATION", "ZONE", "CENTER")
TYPES = ("ALWAYS_ON", "SCHEDULED")
# (time zone, share of zones): India first, then the US, Europe, the Gulf and Australia, so
# daylight saving in both hemispheres and half-hour offsets are all present.
TIMEZONES = (
    ("Asia/Kolkata", 0.35),
    ("America/New_York", 0.15),
    ("America/Chicago", 0.1),
    ("America/Los_Angeles", 0.1),
    ("Europe/London", 0.1),
    ("Asia/Dubai", 0.08),
    ("Australia/Sydney", 0.07),
    ("Asia/Singapore", 0.05),
)
SOURCES = (
    ("cs-always-on", "Always-On credits"),
    ("cs-sms", "SMS credits"),
    ("cs-whatsapp", "WhatsApp credits"),
    ("cs-email", "Email credits"),
)
_SOURCE_OF_CHANNEL = {"SMS": "cs-sms", "WHATSAPP": "cs-whatsapp", "EMAIL": "cs-email"}
_ALWAYS_ON_NAMES = (
    "Birthday wishes",
    "We miss you",
    "Post-visit feedback",
    "Membership renewal",
    "Appointment reminder",
    "Package expiry",
    "Anniversary treat",
    "Welcome series",
)
_BLAST_NAMES = (
    "Diwali offer",
    "Monsoon spa days",
    "New Year detox",
    "Valentine couples",
    "Summer glow",
    "Black Friday",
    "Mother's Day",
    "Launch: hydrafacial",
    "Weekend flash sale",
    "Holi colours",
)
# Outcome shares (processed, failed, skipped) and credits per outcome, per channel; strings,
# because the ledger refuses binary floats.
_OUTCOMES = {
    "SMS": ((0.88, 0.05, 0.07), (("1", "2"), ("1", "0"), ("0",))),
    "WHATSAPP": ((0.9, 0.04, 0.06), (("0.7850", "0.9125"), ("0.7850", "0"), ("0",))),
    "EMAIL": ((0.93, 0.03, 0.04), (("0.1000", "0.0500"), ("0.1000",), ("0",))),
}
_OUTCOME_NAMES = ("PROCESSED", "FAILED", "SKIPPED")


@dataclass(frozen=True)
class CenterSpec:
    id: str
    zone_id: str | None
    timezone: str
    weight: float
    first_guest: int
    guests: int


@dataclass(frozen=True)
class CampaignSpec:
    id: str
    name: str
    type: str
    created_from: str
    owner_id: str
    channel: str
    status: str
    centers: tuple[int, ...]  # indexes into Dataset.centers
    cum_weights: tuple[float, ...]
    first_day: int
    last_day: int  # inclusive; a scheduled blast has first_day == last_day
    weight: float  # relative messages per active day
    send_hour: float  # local hour the sends start


class Dataset:
    """The whole synthetic chain of one preset and seed."""

    def __init__(self, preset: Preset, seed: int = 42) -> None:
        self.preset = preset
        self.seed = seed
        rng = random.Random(seed)
        self.zones = [f"zone-{i:02d}" for i in range(preset.zones)]
        zone_tz = _spread([tz for tz, _ in TIMEZONES], [s for _, s in TIMEZONES], preset.zones)
        rng.shuffle(zone_tz)
        self.zone_timezone = dict(zip(self.zones, zone_tz, strict=True))
        self.centers = self._centers(rng)
        self.campaigns = self._campaigns(rng)

    # -- the hierarchy -------------------------------------------------------------------------

    def _centers(self, rng: random.Random) -> list[CenterSpec]:
        preset = self.preset
        # 2% of centers sit directly under the organization (no zone).
        zoneless = max(1, preset.centers // 50)
        weights = [rng.lognormvariate(0, 0.6) for _ in range(preset.centers)]
        scale = preset.guests / sum(weights)
        pools = [max(1, int(w * scale)) for w in weights]
        pools[-1] += preset.guests - sum(pools)
        centers: list[CenterSpec] = []
        first = 0
        for i in range(preset.centers):
            if i < preset.centers - zoneless:
                zone_id = self.zones[i % preset.zones]
                zone: str | None = zone_id
                timezone = self.zone_timezone[zone_id]
            else:
                zone = None
                timezone = TIMEZONES[i % len(TIMEZONES)][0]
            centers.append(CenterSpec(f"c-{i:04d}", zone, timezone, weights[i], first, pools[i]))
            first += pools[i]
        return centers

    def _campaigns(self, rng: random.Random) -> list[CampaignSpec]:
        preset = self.preset
        kinds = list(itertools.product(TYPES, CREATED_FROM, CHANNELS))
        campaigns: list[CampaignSpec] = []
        for i in range(preset.campaigns):
            # The first 18 cover every kind; then a realistic mix: 30% always-on, and
            # center-level campaigns the most common, organization-wide the least.
            if i < len(kinds):
                kind, created_from, channel = kinds[i]
            else:
                kind = "ALWAYS_ON" if rng.random() < 0.3 else "SCHEDULED"
                created_from = rng.choices(CREATED_FROM, (0.15, 0.35, 0.5))[0]
                channel = rng.choices(CHANNELS, (0.45, 0.35, 0.2))[0]
            campaigns.append(self._campaign(rng, i, kind, created_from, channel))
        return campaigns

    def _campaign(
        self, rng: random.Random, i: int, kind: str, created_from: str, channel: str
    ) -> CampaignSpec:
        preset = self.preset
        if created_from == "ORGANIZATION":
            owner, reached = preset.organization_id, list(range(len(self.centers)))
        elif created_from == "ZONE":
            owner = rng.choice(self.zones)
            reached = [j for j, c in enumerate(self.centers) if c.zone_id == owner]
        else:
            j = rng.randrange(len(self.centers))
            owner, reached = self.centers[j].id, [j]
        reach = sum(self.centers[j].guests for j in reached)
        cum = tuple(itertools.accumulate(self.centers[j].weight for j in reached))
        last = preset.days - 1
        if kind == "ALWAYS_ON":
            first_day = 0 if rng.random() < 0.6 else rng.randrange(preset.days // 2)
            status = "PAUSED" if rng.random() < 0.15 else "LIVE"
            last_day = rng.randrange(first_day, last + 1) if status == "PAUSED" else last
            weight = reach**0.8 * rng.lognormvariate(0, 0.5)
            name = rng.choice(_ALWAYS_ON_NAMES)
            hour = rng.uniform(8, 18)
        else:
            # 5% are scheduled after the dataset's end (no messages yet, status LIVE).
            first_day = rng.randrange(preset.days + preset.days // 20)
            last_day = first_day
            status = (
                "LIVE"
                if first_day > last
                else rng.choices(("PROCESSED", "PAUSED"), (0.95, 0.05))[0]
            )
            weight = reach * rng.uniform(0.05, 0.5)
            name = rng.choice(_BLAST_NAMES)
            # One blast in ten goes out late in the evening and runs past local midnight.
            hour = 23.2 if rng.random() < 0.1 else rng.uniform(9, 19)
        return CampaignSpec(
            id=f"cmp-{i:04d}",
            name=f"{name} #{i}",
            type=kind,
            created_from=created_from,
            owner_id=owner,
            channel=channel,
            status=status,
            centers=tuple(reached),
            cum_weights=cum,
            first_day=first_day,
            last_day=last_day,
            weight=weight,
            send_hour=hour,
        )

    def hierarchy_document(self) -> dict[str, Any]:
        """The import document (spec §6) for everything but the messages."""
        preset = self.preset
        org = preset.organization_id
        return {
            "organizations": [
                {"id": org, "name": "Bench Wellness Group", "timezone": "Asia/Kolkata"}
            ],
            "zones": [
                {"id": z, "organizationId": org, "name": f"Zone {z[5:]}"} for z in self.zones
            ],
            "centers": [
                {
                    "id": c.id,
                    "organizationId": org,
                    "zoneId": c.zone_id,
                    "name": f"Center {c.id[2:]} ({c.timezone.split('/')[-1]})",
                    "timezone": c.timezone,
                }
                for c in self.centers
            ],
            "creditSources": [{"id": i, "organizationId": org, "name": n} for i, n in SOURCES],
            "campaigns": [
                {
                    "id": c.id,
                    "organizationId": org,
                    "name": c.name,
                    "type": c.type,
                    "createdFrom": c.created_from,
                    "ownerId": c.owner_id,
                    "channel": c.channel,
                    "creditSourceId": (
                        "cs-always-on" if c.type == "ALWAYS_ON" else _SOURCE_OF_CHANNEL[c.channel]
                    ),
                    "status": c.status,
                }
                for c in self.campaigns
            ],
        }

    # -- the messages --------------------------------------------------------------------------

    def cells(self) -> list[tuple[int, int, int]]:
        """(day, campaign index, message count) in day order; the counts sum to the preset's."""
        preset = self.preset
        rng = random.Random(self.seed + 1)
        raw: list[tuple[int, int, float]] = []
        for ci, c in enumerate(self.campaigns):
            for day in range(c.first_day, min(c.last_day, preset.days - 1) + 1):
                # Weekends send 30% more; volume grows 40% over the period.
                weekday = (preset.start + timedelta(days=day)).weekday()
                seasonal = (1.3 if weekday >= 5 else 1.0) * (1 + 0.4 * day / preset.days)
                raw.append((day, ci, c.weight * seasonal * rng.uniform(0.7, 1.3)))
        always_on = sum(w for _, ci, w in raw if self.campaigns[ci].type == "ALWAYS_ON")
        scheduled = sum(w for _, ci, w in raw if self.campaigns[ci].type == "SCHEDULED")
        share = {
            "ALWAYS_ON": preset.always_on_share / always_on if always_on else 0.0,
            "SCHEDULED": (1 - preset.always_on_share) / scheduled if scheduled else 0.0,
        }
        if not scheduled or not always_on:
            share = {k: 1 / (always_on + scheduled) for k in share}
        raw.sort(key=lambda cell: (cell[0], cell[1]))
        # Cumulative rounding: exact total, each cell within one message of its share.
        cells: list[tuple[int, int, int]] = []
        running = 0.0
        assigned = 0
        for day, ci, w in raw:
            running += w * share[self.campaigns[ci].type] * preset.messages
            count = round(running) - assigned
            assigned += count
            if count:
                cells.append((day, ci, count))
        return cells

    def messages(self, skip: int = 0) -> Iterator[dict[str, Any]]:
        """Every message in day order, as `recordMessages` input; `skip` resumes a load."""
        sequence = 0
        for day, ci, count in self.cells():
            if sequence + count <= skip:
                sequence += count
                continue
            for message in self._cell(day, ci, count, sequence):
                if sequence >= skip:
                    yield message
                sequence += 1

    def fresh_messages(self, count: int, tag: str, days: int = 30) -> Iterator[dict[str, Any]]:
        """`count` new messages (external ids `x-<tag>-…`) shaped like the last `days` days and
        dated the `days` days after the dataset's end.

        The ingest benchmark records these on top of a loaded dataset: new ids, so every one is
        an insert; after the end date, so repeated runs do not grow the window the reports are
        timed on (the runner checks the ingested days' numbers separately).
        """
        recent = [cell for cell in self.cells() if cell[0] >= self.preset.days - days]
        total = sum(n for _, _, n in recent)
        running = 0.0
        assigned = 0
        for day, ci, n in recent:
            running += n * count / total
            share = round(running) - assigned
            for message in self._cell(day + days, ci, share, 0, salt=tag):
                message["externalId"] = f"x-{tag}-{assigned:07d}"
                assigned += 1
                yield message

    def live_messages(
        self, tag: str, *, days: int = 4, campaigns: int = 5, per_cell: int = 50
    ) -> Iterator[dict[str, Any]]:
        """An endless stream of new messages (external ids `l-<tag>-…`) of the `campaigns`
        busiest campaigns, dated on the dataset's last `days` days ("today and the days
        before"), as an always-on sender and late reports would add them to a live ledger."""
        totals: dict[int, int] = {}
        for _, ci, count in self.cells():
            totals[ci] = totals.get(ci, 0) + count
        busiest = sorted(totals, key=lambda ci: -totals[ci])[:campaigns]
        last = self.preset.days - 1
        sequence = 0
        for round_number in itertools.count():
            for day in range(last - days + 1, last + 1):
                for ci in busiest:
                    salt = f"live-{tag}-{round_number}"
                    for message in self._cell(day, ci, per_cell, 0, salt=salt):
                        message["externalId"] = f"l-{tag}-{sequence:09d}"
                        sequence += 1
                        yield message

    def _cell(
        self, day: int, ci: int, count: int, first_seq: int, salt: str = ""
    ) -> Iterator[dict[str, Any]]:
        c = self.campaigns[ci]
        base = (self.seed * 1_000_003 + ci) * 100_003 + day
        rng = random.Random(f"{base}:{salt}" if salt else base)
        local_day = self.preset.start + timedelta(days=day)
        picks = rng.choices(range(len(c.centers)), cum_weights=c.cum_weights, k=count)
        shares, credit_options = _OUTCOMES[c.channel]
        outcomes = rng.choices(range(3), shares, k=count)
        spread = 10.0 if c.type == "ALWAYS_ON" else 1.5  # hours over which the sends go out
        for n in range(count):
            center = self.centers[c.centers[picks[n]]]
            guest = center.first_guest + rng.randrange(center.guests)
            seconds = int((c.send_hour + rng.random() * spread) * 3600)
            sent = _local(local_day, seconds, center.timezone)
            outcome = outcomes[n]
            yield {
                "externalId": f"m-{first_seq + n:09d}",
                "campaignId": c.id,
                "centerId": center.id,
                "guestId": f"g-{guest:07d}",
                "sentAt": sent,
                "outcome": _OUTCOME_NAMES[outcome],
                "credits": rng.choice(credit_options[outcome]),
            }


_ZONES: dict[str, ZoneInfo] = {}


def _local(day: date, seconds: int, timezone: str) -> str:
    """An ISO 8601 instant with the center's offset; seconds past 24h spill into the next day."""
    zone = _ZONES.get(timezone) or _ZONES.setdefault(timezone, ZoneInfo(timezone))
    wall = datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    # Through UTC and back: a wall time inside a daylight-saving gap gets a valid offset.
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).isoformat()


def _spread(values: list[str], shares: list[float], n: int) -> list[str]:
    """n items distributed over values by share (largest remainder)."""
    exact = [s * n / sum(shares) for s in shares]
    counts = [math.floor(e) for e in exact]
    order = sorted(range(len(values)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return [v for v, k in zip(values, counts, strict=True) for _ in range(k)]
