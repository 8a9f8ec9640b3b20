"""The `credit-report` command: serve, import, seed, tokens, users, the audit trail and the schema.

Every command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from backend.settings import Settings, SettingsError

DEMO_DEFAULT_MESSAGES = 40_000
PROGRESS_THRESHOLD = 20_000


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="Tortoise URL (sqlite://file.db or postgres://user:pass@host:5432/db); "
        "default: $CREDIT_REPORT_DATABASE_URL or sqlite://credit-report.db",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="credit-report", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app and the GraphQL API")
    _database_options(serve)
    serve.add_argument("--host", help="default: $CREDIT_REPORT_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: $CREDIT_REPORT_PORT or 8000")

    importer = commands.add_parser("import", help="load a JSON or JSON Lines file (idempotent)")
    _database_options(importer)
    importer.add_argument("file", type=Path)

    seed = commands.add_parser("seed", help="create demo data")
    _database_options(seed)
    seed.add_argument("--demo", action="store_true", required=True, help="the demo spa chain")
    seed.add_argument("--messages", type=int, default=DEMO_DEFAULT_MESSAGES)
    seed.add_argument("--days", type=int, default=180, help="days of history ending today")

    token = commands.add_parser("token", help="API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="print a new token once")
    _database_options(create)
    create.add_argument("--organization", required=True)
    scope = create.add_mutually_exclusive_group()
    scope.add_argument("--zone")
    scope.add_argument("--center")
    create.add_argument("--write", action="store_true", help="allow recordMessages")
    create.add_argument("--label", default="")
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-in", type=_duration, help="lifetime, e.g. 30m, 12h, 90d or 2w (default: none)"
    )
    expiry.add_argument(
        "--expires",
        type=_instant,
        help="expiry as an ISO date (midnight UTC) or date-time with offset",
    )
    listing = token_commands.add_parser("list", help="list tokens (never their secrets)")
    _database_options(listing)
    listing.add_argument("--organization", help="only this organization's tokens")
    revoke = token_commands.add_parser("revoke", help="revoke a token for good")
    _database_options(revoke)
    revoke.add_argument("id", type=int, help="the token's id, as `token list` shows it")

    audit = commands.add_parser("audit", help="list recorded batches: who, when, what changed")
    _database_options(audit)
    audit.add_argument("--organization", help="only this organization's batches")
    audit.add_argument("--actor", help="only this actor's batches, e.g. token:12")
    audit.add_argument("--limit", type=int, default=50, help="newest first (default 50)")

    messages = commands.add_parser("messages", help="stored messages: void bad ones")
    messages_commands = messages.add_subparsers(dest="messages_command", required=True)
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

    user = commands.add_parser("user", help="web app users")
    user_commands = user.add_subparsers(dest="user_command", required=True)
    user_create = user_commands.add_parser("create", help="create a user with a scope")
    _database_options(user_create)
    user_create.add_argument("--email", required=True)
    user_create.add_argument("--organization", required=True)
    user_scope = user_create.add_mutually_exclusive_group()
    user_scope.add_argument("--zone")
    user_scope.add_argument("--center")
    user_create.add_argument("--password-stdin", action="store_true")

    commands.add_parser("export-schema", help="print the GraphQL SDL (schema.graphql)")
    migrate = commands.add_parser("migrate", help="create or update the database schema")
    _database_options(migrate)
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

    from backend.app import create_app
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
    print(f"Serving on http://{settings.host}:{settings.port}/", flush=True)
    server = uvicorn.Server(server_config(settings, create_app(settings)))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # uvicorn has logged why (a port in use, the database down)
        raise SystemExit("credit-report: error: the server did not start")


async def _import(path: Path) -> None:
    from backend.importer import import_file

    summary = await import_file(path)
    print(
        f"Imported {path}: {summary.entities} records, {summary.messages_received} messages "
        f"({summary.messages_inserted} new, {summary.messages_updated} restated)."
    )


async def _seed(messages: int, days: int) -> None:
    from rich.progress import Progress

    from backend import demo
    from backend.importer import apply_document
    from backend.ledger import MAX_BATCH_SIZE, TRUSTED_IMPORT, record_messages
    from backend.models import User
    from backend.users import create_user

    await apply_document(demo.hierarchy_document(), actor="seed")
    now = datetime.now(UTC)
    rows = list(demo.demo_messages(messages, end=now.date(), days=days, until=now))
    with Progress(disable=len(rows) < PROGRESS_THRESHOLD, transient=True) as progress:
        task = progress.add_task("Recording messages", total=len(rows))
        for start in range(0, len(rows), MAX_BATCH_SIZE):
            batch = rows[start : start + MAX_BATCH_SIZE]
            await record_messages(batch, scope=TRUSTED_IMPORT, actor="seed")
            progress.advance(task, len(batch))
    if not await User.exists(email=demo.DEMO_EMAIL):
        await create_user(demo.DEMO_EMAIL, demo.DEMO_PASSWORD, demo.ORGANIZATION_ID, None, None)
    print(f"Seeded organization {demo.ORGANIZATION_ID} with {len(rows)} messages.")
    print(f"Demo user: {demo.DEMO_EMAIL} / {demo.DEMO_PASSWORD}")


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
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat password: "):
        raise SystemExit("credit-report: error: the passwords differ")
    return password


async def _create_user(args: argparse.Namespace, password: str) -> None:
    from backend.users import create_user

    user = await create_user(args.email, password, args.organization, args.zone, args.center)
    print(f"Created user {user.email}.")


def main(argv: Sequence[str] | None = None) -> None:
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
        work = lambda: _import(args.file)  # noqa: E731
    elif args.command == "seed":
        work = lambda: _seed(args.messages, args.days)  # noqa: E731
    elif args.command == "token":
        token_work = {"create": _create_token, "list": _list_tokens, "revoke": _revoke_token}
        work = lambda: token_work[args.token_command](args)  # noqa: E731
    elif args.command == "audit":
        work = lambda: _audit(args)  # noqa: E731
    elif args.command == "messages":
        work = lambda: _void_messages(args)  # noqa: E731
    elif args.command == "user":
        password = _read_password(args.password_stdin)
        work = lambda: _create_user(args, password)  # noqa: E731
    else:  # migrate
        work = _noop
    _run(settings, work)


async def _noop() -> None:
    print("The database schema is up to date.")


def _run(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    from backend.errors import ProductError

    try:
        asyncio.run(_with_database(settings, work))
    except ProductError as error:
        problems = getattr(error, "problems", None)
        if problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            raise SystemExit(
                f"credit-report: error: rejected, nothing stored ({len(problems)} problems above)"
            ) from None
        raise SystemExit(f"credit-report: error: {error}") from None
    except (OSError, ConnectionError) as error:
        raise SystemExit(f"credit-report: error: cannot reach the database: {error}") from None
    except Exception as error:  # the one-line contract of the CLI
        reason: Any = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SystemExit(f"credit-report: error: {reason}") from None
