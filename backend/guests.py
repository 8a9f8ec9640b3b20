"""Integer keys for guests: the ledger stores one beside each message so that reports count
distinct integers, several times faster than distinct strings."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

GuestRef = tuple[str, str]  # (organization id, upstream guest id)
_ROWS_PER_STATEMENT = 500

_PG_SELECT = (
    "SELECT id, guest_id FROM guest WHERE organization_id = $1 AND guest_id = ANY($2::text[])"
)


async def guest_keys(
    connection: BaseDBAsyncClient, dialect: str, guests: Collection[GuestRef]
) -> dict[GuestRef, int]:
    """The key of every guest, creating the missing ones (safe under concurrent batches: the
    unique constraint decides, and the keys are read back after the insert). The ledger's
    PostgreSQL path calls `keys_in_order` itself, which keeps the keys out of Python."""
    # Sorted, so concurrent batches take the same locks in the same order.
    ordered = sorted(set(guests))
    keys: dict[GuestRef, int] = {}
    if dialect == "postgres":
        by_org: dict[str, list[str]] = {}
        for org, guest in ordered:
            by_org.setdefault(org, []).append(guest)
        for org, guest_ids in by_org.items():
            found = (await keys_in_order(connection, org, guest_ids)).split(",")
            keys.update(
                {(org, guest): int(key) for guest, key in zip(guest_ids, found, strict=True)}
            )
        return keys
    for start in range(0, len(ordered), _ROWS_PER_STATEMENT):
        chunk = ordered[start : start + _ROWS_PER_STATEMENT]
        values = [v for pair in chunk for v in pair]
        await connection.execute_query(
            "INSERT INTO guest (organization_id, guest_id) VALUES "
            + ", ".join(["(?, ?)"] * len(chunk))
            + " ON CONFLICT DO NOTHING",
            values,
        )
        rows = await connection.execute_query_dict(
            "SELECT id, organization_id, guest_id FROM guest WHERE (organization_id, guest_id) IN "
            "(VALUES " + ", ".join(["(?, ?)"] * len(chunk)) + ")",
            values,
        )
        keys.update({(row["organization_id"], row["guest_id"]): int(row["id"]) for row in rows})
    return keys


# Known guests are looked up and the others inserted in one statement, which answers with each
# wanted guest's key, in order, as one comma-joined text: the ledger hands that text on to its
# upsert as it is, so no key becomes a Python object. A guest that a concurrent batch is
# inserting makes the insert wait for that batch and then skip the guest (its key is then
# empty here, and read by a new statement, which sees that batch's commit).
_PG_KEYS_IN_ORDER = (
    "WITH wanted AS (SELECT b.guest_id, b.position, g.id FROM unnest($2::text[]) "
    "WITH ORDINALITY AS b (guest_id, position) "
    "LEFT JOIN guest g ON g.organization_id = $1::text AND g.guest_id = b.guest_id), "
    "added AS (INSERT INTO guest (organization_id, guest_id) "
    # Sorted, so concurrent batches take the same locks in the same order.
    "SELECT DISTINCT $1::text, guest_id FROM wanted WHERE id IS NULL ORDER BY 2 "
    "ON CONFLICT DO NOTHING RETURNING id, guest_id) "
    "SELECT string_agg(coalesce(coalesce(w.id, a.id)::text, ''), ',' ORDER BY w.position) "
    "AS keys FROM wanted w LEFT JOIN added a ON a.guest_id = w.guest_id"
)


async def keys_in_order(
    connection: BaseDBAsyncClient, organization_id: str, guest_ids: Sequence[str]
) -> str:
    """The key of each of `guest_ids` (repeats allowed), in their order, comma-joined; missing
    guests are created (PostgreSQL)."""
    if not guest_ids:
        return ""
    rows = await connection.execute_query_dict(_PG_KEYS_IN_ORDER, [organization_id, guest_ids])
    keys: str = rows[0]["keys"]
    parts = keys.split(",")
    raced = {guest_ids[i] for i, key in enumerate(parts) if not key}
    if not raced:
        return keys
    rows = await connection.execute_query_dict(_PG_SELECT, [organization_id, sorted(raced)])
    found = {row["guest_id"]: str(row["id"]) for row in rows}
    return ",".join(key or found[guest_ids[i]] for i, key in enumerate(parts))
