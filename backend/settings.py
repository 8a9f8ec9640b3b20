"""Typed configuration: command-line flags override environment variables override defaults."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

DEFAULT_DATABASE_URL = "sqlite://credit-report.db"
DATABASE_URL_ENV = "CREDIT_REPORT_DATABASE_URL"
SECRET_KEY_ENV = "CREDIT_REPORT_SECRET_KEY"
TRUSTED_PROXIES_ENV = "CREDIT_REPORT_TRUSTED_PROXIES"
HEADER_TIMEOUT_ENV = "CREDIT_REPORT_HEADER_TIMEOUT"
BODY_TIMEOUT_ENV = "CREDIT_REPORT_BODY_TIMEOUT"
WEBHOOK_ALLOW_PRIVATE_ENV = "CREDIT_REPORT_WEBHOOK_ALLOW_PRIVATE"

# A request's head (request line and headers) must arrive whole within this many seconds of
# its first byte (or of the connection, for the first request): real clients send it in one
# packet, a slowloris client dribbles it to hold a connection open.
DEFAULT_HEADER_TIMEOUT = 10.0
# A request's whole body must arrive within this many seconds of its head: 8 MiB (the body
# limit) in 30 s needs about 2.2 Mbit/s.
DEFAULT_BODY_TIMEOUT = 30.0

MIN_SECRET_KEY_LENGTH = 32
# Placeholders that deployments copy from examples; refused whatever their length.
KNOWN_WEAK_SECRET_KEYS = frozenset(
    {"change-me", "changeme", "change_me", "secret", "secret-key", "secret_key", "password"}
)


class SettingsError(ValueError):
    """A configured value that cannot be used; the message names the setting."""


def check_port(port: int, source: str = "the port") -> int:
    """A TCP port to listen on: 1 to 65535."""
    if not 1 <= port <= 65535:
        raise SettingsError(f"{source} must be a TCP port from 1 to 65535, not {port}")
    return port


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a TCP port from 1 to 65535, not {raw!r}") from None
    return check_port(port, name)


# Tortoise's URL schemes for the two databases the product supports.
SQLITE_SCHEMES = frozenset({"sqlite"})
POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "asyncpg"})
_URL_FORMS = "sqlite://path/to/file.db or postgres://user:pass@host:5432/db"


def check_database_url(url: str) -> str:
    """The URL's form, before anything connects: a supported scheme, a SQLite path written
    with `//` (`sqlite:/x.db` would quietly mean the root folder's `/x.db`), a PostgreSQL
    database name."""
    scheme, separator, rest = url.partition(":")
    scheme = scheme.lower()
    if not separator or scheme not in SQLITE_SCHEMES | POSTGRES_SCHEMES:
        raise SettingsError(f"the database URL {url!r} is not of the form {_URL_FORMS}")
    if not rest.startswith("//"):
        raise SettingsError(
            f"the database URL {url!r} needs two slashes: {scheme}://relative/path.db or "
            f"{scheme}:///absolute/path.db"
            if scheme in SQLITE_SCHEMES
            else f"the database URL {url!r} needs two slashes: {scheme}://user@host:5432/db"
        )
    path = rest[2:].split("?", 1)[0]
    if scheme in SQLITE_SCHEMES and not path:
        raise SettingsError(f"the database URL {url!r} names no file: sqlite://path/to/file.db")
    if scheme in POSTGRES_SCHEMES and not path.partition("/")[2].strip("/"):
        raise SettingsError(
            f"the database URL {url!r} names no database: {scheme}://user@host:5432/db"
        )
    return url


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not seconds > 0:
        raise SettingsError(f"{name} must be more than 0 seconds, not {raw!r}")
    return seconds


def parse_trusted_proxies(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks, normalized (`10.0.0.0/8`, `::1`)."""
    proxies = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"{TRUSTED_PROXIES_ENV}: {item!r} is not an IP address or CIDR network"
            ) from None
        single = network.num_addresses == 1
        proxies.append(str(network.network_address) if single else str(network))
    return tuple(proxies)


def weak_secret_key_reason(key: str) -> str | None:
    """Why `key` must not sign sessions, or None when it may."""
    if not key.strip():
        return "is empty"
    if key.strip().lower() in KNOWN_WEAK_SECRET_KEYS:
        return "is a well-known placeholder"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < 8:
        return "repeats too few characters"
    return None


@dataclass(frozen=True)
class Settings:
    """Everything the process needs to know about its surroundings."""

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Signs session cookies. Without one configured, a per-process random key is used, so
    # sessions do not survive a restart; production sets CREDIT_REPORT_SECRET_KEY.
    secret_key: str = field(default_factory=lambda: os.urandom(32).hex())
    # Whether `secret_key` came from the environment: `serve` refuses a configured weak key,
    # and only warns about the random one (the demo runs that way).
    secret_key_configured: bool = False
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed; nobody's by default, so
    # no client can choose the address the sign-in throttle counts.
    trusted_proxies: tuple[str, ...] = ()
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    # Alert webhooks may reach http:// and loopback, private or link-local addresses (tests, a
    # receiver on the same host); off by default, so an alert cannot probe the internal network.
    webhook_allow_private: bool = False

    @classmethod
    def from_env(
        cls,
        database_url: str | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> Settings:
        """Raises `SettingsError` for a value that cannot be used."""
        defaults = cls()
        secret_key = os.environ.get(SECRET_KEY_ENV)
        return cls(
            database_url=check_database_url(
                database_url or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL
            ),
            host=host or os.environ.get("CREDIT_REPORT_HOST") or defaults.host,
            port=(
                check_port(port, "--port")
                if port is not None
                else _env_port("CREDIT_REPORT_PORT", defaults.port)
            ),
            # Set but empty counts as configured: `serve` refuses it rather than guess.
            secret_key=defaults.secret_key if secret_key is None else secret_key,
            secret_key_configured=secret_key is not None,
            trusted_proxies=parse_trusted_proxies(os.environ.get(TRUSTED_PROXIES_ENV, "")),
            header_timeout=_env_seconds(HEADER_TIMEOUT_ENV, DEFAULT_HEADER_TIMEOUT),
            body_timeout=_env_seconds(BODY_TIMEOUT_ENV, DEFAULT_BODY_TIMEOUT),
            webhook_allow_private=webhook_allow_private_from_env(),
        )


def webhook_allow_private_from_env() -> bool:
    """`CREDIT_REPORT_WEBHOOK_ALLOW_PRIVATE=1` only: any other value keeps the rules on."""
    return os.environ.get(WEBHOOK_ALLOW_PRIVATE_ENV, "").strip() == "1"
