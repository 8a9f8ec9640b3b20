"""The little raw SQL needs: placeholders per dialect, rows as dicts, dates as read back."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise import connections


def placeholders(dialect: str, count: int, start: int = 1) -> list[str]:
    """`?` marks for SQLite, `$1 … $n` for asyncpg."""
    if dialect == "sqlite":
        return ["?"] * count
    return [f"${i}" for i in range(start, start + count)]


async def fetch_rows(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """The statement's rows as dicts, on the default connection."""
    rows: list[dict[str, Any]] = await connections.get("default").execute_query_dict(sql, values)
    return rows


def as_date(value: Any) -> date:
    """A date column as read back: a date on PostgreSQL, ISO text on SQLite."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
