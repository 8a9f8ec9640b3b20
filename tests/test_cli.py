"""The `credit-report` command, run as a separate process against a real database file."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from backend.db import close_database, open_database
from backend.hierarchy import Scope
from backend.models import Message
from backend.reports import usage_by_campaign, usage_totals
from tests.factories import ORG, hierarchy, message

CLI = [sys.executable, "-c", "from backend.cli import main; main()"]


def run(
    *args: str, database_url: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args, "--database-url", database_url]
        if args[0] != "export-schema"
        else [*CLI, *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
    )


def numbers(database_url: str) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        await open_database(database_url)
        try:
            ids = ["cmp-org", "cmp-west", "cmp-nyc"]
            usage = await usage_by_campaign(ids, Scope(ORG, None), None)
            return {
                "rows": await Message.all().count(),
                "usage": usage,
                "totals": await usage_totals(ids, Scope(ORG, None), None),
            }
        finally:
            await close_database()

    return asyncio.run(read())


def test_importing_the_same_file_twice_leaves_every_number_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    document = hierarchy(
        messages=[
            message("m-1", credits="0.1"),
            message("m-2", guest_id="g-2", credits="2.25"),
            message("m-3", campaign_id="cmp-west", center_id="c-mumbai", outcome="FAILED"),
        ]
    )
    path = tmp_path / "data.json"
    path.write_text(json.dumps(document))
    first = run("import", str(path), database_url=database_url)
    assert first.returncode == 0, first.stderr
    before = numbers(database_url)
    second = run("import", str(path), database_url=database_url)
    assert second.returncode == 0, second.stderr
    assert "0 new, 0 restated" in second.stdout
    assert numbers(database_url) == before
    assert before["rows"] == 3
    assert before["usage"]["cmp-org"].credits_consumed == Decimal("2.35")


def test_json_lines_of_messages_import(database_url: str, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(hierarchy()))
    lines = tmp_path / "messages.jsonl"
    lines.write_text("\n".join(json.dumps(message(f"m-{i}", guest_id=f"g-{i}")) for i in range(3)))
    assert run("import", str(base), database_url=database_url).returncode == 0
    result = run("import", str(lines), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert numbers(database_url)["rows"] == 3


def test_a_bad_file_stores_nothing_and_names_every_bad_record(
    database_url: str, tmp_path: Path
) -> None:
    document = hierarchy(
        messages=[
            message("m-1"),
            message("m-2", campaign_id="cmp-nope"),
            message("m-3", sent_at="2026-03-01T10:00:00"),
        ]
    )
    document["centers"][0]["timezone"] = "Mars/Olympus"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = run("import", str(path), database_url=database_url)
    assert result.returncode != 0
    assert "centers[0]: unknown IANA time zone 'Mars/Olympus'" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("credit-report: error: rejected")
    # The entity problem stops the file before its messages: nothing at all is stored.
    fixed = hierarchy(
        messages=[
            message("m-1"),
            message("m-2", campaign_id="cmp-nope"),
            message("m-3", sent_at="2026-03-01T10:00:00"),
        ]
    )
    path.write_text(json.dumps(fixed))
    result = run("import", str(path), database_url=database_url)
    assert 'messages[1]: unknown campaign "cmp-nope"' in result.stderr
    assert 'messages[2]: sentAt "2026-03-01T10:00:00" has no UTC offset' in result.stderr
    assert numbers(database_url)["rows"] == 0


def test_token_create_prints_the_token_last_and_it_works(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(hierarchy()))
    assert run("import", str(path), database_url=database_url).returncode == 0
    created = run(
        "token", "create", "--organization", ORG, "--center", "c-pune", database_url=database_url
    )
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("crt_")

    async def principal() -> Any:
        from backend.auth import principal_for_token

        await open_database(database_url)
        try:
            return await principal_for_token(secret)
        finally:
            await close_database()

    found = asyncio.run(principal())
    assert (found.organization_id, found.center_id, found.can_write) == (ORG, "c-pune", False)


def test_commands_fail_with_one_line(database_url: str) -> None:
    result = run("token", "create", "--organization", "org-missing", database_url=database_url)
    assert result.returncode != 0
    assert result.stderr.strip() == "credit-report: error: Unknown organization 'org-missing'."


def test_seed_demo_creates_a_realistic_organization(database_url: str) -> None:
    result = run("seed", "--demo", "--messages", "3000", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "demo@example.com" in result.stdout

    async def summary() -> tuple[int, set[str], set[str]]:
        from backend.models import Campaign, Center

        await open_database(database_url)
        try:
            zones = {c.timezone for c in await Center.all()}
            kinds = {f"{c.type}/{c.created_from}/{c.channel}" for c in await Campaign.all()}
            return await Message.all().count(), zones, kinds
        finally:
            await close_database()

    count, zones, kinds = asyncio.run(summary())
    assert count > 2500
    assert {"Asia/Kolkata", "America/New_York", "Europe/London"} <= zones
    assert {k.split("/")[0] for k in kinds} == {"ALWAYS_ON", "SCHEDULED"}
    assert {k.split("/")[1] for k in kinds} == {"ORGANIZATION", "ZONE", "CENTER"}
    assert {k.split("/")[2] for k in kinds} == {"SMS", "WHATSAPP", "EMAIL"}


def test_export_schema_prints_schema_graphql() -> None:
    result = subprocess.run([*CLI, "export-schema"], capture_output=True, text=True, check=True)
    assert result.stdout == (Path(__file__).parent.parent / "schema.graphql").read_text()


def _admin_flags(database_url: str) -> dict[str, bool]:
    async def read() -> dict[str, bool]:
        from backend.models import User

        await open_database(database_url)
        try:
            return {u.email: u.is_admin for u in await User.all()}
        finally:
            await close_database()

    return asyncio.run(read())


def test_user_create_admin_makes_an_organization_administrator(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(hierarchy()))
    assert run("import", str(path), database_url=database_url).returncode == 0
    create = ("user", "create", "--organization", ORG, "--password-stdin")
    admin = run(
        *create, "--email", "boss@example.com", "--admin", database_url=database_url,
        stdin="boss-password\n",
    )  # fmt: skip
    assert admin.returncode == 0, admin.stderr
    assert "administrator" in admin.stdout
    plain = run(
        *create, "--email", "clerk@example.com", database_url=database_url,
        stdin="clerk-password\n",
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    # An administrator is organization-level: refused with one line before any password is
    # read (standard input is empty here), and nobody is stored.
    for scope in (("--zone", "zone-w"), ("--center", "c-pune")):
        refused = run(
            *create, "--email", "west@example.com", "--admin", *scope,
            database_url=database_url, stdin="",
        )  # fmt: skip
        assert refused.returncode != 0
        assert refused.stderr.strip().splitlines() == [
            "credit-report: error: An administrator manages the organization's credit "
            "accounts: give no zone or center with --admin."
        ]
    assert _admin_flags(database_url) == {"boss@example.com": True, "clerk@example.com": False}
    shown = subprocess.run(
        [*CLI, "user", "create", "--help"], capture_output=True, text=True, check=True
    )
    assert "--admin" in shown.stdout
