"""Rate cards (§10): imported per credit source and validFrom, a card replacing the earlier one
from its date on, and the expected credits of a message by the most specific rate."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.costs.attributes import CostAttributes, WhatsAppCategory
from backend.costs.rate_cards import expected_message_credits_e4, rates_on
from backend.enums import Channel
from backend.importer import ImportRejected, apply_document
from backend.models import RateCard, RateCardRate
from tests.factories import load_hierarchy

MARKETING = WhatsAppCategory.MARKETING
UTILITY = WhatsAppCategory.UTILITY


def rate(channel: str, country: str, category: str | None, per_unit: str) -> dict[str, Any]:
    return {
        "channel": channel,
        "countryCode": country,
        "category": category,
        "creditsPerUnit": per_unit,
    }


MARCH = {
    "creditSourceId": "cs-ao",
    "validFrom": "2026-03-01",
    "rates": [
        rate("WHATSAPP", "IN", "MARKETING", "0.8"),
        rate("WHATSAPP", "IN", None, "0.5"),
        rate("WHATSAPP", "*", "MARKETING", "1.2"),
        rate("WHATSAPP", "*", None, "0.9"),
        rate("SMS", "IN", None, "0.25"),
        rate("SMS", "*", None, "1.5"),
    ],
}
APRIL = {
    "creditSourceId": "cs-ao",
    "validFrom": "2026-04-01",
    "rates": [rate("SMS", "*", None, "2")],
}


async def expected(
    day: date,
    channel: Channel = Channel.WHATSAPP,
    *,
    units: int = 1,
    country: str | None = None,
    category: WhatsAppCategory | None = None,
) -> int | None:
    attributes = CostAttributes(units=units, country_code=country, category=category)
    return await expected_message_credits_e4("cs-ao", channel, day, attributes)


async def test_the_most_specific_rate_prices_a_message(db: str) -> None:
    await load_hierarchy(rateCards=[MARCH])
    day = date(2026, 3, 10)
    assert await expected(day, country="IN", category=MARKETING) == 8_000
    assert await expected(day, country="IN", category=UTILITY) == 5_000
    assert await expected(day, country="IN") == 5_000
    assert await expected(day, country="AE", category=MARKETING) == 12_000
    assert await expected(day, country="AE", category=UTILITY) == 9_000
    assert await expected(day) == 9_000
    assert await expected(day, Channel.SMS, units=3, country="IN") == 7_500
    assert await expected(day, Channel.SMS, units=2, country="GB") == 30_000
    # No rate for the channel: no expectation.
    assert await expected(day, Channel.EMAIL) is None


async def test_a_card_holds_from_its_date_until_the_next_one(db: str) -> None:
    await load_hierarchy(rateCards=[APRIL, MARCH])
    sms = {"channel": Channel.SMS, "country": "IN"}
    assert await expected(date(2026, 2, 28), **sms) is None
    assert await expected(date(2026, 3, 1), **sms) == 2_500
    assert await expected(date(2026, 3, 31), **sms) == 2_500
    assert await expected(date(2026, 4, 1), **sms) == 20_000
    assert await expected(date(2027, 1, 1), **sms) == 20_000
    # The April card has no WhatsApp rate: from April on, WhatsApp has no expectation.
    assert await expected(date(2026, 4, 2), country="IN") is None
    assert await rates_on("cs-sms", date(2026, 4, 2)) is None


async def test_importing_a_card_again_replaces_its_rates_and_a_replay_changes_nothing(
    db: str,
) -> None:
    await load_hierarchy(rateCards=[MARCH])
    await apply_document({"rateCards": [MARCH]})
    assert (await RateCard.all().count(), await RateCardRate.all().count()) == (1, 6)
    await apply_document({"rateCards": [{**MARCH, "rates": [rate("WHATSAPP", "*", None, "0.7")]}]})
    assert (await RateCard.all().count(), await RateCardRate.all().count()) == (1, 1)
    assert await expected(date(2026, 3, 10), country="IN", category=MARKETING) == 7_000


async def test_every_problem_of_a_card_is_named_and_nothing_is_stored(db: str) -> None:
    await load_hierarchy()
    cards: list[Any] = [
        MARCH,
        {"creditSourceId": "cs-nope", "validFrom": "2026-03-01", "rates": []},
        {"creditSourceId": "cs-ao", "validFrom": "March 1", "rates": [], "note": "x"},
        {
            "creditSourceId": "cs-sms",
            "validFrom": "2026-03-01",
            "rates": [
                rate("FAX", "*", None, "1"),
                rate("SMS", "XX", None, "1"),
                rate("SMS", "*", "MARKETING", "1"),
                rate("SMS", "*", None, "0.12345"),
                {**rate("SMS", "IN", None, "1"), "creditsPerUnit": 1},
                rate("SMS", "IN", None, "-1"),
                rate("EMAIL", "*", None, "1"),
                rate("EMAIL", "*", None, "2"),
            ],
        },
        {**MARCH, "rates": [rate("SMS", "*", None, "3")]},
        "not a card",
    ]
    with pytest.raises(ImportRejected) as rejected:
        await apply_document({"rateCards": cards})
    assert rejected.value.problems == [
        'rateCards[1]: unknown credit source "cs-nope"',
        "rateCards[2]: unknown field note",
        'rateCards[2]: validFrom "March 1" is not a date such as "2026-03-01"',
        'rateCards[3]: rates[0]: channel "FAX" is not one of SMS, WHATSAPP, EMAIL',
        'rateCards[3]: rates[1]: countryCode "XX" is not an ISO 3166-1 country',
        "rateCards[3]: rates[2]: category is for WhatsApp rates, not SMS",
        'rateCards[3]: rates[3]: creditsPerUnit "0.12345" has more than 4 decimal places',
        "rateCards[3]: rates[4]: creditsPerUnit 1 is a JSON number: send a string of digits "
        'such as "12.5" (a number may already have lost precision)',
        'rateCards[3]: rates[5]: creditsPerUnit "-1" is negative',
        "rateCards[3]: rates[7]: the same channel, countryCode and category as rates[6]",
        "rateCards[4]: the same creditSourceId and validFrom as rateCards[0]",
        "rateCards[5]: must be an object",
    ]
    assert await RateCard.all().count() == 0
