"""The little raw SQL needs from each dialect: only its placeholders differ."""

from __future__ import annotations


def placeholders(dialect: str, count: int, start: int = 1) -> list[str]:
    """`?` marks for SQLite, `$1 … $n` for asyncpg."""
    if dialect == "sqlite":
        return ["?"] * count
    return [f"${i}" for i in range(start, start + count)]
