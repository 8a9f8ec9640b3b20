"""`DateTime` inputs: the standard library's parser first, Strawberry's for the rest, so no
form accepted before is refused now and bad values keep Strawberry's coded error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from strawberry.exceptions import StrawberryInputCoercionError

from backend.api.datetime_scalar import parse_datetime
from backend.principal import Principal
from tests.factories import ORG, load_hierarchy
from tests.graphql_client import execute

IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-03-01T10:00:00+05:30", datetime(2026, 3, 1, 10, tzinfo=IST)),
        ("2026-03-01T04:30:00Z", datetime(2026, 3, 1, 4, 30, tzinfo=UTC)),
        ("20260301T103000+0530", datetime(2026, 3, 1, 10, 30, tzinfo=IST)),
        # An ordinal date: the standard library refuses it, dateutil (Strawberry's) reads it.
        ("2026-060T04:30:00Z", datetime(2026, 3, 1, 4, 30, tzinfo=UTC)),
    ],
)
def test_iso_forms_are_read(text: str, instant: datetime) -> None:
    assert parse_datetime(text) == instant


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", 1_700_000_000])
def test_bad_values_keep_strawberrys_error(value: object) -> None:
    with pytest.raises(StrawberryInputCoercionError, match="Value cannot represent a DateTime"):
        parse_datetime(value)


async def test_record_messages_reads_an_ordinal_date(db: str) -> None:
    await load_hierarchy()
    data = await execute(
        """mutation { recordMessages(messages: [{externalId: "m-1", campaignId: "cmp-org",
        centerId: "c-pune", guestId: "g-1", sentAt: "2026-060T04:30:00Z", outcome: PROCESSED,
        credits: "1"}]) { inserted } }""",
        principal=Principal(ORG, can_write=True, actor="test"),
    )
    assert data == {"recordMessages": {"inserted": 1}}
    report = await execute(
        '{ campaigns(dateRange: {start: "2026-03-01", end: "2026-03-01"}) '
        "{ totals { processed } } }",
        principal=Principal(ORG),
    )
    assert report["campaigns"]["totals"] == {"processed": 1}


def test_the_schema_uses_it() -> None:
    from backend.api.schema import schema

    assert schema._schema.type_map["DateTime"].parse_value is parse_datetime  # type: ignore[attr-defined]
