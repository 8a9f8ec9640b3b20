"""Why a campaign cost what it cost (§10): its messages, units and credits split by units,
country, WhatsApp category and outcome; the credits wasted on messages that did not go out;
the messages whose credits differ from the rate card; and what the template's GSM-7 rewrite
would have saved.

The database groups and sums (two queries over the campaign's messages in the caller's scope
and window); Python only adds up the few groups, in integers of ten-thousandths, so every
figure is exact. The only division, a saving priced at a message's own credits per unit, is
made exactly as a fraction and rounded once, half to even, to four places.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tortoise import connections

from backend.costs.templates import SmsEncoding, campaign_template_analysis
from backend.db import dialect
from backend.enums import Channel, MessageOutcome
from backend.models import RateCard
from backend.sql import placeholders
from backend.usage import CREDITS_SPLIT, CREDITS_SUM_SQL, credits_of_row, e4_to_credits

_WASTED = (MessageOutcome.FAILED, MessageOutcome.SKIPPED)


@dataclass(frozen=True)
class CostGroup:
    """One row of a split: its key (units per message, country, category or outcome)."""

    key: Any
    messages: int
    units: int
    credits_e4: int


@dataclass(frozen=True)
class CampaignCostExplanation:
    messages: int
    units: int
    credits_e4: int
    processed: int
    by_units: list[CostGroup]
    by_country: list[CostGroup]
    by_category: list[CostGroup]
    by_outcome: list[CostGroup]
    wasted_credits_e4: int
    rated_messages: int  # messages the rate card prices
    expected_credits_e4: int  # what the rate card says those messages cost
    rate_mismatches: int
    potential_savings_e4: int

    @property
    def credits_per_processed(self) -> Decimal | None:
        """All credits / processed messages, 4 places half to even; None when none went out."""
        if self.processed == 0:
            return None
        return e4_to_credits(round(Fraction(self.credits_e4, self.processed)))


@dataclass(frozen=True)
class CampaignCostSubject:
    """What the explanation needs to know of the campaign."""

    campaign_id: str
    channel: Channel
    credit_source_id: str
    template: str | None


class _Parameters:
    """A statement's parameters in the order its text names them: SQLite's `?` are taken in
    that order, so a value named twice is passed twice."""

    def __init__(self) -> None:
        self.dialect = dialect()
        self.values: list[Any] = []

    def mark(self, value: Any) -> str:
        self.values.append(value)
        return placeholders(self.dialect, 1, start=len(self.values))[0]

    def where(
        self, campaign_id: str, center_ids: Collection[str] | None, window: tuple[date, date] | None
    ) -> str:
        """The campaign, the scope's centers and the window, on the message table `m`."""
        clauses = [f"m.campaign_id = {self.mark(campaign_id)}"]
        if center_ids is not None:
            marks = ", ".join(self.mark(center) for center in sorted(center_ids))
            clauses.append(f"m.center_id IN ({marks})")
        if window is not None:
            clauses.append(
                f"m.business_date BETWEEN {self.mark(window[0])} AND {self.mark(window[1])}"
            )
        return " AND ".join(clauses)


_GROUPS = (
    "SELECT m.units, m.country_code, m.category, m.outcome, m.encoding, COUNT(*) AS messages, "
    f"{CREDITS_SUM_SQL} FROM message m WHERE {{where}} "
    "GROUP BY m.units, m.country_code, m.category, m.outcome, m.encoding"
)

# Each message with the rate of the card valid on its business date (cards of the campaign's
# credit source, each valid until the next one starts), the most specific of four lookups by the
# rate's unique key. Summed per units-per-message, which the saving's division needs.
_SPLIT = CREDITS_SPLIT
_PRICED = """
WITH cards AS (
  SELECT id, valid_from, LEAD(valid_from) OVER (ORDER BY valid_from) AS valid_until
  FROM rate_card WHERE credit_source_id = {source}
), priced AS (
  SELECT m.units, m.outcome, m.encoding, m.credits_e4,
    COALESCE(r1.credits_per_unit_e4, r2.credits_per_unit_e4, r3.credits_per_unit_e4,
             r4.credits_per_unit_e4) AS rate_e4
  FROM message m
  LEFT JOIN cards c ON m.business_date >= c.valid_from
    AND (c.valid_until IS NULL OR m.business_date < c.valid_until)
  LEFT JOIN rate_card_rate r1 ON r1.rate_card_id = c.id AND r1.channel = {channel1}
    AND r1.country_code = m.country_code AND r1.category = m.category
  LEFT JOIN rate_card_rate r2 ON r2.rate_card_id = c.id AND r2.channel = {channel2}
    AND r2.country_code = m.country_code AND r2.category = '*'
  LEFT JOIN rate_card_rate r3 ON r3.rate_card_id = c.id AND r3.channel = {channel3}
    AND r3.country_code = '*' AND r3.category = m.category
  LEFT JOIN rate_card_rate r4 ON r4.rate_card_id = c.id AND r4.channel = {channel4}
    AND r4.country_code = '*' AND r4.category = '*'
  WHERE {where}
)
SELECT units,
  COALESCE(SUM(CASE WHEN rate_e4 IS NOT NULL THEN 1 ELSE 0 END), 0) AS rated,
  COALESCE(SUM(CASE WHEN rate_e4 IS NOT NULL AND credits_e4 <> units * rate_e4
                    THEN 1 ELSE 0 END), 0) AS mismatches,
  COALESCE(SUM(units * rate_e4 / {split}), 0) AS expected_high,
  COALESCE(SUM(units * rate_e4 % {split}), 0) AS expected_low,
  COALESCE(SUM(CASE WHEN {saves} THEN rate_e4 / {split} END), 0) AS rated_high,
  COALESCE(SUM(CASE WHEN {saves} THEN rate_e4 % {split} END), 0) AS rated_low,
  COALESCE(SUM(CASE WHEN {saves_unrated} THEN credits_e4 / {split} END), 0) AS unrated_high,
  COALESCE(SUM(CASE WHEN {saves_unrated} THEN credits_e4 % {split} END), 0) AS unrated_low
FROM priced GROUP BY units
"""
# Messages a GSM-7 rewrite would have made cheaper: sent, and not already sent as GSM-7.
_SAVES = "outcome = 'PROCESSED' AND (encoding IS NULL OR encoding <> 'GSM_7')"


async def explain_campaign_cost(
    subject: CampaignCostSubject,
    center_ids: Collection[str] | None,
    window: tuple[date, date] | None,
) -> CampaignCostExplanation:
    """The explanation over the campaign's messages at `center_ids` (None: every center) with
    business dates in `window` (None: all time)."""
    connection = connections.get("default")
    parameters = _Parameters()
    sql = _GROUPS.format(where=parameters.where(subject.campaign_id, center_ids, window))
    groups = await connection.execute_query_dict(sql, parameters.values)
    saved_segments = _saved_segments(subject)
    priced: list[dict[str, Any]] = []
    if await _has_cards(subject.credit_source_id):
        parameters = _Parameters()
        names = {"source": parameters.mark(subject.credit_source_id)}
        for number in range(1, 5):
            names[f"channel{number}"] = parameters.mark(subject.channel.value)
        sql = _PRICED.format(
            **names,
            where=parameters.where(subject.campaign_id, center_ids, window),
            split=_SPLIT,
            saves=f"rate_e4 IS NOT NULL AND {_SAVES}",
            saves_unrated=f"rate_e4 IS NULL AND {_SAVES}",
        )
        priced = await connection.execute_query_dict(sql, parameters.values)
    return _explanation(groups, priced, saved_segments)


async def _has_cards(credit_source_id: str) -> bool:
    return await RateCard.filter(credit_source_id=credit_source_id).exists()


def _saved_segments(subject: CampaignCostSubject) -> int:
    """Segments per message the template's GSM-7 rewrite saves (0 without one)."""
    analysis = campaign_template_analysis(subject.template, subject.channel)
    if analysis is None or analysis.gsm7_rewrite_segments is None:
        return 0
    return max(analysis.segments - analysis.gsm7_rewrite_segments, 0)


def _explanation(
    groups: list[dict[str, Any]], priced: list[dict[str, Any]], saved_segments: int
) -> CampaignCostExplanation:
    rows = [
        (
            int(g["units"]),
            g["country_code"],
            g["category"],
            MessageOutcome(g["outcome"]),
            None if g["encoding"] is None else SmsEncoding(g["encoding"]),
            int(g["messages"]),
            credits_of_row(g),
        )
        for g in groups
    ]

    def split(key: Callable[[tuple[Any, ...]], Hashable]) -> dict[Hashable, list[int]]:
        totals: dict[Hashable, list[int]] = {}
        for row in rows:
            total = totals.setdefault(key(row), [0, 0, 0])
            total[0] += row[5]
            total[1] += row[0] * row[5]
            total[2] += row[6]
        return totals

    everything = split(lambda row: None).get(None, [0, 0, 0])
    outcomes = split(lambda row: row[3])
    if priced:
        rated = sum(int(p["rated"]) for p in priced)
        expected = sum(_two_part(p, "expected") for p in priced)
        mismatches = sum(int(p["mismatches"]) for p in priced)
        at_rate = sum(_two_part(p, "rated") for p in priced)
        own_price = {int(p["units"]): _two_part(p, "unrated") for p in priced}
    else:
        rated = expected = mismatches = at_rate = 0
        own_price = {}
        for units, _, _, outcome, encoding, _, credits_e4 in rows:
            if outcome is MessageOutcome.PROCESSED and encoding is not SmsEncoding.GSM_7:
                own_price[units] = own_price.get(units, 0) + credits_e4
    saving = Fraction(at_rate) + sum(
        (Fraction(credits, units) for units, credits in own_price.items()), Fraction(0)
    )
    return CampaignCostExplanation(
        messages=everything[0],
        units=everything[1],
        credits_e4=everything[2],
        processed=outcomes.get(MessageOutcome.PROCESSED, [0])[0],
        by_units=_groups(split(lambda row: row[0]), order=lambda g: g.key),
        by_country=_groups(split(lambda row: row[1]), order=_most_credits),
        by_category=_groups(split(lambda row: row[2]), order=_most_credits),
        by_outcome=_groups(outcomes, order=lambda g: list(MessageOutcome).index(g.key)),
        wasted_credits_e4=sum(outcomes.get(o, [0, 0, 0])[2] for o in _WASTED),
        rated_messages=rated,
        expected_credits_e4=expected,
        rate_mismatches=mismatches,
        potential_savings_e4=round(saving * saved_segments),
    )


def _two_part(row: dict[str, Any], name: str) -> int:
    return int(row[f"{name}_high"]) * CREDITS_SPLIT + int(row[f"{name}_low"])


def _most_credits(group: CostGroup) -> tuple[int, int, bool, str]:
    """Most credits first, then most messages; the group without a key last, then by key."""
    return (-group.credits_e4, -group.messages, group.key is None, str(group.key or ""))


def _groups(
    totals: dict[Hashable, list[int]], order: Callable[[CostGroup], Any]
) -> list[CostGroup]:
    groups: Iterable[CostGroup] = (
        CostGroup(key, messages, units, credits)
        for key, (messages, units, credits) in totals.items()
    )
    return sorted(groups, key=order)
