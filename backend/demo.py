"""A realistic demo organization: a spa chain with centers on three continents.

Deterministic (seeded), so screenshots and examples stay stable; sized by message count.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from backend.costs.templates import campaign_template_analysis
from backend.enums import Channel

ORGANIZATION_ID = "org-serenity"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"

_ZONES = [
    ("zone-west", "West India"),
    ("zone-south", "South India"),
    ("zone-us", "North America"),
    ("zone-emea", "Middle East & Europe"),
]
_CENTERS = [
    ("c-pune", "Pune Baner", "zone-west", "Asia/Kolkata"),
    ("c-mumbai", "Mumbai Bandra", "zone-west", "Asia/Kolkata"),
    ("c-blr", "Bengaluru Indiranagar", "zone-south", "Asia/Kolkata"),
    ("c-chennai", "Chennai Adyar", "zone-south", "Asia/Kolkata"),
    ("c-nyc", "New York SoHo", "zone-us", "America/New_York"),
    ("c-boston", "Boston Back Bay", "zone-us", "America/New_York"),
    ("c-la", "Los Angeles Venice", "zone-us", "America/Los_Angeles"),
    ("c-dubai", "Dubai Marina", "zone-emea", "Asia/Dubai"),
    ("c-london", "London Marylebone", "zone-emea", "Europe/London"),
    ("c-goa", "Goa Flagship", None, "Asia/Kolkata"),
]
_SOURCES = [
    ("cs-always-on", "Always-On credits"),
    ("cs-sms", "SMS credits"),
    ("cs-whatsapp", "WhatsApp credits"),
    ("cs-email", "Email credits"),
]
# id, name, type, createdFrom, owner, channel, source, status, daily reach (always-on) or blast size
_CAMPAIGNS = [
    (
        "cmp-birthday",
        "Birthday wishes",
        "ALWAYS_ON",
        "ORGANIZATION",
        ORGANIZATION_ID,
        "SMS",
        "cs-always-on",
        "LIVE",
        6,
    ),
    (
        "cmp-winback",
        "We miss you (60 days)",
        "ALWAYS_ON",
        "ORGANIZATION",
        ORGANIZATION_ID,
        "EMAIL",
        "cs-always-on",
        "LIVE",
        10,
    ),
    (
        "cmp-feedback",
        "Post-visit feedback",
        "ALWAYS_ON",
        "ORGANIZATION",
        ORGANIZATION_ID,
        "WHATSAPP",
        "cs-always-on",
        "LIVE",
        12,
    ),
    (
        "cmp-membership",
        "Membership renewal reminder",
        "ALWAYS_ON",
        "ZONE",
        "zone-us",
        "EMAIL",
        "cs-always-on",
        "LIVE",
        5,
    ),
    (
        "cmp-anniv",
        "Wedding anniversary offer",
        "ALWAYS_ON",
        "ZONE",
        "zone-west",
        "WHATSAPP",
        "cs-always-on",
        "PAUSED",
        3,
    ),
    (
        "cmp-noshow",
        "No-show follow-up",
        "ALWAYS_ON",
        "CENTER",
        "c-dubai",
        "SMS",
        "cs-always-on",
        "LIVE",
        4,
    ),
    (
        "cmp-diwali",
        "Diwali glow package",
        "SCHEDULED",
        "ZONE",
        "zone-west",
        "SMS",
        "cs-sms",
        "PROCESSED",
        900,
    ),
    (
        "cmp-monsoon",
        "Monsoon detox week",
        "SCHEDULED",
        "ZONE",
        "zone-south",
        "WHATSAPP",
        "cs-whatsapp",
        "PROCESSED",
        700,
    ),
    (
        "cmp-thanksgiving",
        "Thanksgiving gift cards",
        "SCHEDULED",
        "ZONE",
        "zone-us",
        "EMAIL",
        "cs-email",
        "PROCESSED",
        1500,
    ),
    (
        "cmp-summer",
        "Summer hydration facial",
        "SCHEDULED",
        "ORGANIZATION",
        ORGANIZATION_ID,
        "EMAIL",
        "cs-email",
        "PROCESSED",
        2500,
    ),
    (
        "cmp-newyear",
        "New year, new you",
        "SCHEDULED",
        "ORGANIZATION",
        ORGANIZATION_ID,
        "SMS",
        "cs-sms",
        "LIVE",
        1800,
    ),
    (
        "cmp-goa-launch",
        "Goa flagship opening",
        "SCHEDULED",
        "CENTER",
        "c-goa",
        "WHATSAPP",
        "cs-whatsapp",
        "PROCESSED",
        600,
    ),
    (
        "cmp-london-spring",
        "Spring massage week",
        "SCHEDULED",
        "CENTER",
        "c-london",
        "SMS",
        "cs-sms",
        "PAUSED",
        400,
    ),
    (
        "cmp-nyc-vip",
        "SoHo VIP evening",
        "SCHEDULED",
        "CENTER",
        "c-nyc",
        "EMAIL",
        "cs-email",
        "PROCESSED",
        300,
    ),
]
# The message text of the SMS and WhatsApp campaigns, as their authors typed them: the birthday
# SMS's curly apostrophe makes it UCS-2 (3 segments where its GSM-7 rewrite takes 1), the new
# year SMS is long GSM-7 with extension characters, the Diwali SMS needs UCS-2 for the rupee.
_TEMPLATES = {
    "cmp-birthday": (
        "Happy birthday from Serenity Spas! It\u2019s your month: enjoy 20% off any facial or "
        "massage until the 30th. Book at serenity.example/bday. Reply STOP to opt out."
    ),
    "cmp-noshow": (
        "We missed you at Serenity Spas Dubai Marina today. Reply 1 to rebook or call 04 555 0199."
    ),
    "cmp-diwali": (
        "This Diwali, glow! Our Diwali glow package: gold facial, foot ritual and head massage "
        "for \u20b92,499 at Pune Baner and Mumbai Bandra until 12 Nov. Book: serenity.example/d"
    ),
    "cmp-newyear": (
        "New year, new you! Start the year with our Renewal Ritual: a 90-minute massage, a "
        "detox wrap and a glow facial for \u20ac89 [members \u20ac79]. Valid at every Serenity "
        "Spas center until 31 Jan; gift cards too {book online or at the desk}. Book at "
        "serenity.example/new or reply STOP to opt out."
    ),
    "cmp-london-spring": (
        "Spring massage week at Serenity Marylebone \u2013 25% off every massage, 14\u201320 "
        "April. Limited slots\u2026 book at serenity.example/spring"
    ),
    "cmp-feedback": (
        "Thank you for visiting Serenity Spas today \U0001f33f How was your treatment? Tap to "
        "rate it from 1 to 5 \u2013 it takes ten seconds."
    ),
    "cmp-anniv": (
        "Happy anniversary \U0001f496 Celebrate with our couples\u2019 massage for two: a "
        "complimentary glass of bubbly and 15% off this month."
    ),
    "cmp-monsoon": (
        "Monsoon detox week \U0001f327\ufe0f Lymphatic massage, herbal steam and a detox "
        "smoothie, 1\u20137 July at every South India center."
    ),
    "cmp-goa-launch": (
        "Our Goa Flagship is open \U0001f334 Join us this weekend for a free 20-minute "
        "foot ritual with any booking."
    ),
}
_GUESTS_PER_CENTER = 4000


def hierarchy_document() -> dict[str, Any]:
    return {
        "organizations": [
            {"id": ORGANIZATION_ID, "name": "Serenity Spas", "timezone": "Asia/Kolkata"}
        ],
        "zones": [{"id": z, "organizationId": ORGANIZATION_ID, "name": n} for z, n in _ZONES],
        "centers": [
            {"id": c, "organizationId": ORGANIZATION_ID, "zoneId": z, "name": n, "timezone": tz}
            for c, n, z, tz in _CENTERS
        ],
        "creditSources": [
            {"id": s, "organizationId": ORGANIZATION_ID, "name": n} for s, n in _SOURCES
        ],
        "campaigns": [
            {
                "id": i,
                "organizationId": ORGANIZATION_ID,
                "name": n,
                "type": t,
                "createdFrom": f,
                "ownerId": o,
                "channel": ch,
                "creditSourceId": s,
                "status": st,
                **({"template": _TEMPLATES[i]} if i in _TEMPLATES else {}),
            }
            for i, n, t, f, o, ch, s, st, _ in _CAMPAIGNS
        ],
        "rateCards": [
            {"creditSourceId": s, "validFrom": _RATES_FROM, "rates": _rate_list()}
            for s, _ in _SOURCES
        ],
    }


# Why it cost what it cost (§10): every account prices a unit by channel, the recipient's
# country and (WhatsApp) the category, and messages are charged units x rate, bar a few.
_RATES_FROM = "2000-01-01"
_RATES: dict[tuple[str, str, str | None], Decimal] = {
    ("SMS", "IN", None): Decimal("0.25"),
    ("SMS", "US", None): Decimal("0.6"),
    ("SMS", "AE", None): Decimal("0.9"),
    ("SMS", "*", None): Decimal("0.75"),
    ("WHATSAPP", "IN", "MARKETING"): Decimal("0.9"),
    ("WHATSAPP", "IN", None): Decimal("0.35"),
    ("WHATSAPP", "*", "MARKETING"): Decimal("1.5"),
    ("WHATSAPP", "*", "SERVICE"): Decimal("0"),
    ("WHATSAPP", "*", None): Decimal("0.5"),
    ("EMAIL", "*", None): Decimal("0.1"),
}
_CENTER_COUNTRY = {"Asia/Kolkata": "IN", "America/New_York": "US", "America/Los_Angeles": "US"}
_CENTER_COUNTRY_BY_ID = {"c-dubai": "AE", "c-london": "GB"}
_TRAVELLERS_FROM = ("GB", "US", "AE", "SG", "DE")
_CATEGORIES = {"cmp-feedback": ("UTILITY", "UTILITY", "UTILITY", "SERVICE")}


def _rate_list() -> list[dict[str, Any]]:
    return [
        {"channel": ch, "countryCode": c, "category": cat, "creditsPerUnit": str(rate)}
        for (ch, c, cat), rate in _RATES.items()
    ]


def _rate(channel: str, country: str, category: str | None) -> Decimal:
    for key in ((channel, country, category), (channel, country, None), (channel, "*", category)):
        if key in _RATES:
            return _RATES[key]
    return _RATES[(channel, "*", None)]


def _segments(campaign_id: str, channel: str) -> tuple[int, str | None]:
    """An SMS campaign's units and encoding, from its template's analysis."""
    analysis = campaign_template_analysis(_TEMPLATES.get(campaign_id), Channel(channel))
    return (1, None) if analysis is None else (analysis.segments, analysis.encoding.value)


def _reached(created_from: str, owner: str) -> list[tuple[str, str]]:
    return [
        (c, tz)
        for c, _, z, tz in _CENTERS
        if created_from == "ORGANIZATION" or (created_from == "ZONE" and z == owner) or c == owner
    ]


def _message(
    rng: random.Random, campaign: tuple[Any, ...], center: str, tz: str, day: date, number: int
) -> dict[str, Any]:
    campaign_id, channel = campaign[0], campaign[5]
    local = datetime.combine(day, time(9)) + timedelta(minutes=rng.randrange(0, 15 * 60))
    if rng.random() < 0.03:
        local = datetime.combine(day, time(23, rng.randrange(0, 60)))  # late-night sends
    sent_at = local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
    roll = rng.random()
    outcome = "PROCESSED" if roll < 0.88 else "FAILED" if roll < 0.95 else "SKIPPED"
    country = _CENTER_COUNTRY_BY_ID.get(center) or _CENTER_COUNTRY.get(tz, "IN")
    if rng.random() < 0.06:
        country = rng.choice(_TRAVELLERS_FROM)  # guests with a number from abroad
    units, encoding = _segments(campaign_id, channel)
    if channel == "SMS" and units > 1 and rng.random() < 0.15:
        units -= 1  # a short first name or offer code saves a segment
    category = None
    if channel == "WHATSAPP":
        category = rng.choice(_CATEGORIES.get(campaign_id, ("MARKETING",)))
    credits = units * _rate(channel, country, category)
    if rng.random() < 0.02:
        credits += Decimal("0.05")  # billed off the rate card: what rateMismatches finds
    if outcome == "SKIPPED" or (outcome == "FAILED" and channel != "SMS"):
        credits = Decimal(0)  # carriers charge for failed SMS only
    guest = f"g-{center}-{rng.randrange(_GUESTS_PER_CENTER)}"
    if rng.random() < 0.05:
        guest = f"g-{rng.choice(_CENTERS)[0]}-{rng.randrange(_GUESTS_PER_CENTER)}"  # travellers
    return {
        "externalId": f"demo-{campaign_id}-{number}",
        "campaignId": campaign_id,
        "centerId": center,
        "guestId": guest,
        "sentAt": sent_at.isoformat(),
        "outcome": outcome,
        "credits": str(credits),
        "units": units,
        "countryCode": country,
        **({"encoding": encoding} if encoding is not None else {}),
        **({"category": category} if category is not None else {}),
    }


def demo_messages(
    total: int, *, end: date, days: int = 180, seed: int = 7, until: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """About `total` messages over the `days` business dates ending on `end`, none sent after
    `until` (the rest of today has not happened yet; the ledger refuses what lies over a day
    ahead)."""
    for message in _planned_messages(total, end=end, days=days, seed=seed):
        if until is None or datetime.fromisoformat(message["sentAt"]) <= until:
            yield message


def _planned_messages(total: int, *, end: date, days: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    always_on = [c for c in _CAMPAIGNS if c[2] == "ALWAYS_ON"]
    scheduled = [c for c in _CAMPAIGNS if c[2] == "SCHEDULED"]
    per_day_weight = sum(c[8] * len(_reached(c[3], c[4])) for c in always_on)
    blast_weight = sum(c[8] for c in scheduled)
    scale = total / (per_day_weight * days + blast_weight)
    number = 0
    first = end - timedelta(days=days - 1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        for campaign in always_on:
            for center, tz in _reached(campaign[3], campaign[4]):
                for _ in range(rng.randrange(0, max(1, round(2 * campaign[8] * scale)) + 1)):
                    number += 1
                    yield _message(rng, campaign, center, tz, day, number)
    for index, campaign in enumerate(scheduled):
        day = first + timedelta(days=(index * 37 + 11) % days)
        centers = _reached(campaign[3], campaign[4])
        for _ in range(max(1, round(campaign[8] * scale))):
            number += 1
            center, tz = rng.choice(centers)
            yield _message(rng, campaign, center, tz, day, number)


# Credit accounts (§9): how many days of the recent burn each account has left once the demo
# is seeded, so the balances are positive and one runway (SMS) is a matter of weeks.
_RUNWAY_DAYS = {"cs-always-on": 45, "cs-sms": 16, "cs-whatsapp": 90, "cs-email": 240}
_CAMPAIGN_SOURCES = {c[0]: c[6] for c in _CAMPAIGNS}
_GRANT_MONTHS = 12
RECENT_DAYS = 28
_PURCHASES = 4
_ZONE = ZoneInfo("Asia/Kolkata")  # the organization's


@dataclass
class CreditsConsumed:
    """The seeded messages' credits by credit source: in all, and since `since` (the burn the
    forecast reads)."""

    since: datetime
    total: dict[str, Decimal] = field(default_factory=dict)
    recent: dict[str, Decimal] = field(default_factory=dict)

    def add(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            source = _CAMPAIGN_SOURCES[message["campaignId"]]
            credits = Decimal(message["credits"])
            self.total[source] = self.total.get(source, Decimal(0)) + credits
            if datetime.fromisoformat(message["sentAt"]) >= self.since:
                self.recent[source] = self.recent.get(source, Decimal(0)) + credits


def _at(day: date, hour: int = 0) -> str:
    return datetime.combine(day, time(hour), _ZONE).isoformat()


def _whole(credits: Decimal) -> Decimal:
    return Decimal(int(credits) + 1)


def demo_credit_transactions(
    consumed: CreditsConsumed, *, end: date, days: int
) -> list[dict[str, Any]]:
    """A year of monthly Always-On grants (one of them partly expired, one adjustment) and four
    purchases on each of the SMS, WhatsApp and Email accounts over the demo's period, sized
    from what the messages consumed so each account ends with `_RUNWAY_DAYS` of its recent burn
    left (of its average burn when it consumed nothing lately)."""
    rows: list[dict[str, Any]] = []

    def add(source: str, kind: str, credits: Decimal, day: date, note: str) -> None:
        rows.append(
            {
                "externalId": f"demo-tx-{source}-{len(rows) + 1}",
                "creditSourceId": source,
                "kind": kind,
                "credits": str(credits),
                "occurredAt": _at(day, 6),
                "note": note,
            }
        )

    for source, _ in _SOURCES:
        used = consumed.total.get(source, Decimal(0))
        recent = consumed.recent.get(source, Decimal(0))
        burn = recent / RECENT_DAYS if recent else used / days
        needed = used + burn * _RUNWAY_DAYS[source]
        if source == "cs-always-on":
            adjustment = Decimal(50)
            # Twelve grants less a quarter of one that lapsed, plus the adjustment.
            grant = _whole((needed - adjustment) / (Decimal(_GRANT_MONTHS) - Decimal("0.25")))
            month = date(end.year, end.month, 1)
            firsts: list[date] = []
            for _ in range(_GRANT_MONTHS):
                firsts.insert(0, month)
                month = (month - timedelta(days=1)).replace(day=1)
            for first in firsts:
                add(source, "GRANT", grant, first, f"Always-On allowance {first:%B %Y}")
            add(
                source,
                "EXPIRY",
                -grant / 4,
                firsts[2] + timedelta(days=27),
                "Unused credits lapsed",
            )
            add(source, "ADJUSTMENT", adjustment, firsts[-2] + timedelta(days=9), "Goodwill credit")
            continue
        size = _whole(needed / _PURCHASES)
        for n in range(_PURCHASES):
            day = end - timedelta(days=days - 1 - n * days // _PURCHASES)
            add(source, "PURCHASE", size, day, f"Top-up {n + 1} of {_PURCHASES}")
    return rows
