"""Typed configuration: command-line flags override environment variables override defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite://credit-report.db"
DATABASE_URL_ENV = "CREDIT_REPORT_DATABASE_URL"
SECRET_KEY_ENV = "CREDIT_REPORT_SECRET_KEY"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    """Everything the process needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Signs session cookies. Without one configured, a per-process random key is used, so
    # sessions do not survive a restart; production sets CREDIT_REPORT_SECRET_KEY.
    secret_key: str = field(default_factory=lambda: os.urandom(32).hex())

    @classmethod
    def from_env(
        cls,
        database_url: str | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> Settings:
        defaults = cls()
        return cls(
            database_url=database_url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL,
            host=host or os.environ.get("CREDIT_REPORT_HOST") or defaults.host,
            port=port or _env_int("CREDIT_REPORT_PORT", defaults.port),
            secret_key=os.environ.get(SECRET_KEY_ENV) or defaults.secret_key,
        )
