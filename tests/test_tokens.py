"""API tokens (hashed, listable, revocable, expiring, last use recorded) and the audit trail of
which token recorded which batch."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend.auth import create_token, list_tokens, principal_for_token, revoke_token, token_state
from backend.errors import NotFound
from backend.models import ApiToken, IngestBatch
from tests.factories import ORG, OTHER_ORG, hierarchy, load_hierarchy, message
from tests.graphql_client import http_client, post
from tests.test_cli import run

MUTATION = "mutation($m: [MessageInput!]!) { recordMessages(messages: $m) { inserted updated } }"
QUERY = "{ viewer { canWrite } }"


async def test_only_a_digest_of_the_secret_is_stored(db: str) -> None:
    await load_hierarchy()
    token, secret = await create_token(ORG)
    stored = await ApiToken.get(id=token.id)
    assert secret not in repr(await ApiToken.all().values())
    assert stored.digest != secret and len(stored.digest) == 64


async def test_a_revoked_token_stops_working_at_once(db: str) -> None:
    await load_hierarchy()
    token, secret = await create_token(ORG)
    async with http_client() as client:
        before = await post(client, QUERY, token=secret)
        _, revoked_now = await revoke_token(token.id)
        after = await post(client, QUERY, token=secret)
    assert before.json() == {"data": {"viewer": {"canWrite": False}}}
    assert revoked_now
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again, revoked_again = await revoke_token(token.id)
    assert not revoked_again and again.revoked_at is not None
    with pytest.raises(NotFound):
        await revoke_token(token.id + 100)


async def test_a_token_works_until_it_expires(db: str) -> None:
    await load_hierarchy()
    token, secret = await create_token(ORG, expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert await principal_for_token(secret) is not None
    assert token_state(token) == "active"
    assert token_state(token, now=datetime.now(UTC) + timedelta(hours=2)) == "expired"
    await ApiToken.filter(id=token.id).update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert await principal_for_token(secret) is None


async def test_a_refused_token_is_told_so_without_saying_why(db: str) -> None:
    """Unknown, revoked and expired tokens get one message, apart from the missing token's."""
    await load_hierarchy()
    _, expired = await create_token(ORG, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    revoked_token, revoked = await create_token(ORG)
    await revoke_token(revoked_token.id)
    unknown = "crt_" + "x" * 43
    async with http_client() as client:
        refused = [await post(client, QUERY, token=t) for t in (unknown, revoked, expired)]
        missing = await post(client, QUERY)
    errors = [answer.json()["errors"][0] for answer in [*refused, missing]]
    assert {e["extensions"]["code"] for e in errors} == {"UNAUTHENTICATED"}
    assert {e["message"] for e in errors[:3]} == {
        "The bearer token was refused: it is unknown, expired or revoked."
    }
    assert errors[3]["message"] == (
        "Sign in, or send an API token as `Authorization: Bearer <token>`."
    )


async def test_the_last_use_is_recorded_at_most_once_a_minute(db: str) -> None:
    await load_hierarchy()
    token, secret = await create_token(ORG)
    assert token.last_used_at is None
    await principal_for_token(secret)
    first = (await ApiToken.get(id=token.id)).last_used_at
    assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
    await principal_for_token(secret)
    assert (await ApiToken.get(id=token.id)).last_used_at == first
    await ApiToken.filter(id=token.id).update(last_used_at=first - timedelta(minutes=5))
    await principal_for_token(secret)
    assert (await ApiToken.get(id=token.id)).last_used_at > first - timedelta(seconds=1)


async def test_tokens_are_listed_per_organization(db: str) -> None:
    await load_hierarchy()
    mine, _ = await create_token(ORG, zone_id="zone-w", label="west")
    theirs, _ = await create_token(OTHER_ORG)
    assert [t.id for t in await list_tokens(ORG)] == [mine.id]
    assert [t.id for t in await list_tokens()] == [mine.id, theirs.id]


async def test_the_audit_trail_names_the_token_behind_each_batch(db: str) -> None:
    await load_hierarchy()
    west, west_secret = await create_token(ORG, zone_id="zone-w", can_write=True)
    org, org_secret = await create_token(ORG, can_write=True)
    restated = message("m-1", center_id="c-mumbai", credits="0", reported_at="2026-03-02T00:00Z")
    async with http_client() as client:
        first = [message("m-1", center_id="c-mumbai")]
        sent = [await post(client, MUTATION, {"m": first}, token=west_secret)]
        sent.append(
            await post(client, MUTATION, {"m": [restated, message("m-2")]}, token=org_secret)
        )
        sent.append(await post(client, MUTATION, {"m": [restated]}, token=org_secret))
        # A rejected batch stores nothing but its audit row.
        sent.append(await post(client, MUTATION, {"m": [message("m-3", "nope")]}, token=org_secret))
    assert [r.json().get("data") for r in sent] == [
        {"recordMessages": {"inserted": 1, "updated": 0}},
        {"recordMessages": {"inserted": 1, "updated": 1}},
        {"recordMessages": {"inserted": 0, "updated": 0}},
        None,
    ]
    batches = (
        await IngestBatch.all()
        .order_by("id")
        .values(
            "actor",
            "organization_id",
            "received",
            "inserted",
            "updated",
            "unchanged",
            "action",
            "rejected",
            "received_at",
        )
    )
    received_at = [b.pop("received_at") for b in batches]
    assert batches == [
        row(f"token:{west.id}", received=1, inserted=1),
        row(f"token:{org.id}", received=2, inserted=1, updated=1),
        row(f"token:{org.id}", received=1, unchanged=1),
        row(f"token:{org.id}", received=1, action="REJECTED", rejected=1),
    ]
    assert received_at == sorted(received_at)
    assert all(datetime.now(UTC) - at < timedelta(minutes=1) for at in received_at)


def row(
    actor: str,
    *,
    received: int,
    inserted: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    action: str = "RECORDED",
    rejected: int = 0,
) -> dict[str, Any]:
    return {
        "actor": actor,
        "organization_id": ORG,
        "received": received,
        "inserted": inserted,
        "updated": updated,
        "unchanged": unchanged,
        "action": action,
        "rejected": rejected,
    }


def test_token_and_audit_commands(database_url: str, tmp_path: Path) -> None:
    document = tmp_path / "org.json"
    document.write_text(
        json.dumps(hierarchy(messages=[message("m-1"), message("m-2", "cmp-west")]))
    )
    assert run("import", str(document), database_url=database_url).returncode == 0

    created = run(
        "token", "create", "--organization", ORG, "--zone", "zone-w", "--write",
        "--label", "pos-sync", "--expires-in", "90d", database_url=database_url,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert re.search(r"Created read-write token 1 until \d{4}-\d\d-\d\d", created.stdout)
    secret = created.stdout.splitlines()[-1]
    dated = run(
        "token", "create", "--organization", ORG, "--expires", "2999-01-01",
        database_url=database_url,
    )  # fmt: skip
    assert "until 2999-01-01 00:00:00Z" in dated.stdout

    listed = run("token", "list", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == [
        "ID", "STATE", "ACCESS", "SCOPE", "LABEL", "CREATED", "EXPIRES", "LAST", "USED",
    ]  # fmt: skip
    assert lines[1].split()[:5] == ["1", "active", "read-write", "org-1/zone:zone-w", "pos-sync"]
    assert lines[2].split()[:4] == ["2", "active", "read-only", "org-1"]
    assert secret not in listed.stdout

    revoked = run("token", "revoke", "1", database_url=database_url)
    assert revoked.returncode == 0 and "Revoked token 1" in revoked.stdout
    assert run("token", "list", database_url=database_url).stdout.splitlines()[1].split()[1] == (
        "revoked"
    )
    missing = run("token", "revoke", "42", database_url=database_url)
    assert missing.returncode != 0
    assert missing.stderr.strip().splitlines() == ["credit-report: error: Unknown token 42."]
    past = run(
        "token", "create", "--organization", ORG, "--expires", "2001-01-01T00:00:00+00:00",
        database_url=database_url,
    )  # fmt: skip
    assert past.returncode != 0 and "in the past" in past.stderr

    audit = run("audit", "--organization", ORG, database_url=database_url)
    assert audit.returncode == 0, audit.stderr
    header, *batches = audit.stdout.splitlines()
    assert header.split()[:3] == ["BATCH", "RECEIVED", "AT"]
    assert len(batches) == 1
    fields = batches[0].split()
    assert fields[0] == "1"
    assert fields[3:] == ["import:org.json", "org-1", "RECORDED", "2", "2", "0", "0", "0"]
    assert run("audit", "--actor", "token:9", database_url=database_url).stdout.strip() == (
        "No batches recorded."
    )
