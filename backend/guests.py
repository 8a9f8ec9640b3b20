"""Integer keys for guests: the ledger stores one beside each message so that reports count
distinct integers, several times faster than distinct strings."""

from __future__ import annotations

from collections.abc import Collection

from tortoise.backends.base.client import BaseDBAsyncClient

GuestRef = tuple[str, str]  # (organization id, upstream guest id)
_ROWS_PER_STATEMENT = 500

_PG_INSERT = (
    "INSERT INTO guest (organization_id, guest_id) "
    "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING "
    "RETURNING id, organization_id, guest_id"
)
_PG_SELECT = (
    "SELECT id, guest_id FROM guest WHERE organization_id = $1 AND guest_id = ANY($2::text[])"
)


async def guest_keys(
    connection: BaseDBAsyncClient, dialect: str, guests: Collection[GuestRef]
) -> dict[GuestRef, int]:
    """The key of every guest, creating the missing ones (safe under concurrent batches: the
    unique constraint decides, and the keys are read back after the insert)."""
    # Sorted, so concurrent batches take the same locks in the same order.
    ordered = sorted(set(guests))
    keys: dict[GuestRef, int] = {}
    if dialect == "postgres":
        # Most guests of a batch are known: read them, then insert only the new ones (an
        # insert that conflicts costs as much as one that does not).
        keys = await _pg_select(connection, ordered)
        missing = [guest for guest in ordered if guest not in keys]
        if missing:
            rows = await connection.execute_query_dict(
                _PG_INSERT, [[org for org, _ in missing], [guest for _, guest in missing]]
            )
            keys.update({(row["organization_id"], row["guest_id"]): int(row["id"]) for row in rows})
            # Inserted meanwhile by a concurrent batch (committed, or the insert would have
            # waited for it): a new statement sees them.
            raced = [guest for guest in missing if guest not in keys]
            if raced:
                keys.update(await _pg_select(connection, raced))
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


# Only the guests not stored yet are inserted (most of a batch's are known, and an insert that
# conflicts costs as much as one that does not); sorted, so concurrent batches lock in one order.
_PG_ENSURE = (
    "INSERT INTO guest (organization_id, guest_id) "
    "SELECT $1::text, b.guest_id FROM unnest($2::text[]) AS b (guest_id) WHERE NOT EXISTS "
    "(SELECT FROM guest g WHERE g.organization_id = $1::text AND g.guest_id = b.guest_id) "
    "ORDER BY b.guest_id ON CONFLICT DO NOTHING"
)


async def ensure_guests(
    connection: BaseDBAsyncClient, organization_id: str, guest_ids: Collection[str]
) -> None:
    """Give every one of these guests a key (PostgreSQL), without reading the keys back: the
    ledger's upsert joins them in. A guest that a concurrent batch is inserting makes this
    statement wait for that batch and then skip the guest, so once it returns every guest is
    stored and committed, or stored by this transaction: a later statement sees them all."""
    await connection.execute_query(_PG_ENSURE, [organization_id, sorted(guest_ids)])


async def _pg_select(connection: BaseDBAsyncClient, guests: list[GuestRef]) -> dict[GuestRef, int]:
    by_org: dict[str, list[str]] = {}
    for org, guest in guests:
        by_org.setdefault(org, []).append(guest)
    keys: dict[GuestRef, int] = {}
    for org, guest_ids in by_org.items():
        for row in await connection.execute_query_dict(_PG_SELECT, [org, guest_ids]):
            keys[(org, row["guest_id"])] = int(row["id"])
    return keys
