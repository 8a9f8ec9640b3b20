"""`Campaign.costExplanation` (§10) against a direct computation over hand-made messages: the
splits, wasted credits, rate mismatches and the rewrite's saving, exact, in scope and window."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from backend.api.context import Context
from backend.api.schema import schema
from backend.principal import Principal
from tests.factories import ORG, campaign, load_hierarchy, message, record
from tests.graphql_client import execute

APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
# UCS-2 for its apostrophe: 3 segments; the GSM-7 rewrite is 1 (test_api_templates.py).
TEMPLATE = f"Happy birthday, Asha! It{APOSTROPHE}s your month: 20% off any facial. " + "x" * 91
SAVED_SEGMENTS = 2
ZONES = {
    "c-pune": "Asia/Kolkata",
    "c-mumbai": "Asia/Kolkata",
    "c-goa": "Asia/Kolkata",
    "c-nyc": "America/New_York",
}
# The SMS source's card from March 1: India and everywhere else.
SMS_RATES = {"IN": Decimal("0.25"), "*": Decimal("0.5")}
RATE_CARDS = [
    {
        "creditSourceId": "cs-sms",
        "validFrom": "2026-03-01",
        "rates": [
            {"channel": "SMS", "countryCode": "IN", "category": None, "creditsPerUnit": "0.25"},
            {"channel": "SMS", "countryCode": "*", "category": None, "creditsPerUnit": "0.5"},
        ],
    }
]

QUERY_COST = """
  query Cost($id: ID!, $range: DateRange, $own: DateRange) {
    campaign(id: $id, dateRange: $range) {
      costExplanation(dateRange: $own) {
        messages units credits processed creditsPerProcessed
        byUnits { unitsPerMessage messages units credits }
        byCountry { countryCode messages units credits }
        byCategory { category messages units credits }
        byOutcome { outcome messages units credits }
        wastedCredits ratedMessages expectedCredits rateMismatches potentialSavings
      }
    }
  }"""


def sms_campaign(template: str | None = TEMPLATE) -> dict[str, Any]:
    return {
        **campaign(
            "cmp-sms", "Birthday SMS", "ALWAYS_ON", "ORGANIZATION", ORG, "SMS", source="cs-sms"
        ),
        "template": template,
    }


def generated_messages(count: int, seed: int) -> list[dict[str, Any]]:
    """Messages of every kind: units 1-4, three countries or none, every outcome, either
    encoding or none, credits at, off and without the rate, at four centers across a card's
    start (New York's business date lags India's)."""
    chooser = random.Random(seed)
    messages = []
    for number in range(count):
        units = chooser.choice([1, 1, 2, 3, 4])
        country = chooser.choice(["IN", "IN", "AE", "US", None])
        per_unit = SMS_RATES.get(country or "*", SMS_RATES["*"])
        credits = chooser.choice(
            [units * per_unit, units * per_unit, Decimal(chooser.randint(0, 99_999)) / 10_000]
        )
        day = chooser.choice(["02-28", "03-01", "03-02", "03-15"])
        hour = chooser.choice(["00:30", "10:00", "23:59"])
        record_ = message(
            f"m-{number}",
            campaign_id="cmp-sms",
            center_id=chooser.choice(list(ZONES)),
            guest_id=f"g-{chooser.randint(1, 30)}",
            sent_at=f"2026-{day}T{hour}:00+05:30",
            outcome=chooser.choice(["PROCESSED", "PROCESSED", "FAILED", "SKIPPED"]),
            credits=str(credits),
        )
        record_["units"] = units
        if country is not None:
            record_["countryCode"] = country
        encoding = chooser.choice(["UCS_2", "GSM_7", None])
        if encoding is not None:
            record_["encoding"] = encoding
        messages.append(record_)
    return messages


def business_date(row: dict[str, Any]) -> date:
    instant = datetime.fromisoformat(row["sentAt"])
    return instant.astimezone(ZoneInfo(ZONES[row["centerId"]])).date()


def as_text(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.0001")))


def direct(rows: list[dict[str, Any]], saved_segments: int = SAVED_SEGMENTS) -> dict[str, Any]:
    """Every figure computed message by message, the obvious way."""
    splits: dict[str, dict[Any, list[Any]]] = defaultdict(dict)
    mismatches = rated = 0
    expected_total = Decimal(0)
    saving = Fraction(0)
    for row in rows:
        units, credits = row.get("units", 1), Decimal(row["credits"])
        keys = {
            "byUnits": units,
            "byCountry": row.get("countryCode"),
            "byCategory": row.get("category"),
            "byOutcome": row["outcome"],
        }
        for split, key in keys.items():
            total = splits[split].setdefault(key, [0, 0, Decimal(0)])
            total[0] += 1
            total[1] += units
            total[2] += credits
        rate = None
        if business_date(row) >= date(2026, 3, 1):
            rate = SMS_RATES.get(row.get("countryCode") or "*", SMS_RATES["*"])
        if rate is not None:
            rated += 1
            expected_total += units * rate
            mismatches += credits != units * rate
        if row["outcome"] == "PROCESSED" and row.get("encoding") != "GSM_7":
            per_unit = Fraction(rate) if rate is not None else Fraction(credits) / units
            saving += saved_segments * per_unit
    credits = sum((Decimal(r["credits"]) for r in rows), Decimal(0))
    processed = sum(1 for r in rows if r["outcome"] == "PROCESSED")
    return {
        "messages": len(rows),
        "units": sum(r.get("units", 1) for r in rows),
        "credits": as_text(credits),
        "processed": processed,
        "creditsPerProcessed": None
        if processed == 0
        else as_text((credits / processed).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)),
        "splits": {
            split: {key: (t[0], t[1], as_text(t[2])) for key, t in groups.items()}
            for split, groups in splits.items()
        },
        "wastedCredits": as_text(
            sum((Decimal(r["credits"]) for r in rows if r["outcome"] != "PROCESSED"), Decimal(0))
        ),
        "ratedMessages": rated,
        "expectedCredits": as_text(expected_total),
        "rateMismatches": mismatches,
        "potentialSavings": as_text(Decimal(round(saving * 10_000)) / 10_000),
    }


KEYS = {
    "byUnits": "unitsPerMessage",
    "byCountry": "countryCode",
    "byCategory": "category",
    "byOutcome": "outcome",
}


def answered(explanation: dict[str, Any]) -> dict[str, Any]:
    """The API's answer in the direct computation's shape, amounts at four places."""
    shaped = {name: value for name, value in explanation.items() if name not in KEYS}
    for name in (
        "credits",
        "creditsPerProcessed",
        "wastedCredits",
        "expectedCredits",
        "potentialSavings",
    ):
        if shaped[name] is not None:
            shaped[name] = as_text(Decimal(shaped[name]))
    shaped["splits"] = {
        split: {
            row[key]: (row["messages"], row["units"], as_text(Decimal(row["credits"])))
            for row in explanation[split]
        }
        for split, key in KEYS.items()
    }
    return shaped


async def explain(
    principal: Principal,
    own: dict[str, str] | None = None,
    inherited: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = await execute(
        QUERY_COST, {"id": "cmp-sms", "range": inherited, "own": own}, principal=principal
    )
    assert data["campaign"] is not None
    explanation: dict[str, Any] = data["campaign"]["costExplanation"]
    return explanation


async def test_the_explanation_equals_a_direct_computation_in_every_scope_and_window(
    db: str,
) -> None:
    await load_hierarchy(campaigns=[sms_campaign()], rateCards=RATE_CARDS)
    rows = generated_messages(300, seed=7)
    await record(*rows)
    march = {"start": "2026-03-01", "end": "2026-03-02"}
    cases = [
        (Principal(ORG), None, None, rows),
        (
            Principal(ORG, center_id="c-nyc"),
            None,
            None,
            [r for r in rows if r["centerId"] == "c-nyc"],
        ),
        (
            Principal(ORG, zone_id="zone-w"),
            march,
            None,
            [
                r
                for r in rows
                if r["centerId"] in ("c-pune", "c-mumbai")
                and date(2026, 3, 1) <= business_date(r) <= date(2026, 3, 2)
            ],
        ),
        # The campaign's window is inherited when the field has none of its own.
        (
            Principal(ORG),
            None,
            march,
            [r for r in rows if date(2026, 3, 1) <= business_date(r) <= date(2026, 3, 2)],
        ),
    ]
    for principal, own, inherited, visible in cases:
        assert visible
        assert answered(await explain(principal, own, inherited)) == direct(visible)


async def test_splits_are_ordered_and_messages_without_a_value_form_a_null_group(
    db: str,
) -> None:
    await load_hierarchy(campaigns=[sms_campaign()], rateCards=RATE_CARDS)
    await record(
        {**message("a", campaign_id="cmp-sms", credits="0.75"), "units": 3, "countryCode": "IN"},
        {**message("b", campaign_id="cmp-sms", guest_id="g-2", credits="1"), "units": 2},
        {**message("c", campaign_id="cmp-sms", guest_id="g-3", credits="0.5", outcome="FAILED")},
        {**message("d", campaign_id="cmp-sms", guest_id="g-4", credits="2"), "countryCode": "AE"},
    )
    explanation = await explain(Principal(ORG))
    assert [row["unitsPerMessage"] for row in explanation["byUnits"]] == [1, 2, 3]
    assert [(row["countryCode"], row["credits"]) for row in explanation["byCountry"]] == [
        ("AE", "2.0000"),
        (None, "1.5000"),
        ("IN", "0.7500"),
    ]
    assert explanation["byCategory"] == [
        {"category": None, "messages": 4, "units": 7, "credits": "4.2500"}
    ]
    assert [row["outcome"] for row in explanation["byOutcome"]] == ["PROCESSED", "FAILED"]
    assert explanation["wastedCredits"] == "0.5000"
    # a: 3 x 0.25 as charged; b: 2 x 0.5 as charged; c: 1 x 0.5 as charged; d: 2 for 0.5.
    assert (explanation["ratedMessages"], explanation["rateMismatches"]) == (4, 1)
    assert explanation["expectedCredits"] == "2.7500"
    # Processed a, b and d each save 2 segments at their rate: 2 x (0.25 + 0.5 + 0.5).
    assert explanation["potentialSavings"] == "2.5000"


async def test_whatsapp_categories_and_a_campaign_without_template_or_card(db: str) -> None:
    await load_hierarchy()
    await record(
        {**message("w-1", campaign_id="cmp-west", credits="0.8"), "category": "MARKETING"},
        {
            **message("w-2", campaign_id="cmp-west", guest_id="g-2", credits="0.8"),
            "category": "MARKETING",
        },
        {
            **message("w-3", campaign_id="cmp-west", guest_id="g-3", credits="0.3"),
            "category": "UTILITY",
        },
        message("w-4", campaign_id="cmp-west", guest_id="g-4", credits="0.1", outcome="SKIPPED"),
    )
    data = await execute(
        '{ campaign(id: "cmp-west") { costExplanation { byCategory { category messages credits } '
        "wastedCredits ratedMessages rateMismatches potentialSavings } } }",
        principal=Principal(ORG),
    )
    assert data["campaign"]["costExplanation"] == {
        "byCategory": [
            {"category": "MARKETING", "messages": 2, "credits": "1.6000"},
            {"category": "UTILITY", "messages": 1, "credits": "0.3000"},
            {"category": None, "messages": 1, "credits": "0.1000"},
        ],
        "wastedCredits": "0.1000",
        "ratedMessages": 0,
        "rateMismatches": 0,
        "potentialSavings": "0.0000",
    }


async def test_credits_per_processed_rounds_half_to_even_and_sums_stay_exact(db: str) -> None:
    await load_hierarchy(campaigns=[sms_campaign(template=None)])
    # 0.0001 x 10,000 is exactly one credit; 0.0003 more over two processed is 0.00015 -> even.
    await record(
        *(
            message(
                f"m-{i}",
                campaign_id="cmp-sms",
                guest_id=f"g-{i}",
                credits="0.0001",
                outcome="SKIPPED",
            )
            for i in range(9_998)
        ),
        message("p-1", campaign_id="cmp-sms", guest_id="p-1", credits="0.0001"),
        message("p-2", campaign_id="cmp-sms", guest_id="p-2", credits="0.0002"),
    )
    explanation = await explain(Principal(ORG))
    assert explanation["credits"] == "1.0001"
    assert explanation["wastedCredits"] == "0.9998"
    assert explanation["creditsPerProcessed"] == "0.5000"  # 1.0001 / 2 = 0.50005 -> 0.5000
    assert explanation["potentialSavings"] == "0.0000"
    await record(message("p-3", campaign_id="cmp-sms", guest_id="p-3", credits="0.0002"))
    explanation = await explain(Principal(ORG))
    assert explanation["creditsPerProcessed"] == "0.3334"  # 1.0003 / 3 = 0.33343...


async def test_no_processed_message_has_no_credits_per_processed(db: str) -> None:
    await load_hierarchy(campaigns=[sms_campaign()])
    await record(message("m-1", campaign_id="cmp-sms", outcome="FAILED", credits="0.3"))
    explanation = await explain(Principal(ORG))
    assert explanation["creditsPerProcessed"] is None
    assert explanation["potentialSavings"] == "0.0000"
    # A center principal of another center sees none of it.
    explanation = await explain(Principal(ORG, center_id="c-goa"))
    assert (explanation["messages"], explanation["credits"], explanation["byOutcome"]) == (
        0,
        "0.0000",
        [],
    )


async def test_a_page_of_two_hundred_explanations_is_too_costly_and_fifty_are_not(
    db: str,
) -> None:
    await load_hierarchy(campaigns=[sms_campaign()])
    query = "{ campaigns(first: %d) { edges { node { costExplanation { credits } } } } }"
    result = await schema.execute(
        query % 200, context_value=Context(request=None, response=None, principal=Principal(ORG))
    )
    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "QUERY_TOO_COSTLY"
    data = await execute(query % 50, principal=Principal(ORG))
    assert len(data["campaigns"]["edges"]) == 4


async def test_the_dearest_rates_and_most_units_still_sum_exactly(db: str) -> None:
    """units x rate reaches 10^13 ten-thousandths a message; every sum stays exact."""
    card = {
        "creditSourceId": "cs-sms",
        "validFrom": "2026-01-01",
        "rates": [
            {
                "channel": "SMS",
                "countryCode": "*",
                "category": None,
                "creditsPerUnit": "999999.9999",
            }
        ],
    }
    await load_hierarchy(campaigns=[sms_campaign()], rateCards=[card])
    await record(
        *(
            {
                **message(
                    f"m-{i}", campaign_id="cmp-sms", guest_id=f"g-{i}", credits="999999.9999"
                ),
                "units": 1000,
            }
            for i in range(7)
        )
    )
    explanation = await explain(Principal(ORG))
    assert explanation["credits"] == "6999999.9993"
    assert explanation["expectedCredits"] == "6999999999.3000"  # 7 x 1000 x 999999.9999
    assert (explanation["ratedMessages"], explanation["rateMismatches"]) == (7, 7)
    # 2 segments saved at the card's rate, for each of the 7 processed messages.
    assert explanation["potentialSavings"] == "13999999.9986"
    assert explanation["byUnits"] == [
        {"unitsPerMessage": 1000, "messages": 7, "units": 7000, "credits": "6999999.9993"}
    ]
