"""Accounts, balances and statements (§9), in ten-thousandths of a credit.

Balance at the end of business date D = transactions dated up to D - message credits dated up to
D; "now" counts everything recorded. A statement over [a, b] splits the change from the opening
(end of a - 1) to the closing balance into purchases, grants, adjustments, expiries and
consumption, and into days whose closings are the next days' openings, so it reconciles
exactly by construction. Transactions count on their date in the organization's time zone,
messages on their date at their center (§2), as in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backend.accounts.consumption import Consumption, consumption, consumptions
from backend.campaigns import CampaignRow, visible_campaigns
from backend.db import dialect
from backend.enums import Channel, CreditTransactionKind
from backend.hierarchy import OrgHierarchy, Scope
from backend.models import CreditSource, Organization
from backend.reports import DateWindow
from backend.sql import as_date, fetch_rows, placeholders
from backend.usage import CREDITS_SUM_SQL, credits_of_row


@dataclass(frozen=True)
class Account:
    organization_id: str
    credit_source_id: str
    name: str
    timezone: str  # the organization's: transactions' dates and the forecast's days
    campaigns: tuple[CampaignRow, ...]  # those drawing from this source

    @property
    def campaign_ids(self) -> list[str]:
        return [c.id for c in self.campaigns]


async def accounts_of(hierarchy: OrgHierarchy) -> list[Account]:
    """Every credit source of the organization as an account, by name then id."""
    organization_id = hierarchy.organization_id
    (timezone,) = await Organization.filter(id=organization_id).values_list("timezone", flat=True)
    campaigns = await visible_campaigns(hierarchy, Scope(organization_id, None))
    sources = await CreditSource.filter(organization_id=organization_id).values_list("id", "name")
    return sorted(
        (
            Account(
                organization_id,
                str(source_id),
                str(name),
                str(timezone),
                tuple(c for c in campaigns if c.credit_source_id == source_id),
            )
            for source_id, name in sources
        ),
        key=lambda a: (a.name, a.credit_source_id),
    )


async def account_of(hierarchy: OrgHierarchy, credit_source_id: str) -> Account | None:
    """The account, or None when the organization has no such credit source."""
    found = [a for a in await accounts_of(hierarchy) if a.credit_source_id == credit_source_id]
    return found[0] if found else None


async def credited_total(credit_source_id: str) -> int:
    """Every transaction of the account, whatever its date."""
    (mark,) = placeholders(dialect(), 1)
    rows = await fetch_rows(
        f"SELECT {CREDITS_SUM_SQL} FROM credit_transaction WHERE credit_source_id = {mark}",
        [credit_source_id],
    )
    return credits_of_row(rows[0])


async def balance(account: Account, today: date) -> int:
    """The balance now: everything recorded, whatever its date (`today` only picks the span
    the consumption is read around)."""
    return (await balances([account], today))[account.credit_source_id]


async def balances(accounts: Sequence[Account], today: date) -> dict[str, int]:
    """`balance` of several accounts (by credit source id) with two reads in all."""
    ids = [account.credit_source_id for account in accounts]
    if not ids:
        return {}
    marks = ", ".join(placeholders(dialect(), len(ids)))
    rows = await fetch_rows(
        f"SELECT credit_source_id, {CREDITS_SUM_SQL} FROM credit_transaction "
        f"WHERE credit_source_id IN ({marks}) GROUP BY credit_source_id",
        ids,
    )
    credited = {row["credit_source_id"]: credits_of_row(row) for row in rows}
    used = await consumptions(
        {account.credit_source_id: account.campaign_ids for account in accounts}, today, today
    )
    return {source: credited.get(source, 0) - used[source].total for source in ids}


@dataclass(frozen=True)
class StatementDay:
    date: date
    opening: int
    credited: int  # the net of the day's transactions
    consumed: int
    closing: int


@dataclass(frozen=True)
class Statement:
    window: DateWindow
    opening: int
    by_kind: dict[CreditTransactionKind, int]
    consumed: int
    closing: int
    by_channel: list[tuple[Channel, int]]  # channels that consumed, most first
    by_campaign: list[tuple[CampaignRow, int]]  # campaigns that consumed, most first
    days: list[StatementDay]


async def statement(account: Account, window: DateWindow) -> Statement:
    """The account's statement over the window; closing = opening + purchased + granted +
    adjusted + expired - consumed, and each day's closing is the next day's opening."""
    used = await consumption(account.campaign_ids, window.start, window.end)
    credited_before, per_day, by_kind = await _transactions(account.credit_source_id, window)
    opening = credited_before - used.before
    days: list[StatementDay] = []
    level = opening
    for offset, consumed in enumerate(used.days):
        day = window.start + timedelta(days=offset)
        credited = per_day.get(day, 0)
        closing = level + credited - consumed
        days.append(StatementDay(day, level, credited, consumed, closing))
        level = closing
    return Statement(
        window=window,
        opening=opening,
        by_kind=by_kind,
        consumed=used.within,
        closing=level,
        by_channel=_by_channel(account, used),
        by_campaign=sorted(
            ((c, used.by_campaign[c.id]) for c in account.campaigns if c.id in used.by_campaign),
            key=lambda pair: (-pair[1], pair[0].name, pair[0].id),
        ),
        days=days,
    )


def _by_channel(account: Account, used: Consumption) -> list[tuple[Channel, int]]:
    totals: dict[Channel, int] = {}
    for campaign in account.campaigns:
        credits = used.by_campaign.get(campaign.id, 0)
        if credits:
            totals[campaign.channel] = totals.get(campaign.channel, 0) + credits
    return sorted(totals.items(), key=lambda pair: (-pair[1], pair[0].value))


async def _transactions(
    credit_source_id: str, window: DateWindow
) -> tuple[int, dict[date, int], dict[CreditTransactionKind, int]]:
    """The account's transactions before the window, per day of it and per kind within it."""
    source, start, end = placeholders(dialect(), 3)
    values: list[Any] = [credit_source_id, window.start, window.end]
    before = await fetch_rows(
        f"SELECT {CREDITS_SUM_SQL} FROM credit_transaction "
        f"WHERE credit_source_id = {source} AND business_date < {start}",
        values[:2],
    )
    within = await fetch_rows(
        f"SELECT business_date, kind, {CREDITS_SUM_SQL} FROM credit_transaction "
        f"WHERE credit_source_id = {source} AND business_date BETWEEN {start} AND {end} "
        "GROUP BY business_date, kind",
        values,
    )
    per_day: dict[date, int] = {}
    by_kind = dict.fromkeys(CreditTransactionKind, 0)
    for row in within:
        credits = credits_of_row(row)
        day = as_date(row["business_date"])
        per_day[day] = per_day.get(day, 0) + credits
        by_kind[CreditTransactionKind(row["kind"])] += credits
    return credits_of_row(before[0]), per_day, by_kind
