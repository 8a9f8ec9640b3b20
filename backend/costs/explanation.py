"""Why a campaign cost what it cost (§10): its messages, units and credits split by units,
country, WhatsApp category and outcome; the credits wasted on messages that did not go out;
the messages whose credits differ from the rate card; and what the template's GSM-7 rewrite
would have saved.

The database groups and sums (one pass over the campaign's messages in the caller's scope
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
from backend.sql import placeholders
from backend.usage import CREDITS_SPLIT, e4_to_credits

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


# One pass over the campaign's messages. Each message first finds the card valid on its business
# date (the campaign's credit source's cards, each valid until the next one starts); messages
# are then grouped by card and everything a rate depends on or a split needs, so the rates are
# looked up once a group (the most specific of four lookups by the rate's unique key), not once
# a message. Products are of parts below 10^8, so no sum nears 64 bits.
_S = CREDITS_SPLIT
_EXPLAINED = f"""
WITH cards AS (
  SELECT id, valid_from, LEAD(valid_from) OVER (ORDER BY valid_from) AS valid_until
  FROM rate_card WHERE credit_source_id = {{source}}
), grouped AS (
  SELECT c.id AS card_id, m.units, m.country_code, m.category, m.outcome, m.encoding,
    m.credits_e4, COUNT(*) AS n
  FROM message m
  LEFT JOIN cards c ON m.business_date >= c.valid_from
    AND (c.valid_until IS NULL OR m.business_date < c.valid_until)
  WHERE {{where}}
  GROUP BY c.id, m.units, m.country_code, m.category, m.outcome, m.encoding, m.credits_e4
), priced AS (
  SELECT g.*, COALESCE(r1.credits_per_unit_e4, r2.credits_per_unit_e4, r3.credits_per_unit_e4,
                       r4.credits_per_unit_e4) AS rate_e4
  FROM grouped g
  LEFT JOIN rate_card_rate r1 ON r1.rate_card_id = g.card_id AND r1.channel = {{channel1}}
    AND r1.country_code = g.country_code AND r1.category = g.category
  LEFT JOIN rate_card_rate r2 ON r2.rate_card_id = g.card_id AND r2.channel = {{channel2}}
    AND r2.country_code = g.country_code AND r2.category = '*'
  LEFT JOIN rate_card_rate r3 ON r3.rate_card_id = g.card_id AND r3.channel = {{channel3}}
    AND r3.country_code = '*' AND r3.category = g.category
  LEFT JOIN rate_card_rate r4 ON r4.rate_card_id = g.card_id AND r4.channel = {{channel4}}
    AND r4.country_code = '*' AND r4.category = '*'
)
SELECT units, country_code, category, outcome, encoding, SUM(n) AS messages,
  SUM(n * (credits_e4 / {_S})) AS credits_high, SUM(n * (credits_e4 % {_S})) AS credits_low,
  SUM(CASE WHEN rate_e4 IS NULL THEN 0 ELSE n END) AS rated,
  SUM(CASE WHEN rate_e4 IS NOT NULL AND credits_e4 <> units * rate_e4 THEN n ELSE 0 END)
    AS mismatches,
  SUM(CASE WHEN rate_e4 IS NULL THEN 0 ELSE n * (units * rate_e4 / {_S}) END) AS expected_high,
  SUM(CASE WHEN rate_e4 IS NULL THEN 0 ELSE n * (units * rate_e4 % {_S}) END) AS expected_low,
  SUM(CASE WHEN rate_e4 IS NULL THEN 0 ELSE n * (rate_e4 / {_S}) END) AS rate_high,
  SUM(CASE WHEN rate_e4 IS NULL THEN 0 ELSE n * (rate_e4 % {_S}) END) AS rate_low,
  SUM(CASE WHEN rate_e4 IS NULL THEN n * (credits_e4 / {_S}) ELSE 0 END) AS unrated_high,
  SUM(CASE WHEN rate_e4 IS NULL THEN n * (credits_e4 % {_S}) ELSE 0 END) AS unrated_low
FROM priced GROUP BY units, country_code, category, outcome, encoding
"""


async def explain_campaign_cost(
    subject: CampaignCostSubject,
    center_ids: Collection[str] | None,
    window: tuple[date, date] | None,
) -> CampaignCostExplanation:
    """The explanation over the campaign's messages at `center_ids` (None: every center) with
    business dates in `window` (None: all time)."""
    # Marked in the order the text names them (SQLite's "?" are positional).
    parameters = _Parameters()
    names = {"source": parameters.mark(subject.credit_source_id)}
    names["where"] = parameters.where(subject.campaign_id, center_ids, window)
    for number in range(1, 5):
        names[f"channel{number}"] = parameters.mark(subject.channel.value)
    sql = _EXPLAINED.format(**names)
    groups = await connections.get("default").execute_query_dict(sql, parameters.values)
    return _explanation([_Group.of(row) for row in groups], _saved_segments(subject))


@dataclass(frozen=True)
class _Group:
    """Messages alike in everything the explanation splits by."""

    units: int
    country_code: str | None
    category: str | None
    outcome: MessageOutcome
    encoding: SmsEncoding | None
    messages: int
    credits_e4: int
    rated: int
    mismatches: int
    expected_e4: int
    rates_e4: int  # the rated messages' rates per unit, summed
    unrated_credits_e4: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> _Group:
        return cls(
            int(row["units"]),
            row["country_code"],
            row["category"],
            MessageOutcome(row["outcome"]),
            None if row["encoding"] is None else SmsEncoding(row["encoding"]),
            int(row["messages"]),
            _two_part(row, "credits"),
            int(row["rated"]),
            int(row["mismatches"]),
            _two_part(row, "expected"),
            _two_part(row, "rate"),
            _two_part(row, "unrated"),
        )

    @property
    def saves(self) -> bool:
        """Sent, and not already sent as GSM-7: what a GSM-7 rewrite would have made cheaper."""
        return self.outcome is MessageOutcome.PROCESSED and self.encoding is not SmsEncoding.GSM_7


def _saved_segments(subject: CampaignCostSubject) -> int:
    """Segments per message the template's GSM-7 rewrite saves (0 without one)."""
    analysis = campaign_template_analysis(subject.template, subject.channel)
    if analysis is None or analysis.gsm7_rewrite_segments is None:
        return 0
    return max(analysis.segments - analysis.gsm7_rewrite_segments, 0)


def _explanation(groups: list[_Group], saved_segments: int) -> CampaignCostExplanation:
    def split(key: Callable[[_Group], Hashable]) -> dict[Hashable, list[int]]:
        totals: dict[Hashable, list[int]] = {}
        for group in groups:
            total = totals.setdefault(key(group), [0, 0, 0])
            total[0] += group.messages
            total[1] += group.units * group.messages
            total[2] += group.credits_e4
        return totals

    everything = split(lambda group: None).get(None, [0, 0, 0])
    outcomes = split(lambda group: group.outcome)
    # A saving is priced at the rate card's rate, else at the message's own credits per unit:
    # exact as a fraction, rounded once.
    saving = sum(
        (Fraction(g.rates_e4) + Fraction(g.unrated_credits_e4, g.units) for g in groups if g.saves),
        Fraction(0),
    )
    return CampaignCostExplanation(
        messages=everything[0],
        units=everything[1],
        credits_e4=everything[2],
        processed=outcomes.get(MessageOutcome.PROCESSED, [0])[0],
        by_units=_groups(split(lambda group: group.units), order=lambda g: g.key),
        by_country=_groups(split(lambda group: group.country_code), order=_most_credits),
        by_category=_groups(split(lambda group: group.category), order=_most_credits),
        by_outcome=_groups(outcomes, order=lambda g: list(MessageOutcome).index(g.key)),
        wasted_credits_e4=sum(outcomes.get(o, [0, 0, 0])[2] for o in _WASTED),
        rated_messages=sum(g.rated for g in groups),
        expected_credits_e4=sum(g.expected_e4 for g in groups),
        rate_mismatches=sum(g.mismatches for g in groups),
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
