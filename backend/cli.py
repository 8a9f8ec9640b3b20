"""The `credit-report` command: serve, import, seed, tokens, users, the audit trail and the schema.

Every command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import getpass
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any, NoReturn

from backend.settings import Settings, SettingsError

if TYPE_CHECKING:
    from backend.importer import ImportSource

DEMO_DEFAULT_MESSAGES = 40_000
DEMO_DEFAULT_DAYS = 180
# Beyond ten years the demo's first days would lie before the ledger's 2000-01-01 soon enough,
# and a demo does not need them.
DEMO_MAX_DAYS = 3650
DEMO_MAX_MESSAGES = 100_000_000
PROGRESS_THRESHOLD = 20_000

# `credit-report --help` shows this, where the module docstring above is for readers of the code.
DESCRIPTION = """Credit Consumption Report: how many messaging credits each campaign consumed,
where and when. Every command reads the database from --database-url or
$CREDIT_REPORT_DATABASE_URL (default sqlite://credit-report.db), creates or migrates its schema,
and exits non-zero with a one-line reason on failure. `credit-report COMMAND --help` tells more."""


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="Tortoise URL (sqlite://file.db or postgres://user:pass@host:5432/db); "
        "default: $CREDIT_REPORT_DATABASE_URL or sqlite://credit-report.db",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"credit-report {version('credit-report')}"
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "credit-report (not installed)"


def _int_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, refused in one line otherwise."""

    def parse(text: str) -> int:
        try:
            number = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= number <= high:
            # Thousands separators for counts; a port reads as it is written.
            between = f"{low:,} and {high:,}" if high > 65535 else f"{low} and {high}"
            raise argparse.ArgumentTypeError(f"{number} is not between {between}")
        return number

    return parse


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other failure, pointing at the command's help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="credit-report", description=DESCRIPTION)
    parser.add_argument(
        "--version", action="version", version=_version(), help="print the version and exit"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the web app and the GraphQL API",
        description="Serve the web app at / and the GraphQL API at /graphql (GraphiQL on GET) "
        "until interrupted. Settings other than these flags come from CREDIT_REPORT_* "
        "environment variables (see the README).",
    )
    _database_options(serve)
    serve.add_argument(
        "--host", help="address to listen on (default: $CREDIT_REPORT_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=_int_between(1, 65535),
        help="TCP port to listen on (default: $CREDIT_REPORT_PORT or 8000)",
    )

    importer = commands.add_parser(
        "import",
        help="load a JSON or JSON Lines file (idempotent, atomic)",
        description="Load organizations, zones, centers, credit sources, campaigns and "
        "messages from a JSON document, or messages from JSON Lines (one object a line, "
        "read as a stream). Every record is an upsert, so loading a file twice changes "
        "nothing; a file with any bad row stores nothing and every problem is listed.",
    )
    _database_options(importer)
    importer.add_argument("file", type=Path, help="the .json or .jsonl file to load")

    seed = commands.add_parser(
        "seed",
        help="create the demo organization",
        description="Create a demo spa chain (org-serenity: zones, centers in several time "
        "zones, every channel and campaign kind) with messages over the last days, and the "
        "demo user. A database that already holds the demo's messages is left as it is.",
    )
    _database_options(seed)
    seed.add_argument("--demo", action="store_true", required=True, help="the demo spa chain")
    seed.add_argument(
        "--messages",
        type=_int_between(0, DEMO_MAX_MESSAGES),
        default=DEMO_DEFAULT_MESSAGES,
        help=f"about how many messages to create (default {DEMO_DEFAULT_MESSAGES:,})",
    )
    seed.add_argument(
        "--days",
        type=_int_between(1, DEMO_MAX_DAYS),
        default=DEMO_DEFAULT_DAYS,
        help=f"days of history ending today (default {DEMO_DEFAULT_DAYS})",
    )

    organizations = commands.add_parser(
        "organizations",
        help="list organizations, or show one's zones, centers and credit sources",
        description="The organizations in the database and what they hold.",
    )
    organization_commands = organizations.add_subparsers(
        dest="organizations_command", required=True, metavar="COMMAND"
    )
    organizations_list = organization_commands.add_parser(
        "list",
        help="every organization: id, name, time zone and counts",
        description="Every organization with its id, name, time zone and how many zones, "
        "centers, credit sources, campaigns and messages it has.",
    )
    _database_options(organizations_list)
    organizations_show = organization_commands.add_parser(
        "show",
        help="one organization's zones, centers and credit sources",
        description="One organization's zones, centers (with zone and time zone) and credit "
        "sources, with the ids that imports, tokens and users name.",
    )
    _database_options(organizations_show)
    organizations_show.add_argument("id", help="the organization's id")

    token = commands.add_parser(
        "token",
        help="API tokens: create, list, revoke",
        description="Bearer tokens for the GraphQL API, each scoped to an organization, a "
        "zone or a center.",
    )
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    create = token_commands.add_parser(
        "create",
        help="print a new token once",
        description="Create an API token and print it as the last line of the output; only "
        "its SHA-256 digest is stored, so it cannot be shown again.",
    )
    _database_options(create)
    create.add_argument(
        "--organization", required=True, help="the organization the token reads (its id)"
    )
    scope = create.add_mutually_exclusive_group()
    scope.add_argument("--zone", help="limit the token to this zone of the organization")
    scope.add_argument("--center", help="limit the token to this center of the organization")
    create.add_argument("--write", action="store_true", help="allow recordMessages")
    create.add_argument("--label", default="", help="a note for `token list`, e.g. who uses it")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-in", type=_duration, help="lifetime, e.g. 30m, 12h, 90d or 2w (default: none)"
    )
    expiry.add_argument(
        "--expires",
        type=_instant,
        help="expiry as an ISO date (midnight UTC) or date-time with offset",
    )
    listing = token_commands.add_parser(
        "list",
        help="list tokens (never their secrets)",
        description="Every token: state, access, scope, label, creation, expiry and last use.",
    )
    _database_options(listing)
    listing.add_argument("--organization", help="only this organization's tokens")
    revoke = token_commands.add_parser(
        "revoke",
        help="revoke a token for good",
        description="Revoke a token: it stops working at once, and stays listed.",
    )
    _database_options(revoke)
    revoke.add_argument("id", type=int, help="the token's id, as `token list` shows it")

    audit = commands.add_parser(
        "audit",
        help="list recorded batches: who, when, what changed",
        description="The audit trail of the ledger: every recorded, rejected or voided batch "
        "of messages, newest first.",
    )
    _database_options(audit)
    audit.add_argument("--organization", help="only this organization's batches")
    audit.add_argument("--actor", help="only this actor's batches, e.g. token:12")
    audit.add_argument("--limit", type=int, default=50, help="newest first (default 50)")

    messages = commands.add_parser(
        "messages",
        help="stored messages: void bad ones",
        description="Stored messages of the ledger.",
    )
    messages_commands = messages.add_subparsers(
        dest="messages_command", required=True, metavar="COMMAND"
    )
    void = messages_commands.add_parser(
        "void",
        help="take stored messages out of every report, keeping them in voided_message",
        description="Remove an organization's stored messages with these external ids (at "
        "every center) from the ledger in one transaction: each is kept whole in "
        "voided_message, and the audit trail records a VOIDED batch. The ids may then be "
        "recorded again.",
    )
    _database_options(void)
    void.add_argument(
        "--organization", required=True, help="the organization whose messages these are"
    )
    void.add_argument(
        "--actor", help="who voids, as the audit trail shows it (default: cli:<your user name>)"
    )
    void.add_argument(
        "external_ids",
        nargs="+",
        metavar="EXTERNAL_ID",
        help="a message's externalId; ids that match nothing are listed, not refused",
    )

    user = commands.add_parser(
        "user", help="web app users", description="Users who sign in to the web app."
    )
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    user_create = user_commands.add_parser(
        "create",
        help="create a user with a scope",
        description="Create a web app user who sees an organization, or one zone or center "
        "of it. The password is asked for twice on the terminal, or read from the first "
        "line of standard input with --password-stdin. An --admin user of the whole "
        "organization also records credit transactions and manages alerts in the app.",
    )
    _database_options(user_create)
    user_create.add_argument("--email", required=True, help="the user's email: the sign-in name")
    user_create.add_argument(
        "--organization", required=True, help="the organization the user sees (its id)"
    )
    user_scope = user_create.add_mutually_exclusive_group()
    user_scope.add_argument("--zone", help="limit the user to this zone of the organization")
    user_scope.add_argument("--center", help="limit the user to this center of the organization")
    user_create.add_argument(
        "--admin",
        action="store_true",
        help="let the user record credit transactions and manage alerts in the app "
        "(organization-level users only: not with --zone or --center)",
    )
    user_create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )

    commands.add_parser(
        "export-schema",
        help="print the GraphQL SDL (schema.graphql)",
        description="Print the GraphQL schema in SDL, as schema.graphql holds it.",
    )
    migrate = commands.add_parser(
        "migrate",
        help="create or update the database schema",
        description="Create the schema, or apply the migrations a new release brings, keeping "
        "the data (every other command and `serve` do this too on start).",
    )
    _database_options(migrate)
    webhook_secret = commands.add_parser(
        "webhook-secret",
        help="print an organization's webhook signing secret",
        description="Print the secret that signs the organization's alert webhooks "
        "(Credit-Report-Signature), as the last line; made on first use. --rotate replaces "
        "it: events sent from then on are signed with the new one.",
    )
    _database_options(webhook_secret)
    webhook_secret.add_argument("--organization", required=True, help="the organization's id")
    webhook_secret.add_argument("--rotate", action="store_true", help="make a new secret")
    return parser


_DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _duration(text: str) -> timedelta:
    number, unit = text[:-1], text[-1:].lower()
    if unit not in _DURATION_UNITS or not number.isdigit() or int(number) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30m, 12h, 90d or 2w")
    return timedelta(**{_DURATION_UNITS[unit]: int(number)})


def _instant(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or date-time") from None
    if instant.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset; add e.g. Z or +05:30")
    return instant


async def _with_database(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    from backend.db import close_database, open_database

    await open_database(settings.database_url)
    try:
        await work()
    finally:
        await close_database()


def _serve(settings: Settings) -> None:
    import uvicorn

    from backend.app import FrontendMissing, create_app
    from backend.server import server_config
    from backend.settings import SECRET_KEY_ENV, weak_secret_key_reason

    if settings.secret_key_configured:
        reason = weak_secret_key_reason(settings.secret_key)
        if reason is not None:
            raise SystemExit(
                f"credit-report: error: {SECRET_KEY_ENV} {reason}; set a long random value: "
                "python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
    else:
        # The demo runs this way; a deployment would lose every session on each restart.
        print(
            f"credit-report: warning: {SECRET_KEY_ENV} is not set: sessions are signed with a "
            "random key of this process and end when it stops",
            file=sys.stderr,
            flush=True,
        )
    try:
        app = create_app(settings)
    except FrontendMissing as error:
        raise SystemExit(f"credit-report: error: {error}") from None
    listener = _listen(settings.host, settings.port)
    # The schema is migrated here, where a failure is one line, rather than in the app's
    # start-up, where uvicorn would log a traceback; the start-up's own migration then has
    # nothing left to do.
    try:
        _run(settings, _noop_quiet)
    except SystemExit:
        listener.close()  # no client may wait on a port nobody will answer
        raise
    print(f"Serving on http://{_url_host(settings.host)}:{settings.port}/", flush=True)
    server = uvicorn.Server(server_config(settings, app))
    with listener, contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listener])
    if not server.started:  # uvicorn has logged why (the database went away meanwhile)
        raise SystemExit("credit-report: error: the server did not start")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is printed: a port in use or an address
    this machine does not have is a one-line error, not a traceback from uvicorn."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise SystemExit(
            f"credit-report: error: cannot listen on {host!r}: {error.strerror}"
        ) from None
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(address)
        listener.listen(2048)  # uvicorn's default backlog
    except OSError as error:
        listener.close()
        reason = {
            errno.EADDRINUSE: f"port {port} on {host} is already in use (is another server "
            "running? choose another with --port)",
            errno.EADDRNOTAVAIL: f"{host} is not an address of this machine",
            errno.EACCES: f"no permission to listen on port {port} (ports below 1024 need "
            "privileges)",
        }.get(error.errno or 0, f"cannot listen on {host}:{port}: {error.strerror}")
        raise SystemExit(f"credit-report: error: {reason}") from None
    listener.set_inheritable(True)
    return listener


def _open_import(path: Path) -> ImportSource:
    """The import file checked and its form told, before any database is opened."""
    from backend.importer import ImportFileError, ImportRejected, open_import

    try:
        return open_import(path)
    except ImportRejected as rejected:  # a document that is not JSON
        for problem in rejected.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        raise SystemExit("credit-report: error: rejected, nothing stored") from None
    except ImportFileError as error:
        raise SystemExit(f"credit-report: error: {error}") from None


async def _import(source: ImportSource) -> None:
    with _Progress(f"Importing {source.path.name}", source.size) as progress:
        summary = await source.apply(on_progress=progress.update)
    print(
        f"Imported {source.path}: {summary.entities:,} records, {summary.messages_received:,} "
        f"messages ({summary.messages_inserted:,} new, {summary.messages_updated:,} restated)."
    )


# Seconds between two plain progress lines (when standard error is not a terminal).
PROGRESS_INTERVAL = 5.0


class _Progress:
    """How far a long command has got, on standard error: on a terminal a bar with the rate
    and the time left, otherwise a plain line every PROGRESS_INTERVAL seconds (for logs).
    `update(done, count)`: `done` in the units of `total` (bytes of a file, or messages),
    `count` the messages so far."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        terminal: bool | None = None,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.label = label
        self.total = max(total, 1)
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.clock = clock
        self.started = self.last_line = clock()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.terminal:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, detail="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, done: int, count: int) -> None:
        now = self.clock()
        elapsed = now - self.started
        rate = count / elapsed if elapsed > 0 else 0.0
        if self._bar is not None:
            detail = f"{count:,} messages, {rate:,.0f}/s"
            self._bar.update(self._task, completed=done, detail=detail)
            return
        if now - self.last_line < PROGRESS_INTERVAL or done >= self.total:
            return
        self.last_line = now
        fraction = done / self.total
        line = f"{self.label}: {count:,} messages ({fraction:.0%}), {rate:,.0f}/s"
        if fraction > 0:
            line += f", about {_seconds(elapsed * (1 - fraction) / fraction)} left"
        print(line, file=sys.stderr, flush=True)


def _seconds(seconds: float) -> str:
    if seconds < 90:
        return f"{max(round(seconds), 1)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


async def _seed(messages: int, days: int) -> None:
    from backend import demo
    from backend.accounts.transactions import record_transactions
    from backend.importer import apply_document
    from backend.ledger import MAX_BATCH_SIZE, TRUSTED_IMPORT, record_messages
    from backend.models import Message, User
    from backend.users import create_user

    stored = await Message.filter(organization_id=demo.ORGANIZATION_ID).count()
    if stored:
        # Seeding again on another day (or at another size) would restate the demo's ids with
        # other values, which the ledger rightly refuses: the demo is left as it is.
        print(
            f"The demo organization {demo.ORGANIZATION_ID} already has {stored:,} messages; "
            "nothing changed (seed an empty database for another size or period)."
        )
    else:
        await apply_document(demo.hierarchy_document(), actor="seed")
        now = datetime.now(UTC)
        rows = demo.demo_messages(messages, end=now.date(), days=days, until=now)
        consumed = demo.CreditsConsumed(since=now - timedelta(days=demo.RECENT_DAYS))
        with _Progress("Recording messages", messages) as progress:
            while batch := list(islice(rows, MAX_BATCH_SIZE)):
                await record_messages(batch, scope=TRUSTED_IMPORT, actor="seed")
                consumed.add(batch)
                stored += len(batch)
                progress.update(stored, stored)
        # Credit accounts sized from what the messages consumed (backend/demo.py).
        await record_transactions(
            demo.demo_credit_transactions(consumed, end=now.date(), days=days),
            organization_id=None,
            actor="seed",
        )
        print(f"Seeded organization {demo.ORGANIZATION_ID} with {stored:,} messages.")
    if not await User.exists(email=demo.DEMO_EMAIL):
        await create_user(demo.DEMO_EMAIL, demo.DEMO_PASSWORD, demo.ORGANIZATION_ID, None, None)
    print(f"Demo user: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")


async def _list_organizations(args: argparse.Namespace) -> None:
    from tortoise.functions import Count

    from backend.models import Campaign, Center, CreditSource, Message, Organization, Zone

    organizations = await Organization.all().order_by("id")
    if not organizations:
        print("No organizations yet: load one with `credit-report import FILE`.")
        return
    counts = {}
    for model in (Zone, Center, CreditSource, Campaign, Message):
        rows = (
            await model.all()
            .annotate(n=Count("organization_id"))
            .group_by("organization_id")
            .values_list("organization_id", "n")
        )
        counts[model] = dict(rows)
    _print_table(
        ("ID", "NAME", "TIME ZONE", "ZONES", "CENTERS", "CREDIT SOURCES", "CAMPAIGNS", "MESSAGES"),
        [
            (
                o.id,
                o.name,
                o.timezone,
                *(
                    f"{counts[model].get(o.id, 0):,}"
                    for model in (Zone, Center, CreditSource, Campaign, Message)
                ),
            )
            for o in organizations
        ],
    )


async def _show_organization(args: argparse.Namespace) -> None:
    from backend.errors import NotFound
    from backend.models import Center, CreditSource, Organization, Zone

    organization = await Organization.get_or_none(id=args.id)
    if organization is None:
        raise NotFound(f"Unknown organization {args.id!r}.")
    print(f"{organization.id}: {organization.name} ({organization.timezone})")
    zones = await Zone.filter(organization_id=organization.id).order_by("id")
    centers = await Center.filter(organization_id=organization.id).order_by("zone_id", "id")
    sources = await CreditSource.filter(organization_id=organization.id).order_by("id")
    print()
    _print_table(("ZONE", "NAME"), [(z.id, z.name) for z in zones] or [("-", "no zones")])
    print()
    _print_table(
        ("CENTER", "NAME", "ZONE", "TIME ZONE"),
        [(c.id, c.name, c.zone_id or "-", c.timezone) for c in centers]
        or [("-", "no centers", "", "")],
    )
    print()
    _print_table(
        ("CREDIT SOURCE", "NAME"),
        [(c.id, c.name) for c in sources] or [("-", "no credit sources")],
    )


async def _create_token(args: argparse.Namespace) -> None:
    from backend.auth import create_token
    from backend.errors import ProductError

    expires_at: datetime | None = args.expires
    if args.expires_in is not None:
        expires_at = datetime.now(UTC) + args.expires_in
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise ProductError(f"The expiry {_when(expires_at)} is in the past.")
    token, secret = await create_token(
        args.organization,
        zone_id=args.zone,
        center_id=args.center,
        can_write=args.write,
        label=args.label,
        expires_at=expires_at,
    )
    access = "read-write" if token.can_write else "read-only"
    until = f" until {_when(expires_at)}" if expires_at is not None else ""
    print(f"Created {access} token {token.id}{until}; it is shown once, store it now:")
    print(secret)


def _when(instant: datetime | None) -> str:
    return "-" if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


async def _list_tokens(args: argparse.Namespace) -> None:
    from backend.auth import list_tokens, token_state

    tokens = await list_tokens(args.organization)
    if not tokens:
        print("No tokens.")
        return
    _print_table(
        ("ID", "STATE", "ACCESS", "SCOPE", "LABEL", "CREATED", "EXPIRES", "LAST USED"),
        [
            (
                str(t.id),
                token_state(t),
                "read-write" if t.can_write else "read-only",
                t.organization_id
                + (f"/zone:{t.zone_id}" if t.zone_id else "")
                + (f"/center:{t.center_id}" if t.center_id else ""),
                t.label or "-",
                _when(t.created_at),
                _when(t.expires_at),
                _when(t.last_used_at),
            )
            for t in tokens
        ],
    )


async def _revoke_token(args: argparse.Namespace) -> None:
    from backend.auth import revoke_token

    token, revoked_now = await revoke_token(args.id)
    if revoked_now:
        print(f"Revoked token {token.id}; it stops working at once.")
    else:
        print(f"Token {token.id} was already revoked at {_when(token.revoked_at)}.")


# ACTION: RECORDED, REJECTED (nothing stored; REJECTED counts the bad rows) or VOIDED (RESTATED
# counts the messages voided, UNCHANGED the ids that matched none).
_AUDIT_COLUMNS = (
    "BATCH", "RECEIVED AT", "ACTOR", "ORGANIZATION", "ACTION", "ROWS", "NEW", "RESTATED",
    "UNCHANGED", "REJECTED",
)  # fmt: skip


async def _webhook_secret(args: argparse.Namespace) -> None:
    from backend.accounts.webhooks import signing_secret
    from backend.errors import NotFound
    from backend.models import Organization

    if not await Organization.exists(id=args.organization):
        raise NotFound(f"Unknown organization {args.organization!r}.")
    if args.rotate:
        print("A new signing secret: receivers must switch to it now.")
    print(await signing_secret(args.organization, rotate=args.rotate))


async def _audit(args: argparse.Namespace) -> None:
    from backend.models import IngestBatch

    query = IngestBatch.all()
    if args.organization:
        query = query.filter(organization_id=args.organization)
    if args.actor:
        query = query.filter(actor=args.actor)
    batches = await query.order_by("-id").limit(max(args.limit, 0))
    if not batches:
        print("No batches recorded.")
        return
    _print_table(
        _AUDIT_COLUMNS,
        [
            (
                str(b.id),
                _when(b.received_at),
                b.actor,
                b.organization_id or "-",
                b.action,
                str(b.received),
                str(b.inserted),
                str(b.updated),
                str(b.unchanged),
                str(b.rejected),
            )
            for b in batches
        ],
    )


async def _void_messages(args: argparse.Namespace) -> None:
    from backend.voiding import void_messages

    result = await void_messages(
        args.organization, args.external_ids, actor=args.actor or f"cli:{_os_user()}"
    )
    _print_table(
        ("VOIDED", "CENTER", "CAMPAIGN", "SENT AT", "CREDITS"),
        [
            (v.external_id, v.center_id, v.campaign_id, _when(v.sent_at), str(v.credits))
            for v in result.voided
        ],
    )
    if result.not_found:
        print(f"Not found: {', '.join(result.not_found)}")
    print(
        f"Voided {_count(len(result.voided), 'message')} of organization {args.organization} "
        f"in batch {result.batch_id} ({_count(len(result.not_found), 'id')} not found); "
        "kept in voided_message."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no password entry (some containers)
        return "unknown"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise SystemExit(
                "credit-report: error: standard input is empty; --password-stdin reads the "
                "password from its first line"
            )
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit(
            "credit-report: error: no terminal to ask for the password; give it on standard "
            "input with --password-stdin"
        )
    try:
        password = getpass.getpass("Password: ")
        repeated = getpass.getpass("Repeat password: ")
    except EOFError:  # Ctrl-D at the prompt
        print(file=sys.stderr)
        raise SystemExit("credit-report: error: no password given; no user created") from None
    if password != repeated:
        raise SystemExit("credit-report: error: the passwords differ; no user created")
    return password


def _check_admin_scope(args: argparse.Namespace) -> None:
    from backend.errors import ProductError
    from backend.users import check_admin_scope

    try:
        check_admin_scope(args.zone, args.center)
    except ProductError as error:
        raise SystemExit(f"credit-report: error: {error}") from None


async def _create_user(args: argparse.Namespace, password: str) -> None:
    from backend.users import create_user

    user = await create_user(
        args.email, password, args.organization, args.zone, args.center, admin=args.admin
    )
    if user.is_admin:
        print(f"Created user {user.email}, an administrator of the credit accounts.")
    else:
        print(f"Created user {user.email}.")


def main(argv: Sequence[str] | None = None) -> None:
    try:
        _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C: a transaction under way was rolled back (an import stores nothing); the
        # cursor may still sit after a prompt or a progress bar.
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print("credit-report: interrupted", file=sys.stderr)
        raise SystemExit(130) from None


def _main(argv: Sequence[str] | None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "export-schema":
        from backend.api.schema import export_schema

        sys.stdout.write(export_schema())
        return
    try:
        settings = Settings.from_env(
            database_url=getattr(args, "database_url", None),
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
        )
    except SettingsError as error:
        raise SystemExit(f"credit-report: error: {error}") from None
    if args.command == "serve":
        _serve(settings)
        return
    work: Callable[[], Awaitable[None]]
    if args.command == "import":
        source = _open_import(args.file)  # a missing or empty file is refused here
        work = lambda: _import(source)  # noqa: E731
    elif args.command == "seed":
        work = lambda: _seed(args.messages, args.days)  # noqa: E731
    elif args.command == "token":
        token_work = {"create": _create_token, "list": _list_tokens, "revoke": _revoke_token}
        work = lambda: token_work[args.token_command](args)  # noqa: E731
    elif args.command == "audit":
        work = lambda: _audit(args)  # noqa: E731
    elif args.command == "organizations":
        organization_work = {"list": _list_organizations, "show": _show_organization}
        work = lambda: organization_work[args.organizations_command](args)  # noqa: E731
    elif args.command == "messages":
        work = lambda: _void_messages(args)  # noqa: E731
    elif args.command == "user":
        if args.admin:
            _check_admin_scope(args)  # before the password is asked for
        password = _read_password(args.password_stdin)
        work = lambda: _create_user(args, password)  # noqa: E731
    elif args.command == "webhook-secret":
        work = lambda: _webhook_secret(args)  # noqa: E731
    else:  # migrate
        work = _noop
    _run(settings, work)


async def _noop() -> None:
    print("The database schema is up to date.")


async def _noop_quiet() -> None:
    pass


def _run(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    from backend.db import database_problem
    from backend.errors import ProductError
    from backend.ledger import BatchRejected

    try:
        asyncio.run(_with_database(settings, work))
    except BatchRejected as rejected:  # the seed's batches (an import names its rows itself)
        for row in rejected.errors:
            print(f"row {row.index + 1}: {row.reason}", file=sys.stderr)
        raise SystemExit(
            f"credit-report: error: rejected, nothing stored ({len(rejected.errors)} bad rows "
            "above)"
        ) from None
    except ProductError as error:
        problems = getattr(error, "problems", None)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            total = getattr(error, "total", len(problems))
            more = total > len(problems)
            listed = f"; the first {len(problems):,} are listed above" if more else " above"
            raise SystemExit(
                f"credit-report: error: rejected, nothing stored ({total:,} problems{listed})"
            ) from None
        raise SystemExit(f"credit-report: error: {_first_line(error)}") from None
    except Exception as error:  # the one-line contract of the CLI
        reason = database_problem(error, settings.database_url) or _first_line(error)
        raise SystemExit(f"credit-report: error: {reason}") from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
