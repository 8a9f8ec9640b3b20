"""What a message says about its own cost (§10): billed units, the recipient's country, the SMS
encoding and the WhatsApp category, each checked here once for the ledger and the importer.

The country list is ISO 3166-1 alpha-2 as the IANA time zone database keeps it
(`iso3166.tab` of the pinned `tzdata` package): maintained with every tzdata release, so no
second dependency is needed for 249 two-letter codes.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any

from backend.costs.templates import SmsEncoding
from backend.enums import Channel

# Far above any real message (a 1,000-segment SMS would be 153,000 characters), low enough
# that units x the dearest rate stays an exact 64-bit integer in every SQL sum.
MAX_UNITS = 1_000
DEFAULT_UNITS = 1


class WhatsAppCategory(StrEnum):
    """Meta's conversation categories, each priced differently."""

    MARKETING = "MARKETING"
    UTILITY = "UTILITY"
    AUTHENTICATION = "AUTHENTICATION"
    SERVICE = "SERVICE"


class AttributeProblem(ValueError):
    """Why one cost attribute of a message is refused (the ledger names the row)."""


@dataclass(frozen=True, slots=True)
class CostAttributes:
    units: int = DEFAULT_UNITS
    country_code: str | None = None
    encoding: SmsEncoding | None = None
    category: WhatsAppCategory | None = None


NO_ATTRIBUTES = CostAttributes()
ATTRIBUTE_FIELDS = ("units", "countryCode", "encoding", "category")

_ALPHA_2 = re.compile(r"[A-Z]{2}", re.ASCII)


@cache
def country_codes() -> frozenset[str]:
    text = (
        importlib.resources.files("tzdata.zoneinfo")
        .joinpath("iso3166.tab")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value) if isinstance(value, int | float | Decimal) else f"a {type(value).__name__}"


def parse_units(value: Any) -> int:
    # A bool is an int to Python, and "2" or 2.0 are not counts: only a JSON integer.
    if type(value) is not int:
        raise AttributeProblem(f"units must be a whole number, not {_shown(value)}")
    if not 1 <= value <= MAX_UNITS:
        raise AttributeProblem(f"units {value} is not between 1 and {MAX_UNITS:,}")
    return value


def parse_country_code(value: Any) -> str:
    if type(value) is not str or _ALPHA_2.fullmatch(value) is None:
        raise AttributeProblem(
            f"countryCode {_shown(value)} is not two capital letters (ISO 3166-1 alpha-2, e.g. IN)"
        )
    if value not in country_codes():
        raise AttributeProblem(f"countryCode {_shown(value)} is not an ISO 3166-1 country")
    return value


def parse_encoding(value: Any) -> SmsEncoding:
    if type(value) is SmsEncoding:  # what GraphQL's enum hands over
        return value
    try:
        return SmsEncoding(value)
    except ValueError:
        allowed = ", ".join(e.value for e in SmsEncoding)
        raise AttributeProblem(f"encoding {_shown(value)} is not one of {allowed}") from None


def parse_category(value: Any) -> WhatsAppCategory:
    if type(value) is WhatsAppCategory:
        return value
    try:
        return WhatsAppCategory(value)
    except ValueError:
        allowed = ", ".join(c.value for c in WhatsAppCategory)
        raise AttributeProblem(f"category {_shown(value)} is not one of {allowed}") from None


def parse_attributes(raw: Any) -> CostAttributes:
    """The attributes of a message record (a mapping keyed by the API's field names); absent
    or null fields take their defaults."""
    units, country, encoding, category = (raw.get(name) for name in ATTRIBUTE_FIELDS)
    if units is None and country is None and encoding is None and category is None:
        return NO_ATTRIBUTES  # every client written before §10: nothing to check
    # A batch repeats a few combinations thousands of times: each is checked once. The types
    # are part of the key, since 1, 1.0 and True are equal keys but not equally valid units.
    key = (type(units), units, type(country), country, encoding, category)
    try:
        return _PARSED[key]
    except KeyError:
        parsed = _parse(units, country, encoding, category)
        if len(_PARSED) >= _MOST_PARSED:
            _PARSED.clear()
        _PARSED[key] = parsed
        return parsed
    except TypeError:  # an unhashable value (a list, an object): refused by _parse
        return _parse(units, country, encoding, category)


_PARSED: dict[tuple[Any, ...], CostAttributes] = {}
_MOST_PARSED = 4_096


def _parse(units: Any, country: Any, encoding: Any, category: Any) -> CostAttributes:
    return CostAttributes(
        units=DEFAULT_UNITS if units is None else parse_units(units),
        country_code=None if country is None else parse_country_code(country),
        encoding=None if encoding is None else parse_encoding(encoding),
        category=None if category is None else parse_category(category),
    )


def channel_mismatch(attributes: CostAttributes, channel: Channel, campaign: str) -> str | None:
    """Why these attributes do not fit a message of a campaign of `channel`, or None."""
    if attributes.encoding is not None and channel is not Channel.SMS:
        return f"encoding is for SMS messages; campaign {_shown(campaign)} sends {channel.value}"
    if attributes.category is not None and channel is not Channel.WHATSAPP:
        return (
            f"category is for WhatsApp messages; campaign {_shown(campaign)} sends {channel.value}"
        )
    return None
