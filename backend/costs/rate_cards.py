"""Rate cards (§10): what a credit source charges per billed unit, by channel, country and
WhatsApp category, from a business date on.

A card is keyed by its credit source and `validFrom` and holds from that date until the next
card of the source: loading a card again replaces its rates, so a corrected card is simply
imported again. A message's expected credits are its units times the most specific rate of the
card valid on its business date: (country, category) before (country, any) before
(any, category) before (any, any). No card, or no rate that matches, means no expectation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.transactions import in_transaction

from backend.bounds import MAX_CREDITS_PER_MESSAGE
from backend.costs.attributes import (
    AttributeProblem,
    CostAttributes,
    WhatsAppCategory,
    parse_category,
    parse_country_code,
)
from backend.enums import Channel
from backend.ledger import RowProblem, decimal_text_to_e4, shown
from backend.models import RateCard, RateCardRate

# Stored for "any country" and "any category" (see RateCardRate).
ANY = "*"
# Far more than any price list has (channels x countries x categories is about 3,000).
MAX_RATES_PER_CARD = 5_000
_RATE_FIELDS = frozenset({"channel", "countryCode", "category", "creditsPerUnit"})
_CARD_FIELDS = frozenset({"creditSourceId", "validFrom", "rates"})


@dataclass(frozen=True)
class Rate:
    channel: Channel
    country_code: str  # ISO 3166-1 alpha-2, or ANY
    category: str  # a WhatsAppCategory, or ANY
    credits_per_unit_e4: int

    @property
    def specificity(self) -> int:
        """3 for (country, category), 2 for (country, any), 1 for (any, category), 0 else."""
        return 2 * (self.country_code != ANY) + (self.category != ANY)


@dataclass(frozen=True)
class ParsedCard:
    credit_source_id: str
    valid_from: date
    rates: tuple[Rate, ...]


def most_specific_rate(
    rates: Iterable[Rate], channel: Channel, attributes: CostAttributes
) -> Rate | None:
    """The rate that prices a message of `channel` with these attributes, or None."""
    category = None if attributes.category is None else attributes.category.value
    matching = [
        rate
        for rate in rates
        if rate.channel is channel
        and rate.country_code in (ANY, attributes.country_code)
        and rate.category in (ANY, category)
    ]
    return max(matching, key=lambda rate: rate.specificity, default=None)


def expected_credits_e4(
    rates: Iterable[Rate], channel: Channel, attributes: CostAttributes
) -> int | None:
    """units x the most specific rate, in ten-thousandths; None without a matching rate."""
    rate = most_specific_rate(rates, channel, attributes)
    return None if rate is None else attributes.units * rate.credits_per_unit_e4


async def rates_on(credit_source_id: str, day: date) -> tuple[Rate, ...] | None:
    """The rates of the card valid on `day` (a business date), or None when there is none."""
    card = (
        await RateCard.filter(credit_source_id=credit_source_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    if card is None:
        return None
    rows = await RateCardRate.filter(rate_card_id=card.id)
    return tuple(
        Rate(Channel(r.channel), r.country_code, r.category, r.credits_per_unit_e4) for r in rows
    )


async def expected_message_credits_e4(
    credit_source_id: str, channel: Channel, business_date: date, attributes: CostAttributes
) -> int | None:
    """What one message should have cost by its credit source's rate card, in ten-thousandths;
    None when no card or no rate applies."""
    rates = await rates_on(credit_source_id, business_date)
    return None if rates is None else expected_credits_e4(rates, channel, attributes)


def parse_rate_card(
    record: Any, known_sources: Mapping[str, object]
) -> tuple[ParsedCard | None, list[str]]:
    """One card of an import's `rateCards` section, or every reason it is refused."""
    if not isinstance(record, Mapping):
        return None, ["must be an object"]
    problems: list[str] = []
    unknown = sorted(map(str, set(record) - _CARD_FIELDS))
    if unknown:
        problems.append("unknown field " + ", ".join(unknown))
    source_id = record.get("creditSourceId")
    if not isinstance(source_id, str) or source_id not in known_sources:
        problems.append(f"unknown credit source {shown(source_id)}")
    valid_from = _date(record.get("validFrom"), problems)
    raw_rates = record.get("rates")
    rates: list[Rate] = []
    if not isinstance(raw_rates, list):
        problems.append("rates must be a list of {channel, countryCode, category, creditsPerUnit}")
    elif len(raw_rates) > MAX_RATES_PER_CARD:
        problems.append(
            f"a card holds at most {MAX_RATES_PER_CARD:,} rates, not {len(raw_rates):,}"
        )
    else:
        seen: dict[tuple[Channel, str, str], int] = {}
        for index, raw in enumerate(raw_rates):
            try:
                rate = _rate(raw)
            except RowProblem as problem:
                problems.append(f"rates[{index}]: {problem}")
                continue
            key = (rate.channel, rate.country_code, rate.category)
            if key in seen:
                problems.append(
                    f"rates[{index}]: the same channel, countryCode and category as "
                    f"rates[{seen[key]}]"
                )
            seen.setdefault(key, index)
            rates.append(rate)
    if problems or valid_from is None or not isinstance(source_id, str):
        return None, problems
    return ParsedCard(source_id, valid_from, tuple(rates)), []


def _date(value: Any, problems: list[str]) -> date | None:
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(f'validFrom {shown(value)} is not a date such as "2026-03-01"')
    return None


def _rate(raw: Any) -> Rate:
    if not isinstance(raw, Mapping):
        raise RowProblem("a rate must be an object")
    unknown = sorted(map(str, set(raw) - _RATE_FIELDS))
    if unknown:
        raise RowProblem("unknown field " + ", ".join(unknown))
    named = raw.get("channel")
    if not isinstance(named, str) or named not in Channel.__members__:
        allowed = ", ".join(c.value for c in Channel)
        raise RowProblem(f"channel {shown(named)} is not one of {allowed}")
    channel = Channel(named)
    country = raw.get("countryCode", ANY)
    category = raw.get("category")
    try:
        country_code = ANY if country == ANY else parse_country_code(country)
        parsed_category: WhatsAppCategory | None = (
            None if category is None else parse_category(category)
        )
    except AttributeProblem as problem:
        raise RowProblem(str(problem)) from None
    if parsed_category is not None and channel is not Channel.WHATSAPP:
        raise RowProblem(f"category is for WhatsApp rates, not {channel.value}")
    try:
        per_unit = decimal_text_to_e4(
            raw.get("creditsPerUnit"),
            signed=False,
            most=MAX_CREDITS_PER_MESSAGE,
            exceeded="the most a message may cost ({most})",
        )
    except RowProblem as problem:
        raise RowProblem("creditsPerUnit" + str(problem).removeprefix("credits")) from None
    return Rate(
        channel, country_code, ANY if parsed_category is None else parsed_category.value, per_unit
    )


async def store_rate_cards(cards: Sequence[ParsedCard]) -> None:
    """Upsert each card by (credit source, validFrom): its rates become exactly the given ones."""
    async with in_transaction() as connection:
        for card in cards:
            stored, _ = await RateCard.get_or_create(
                credit_source_id=card.credit_source_id,
                valid_from=card.valid_from,
                using_db=connection,
            )
            await RateCardRate.filter(rate_card_id=stored.id).using_db(connection).delete()
            await RateCardRate.bulk_create(
                [
                    RateCardRate(
                        rate_card_id=stored.id,
                        channel=rate.channel,
                        country_code=rate.country_code,
                        category=rate.category,
                        credits_per_unit_e4=rate.credits_per_unit_e4,
                    )
                    for rate in card.rates
                ],
                using_db=connection,
            )
