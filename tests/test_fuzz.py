"""Fuzzing `/graphql` through the whole ASGI app with hypothesis-graphql: generated queries and
mutations, valid ones and ones with a schema violation, sent with valid tokens.

Every response must be a coded GraphQL response: no status 5xx, no error without
`extensions.code`, no masked internal error (which would be a bug the fuzzer found), no stack
trace. The number of operations is bounded so the run stays short in CI.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import hypothesis_graphql
from graphql import NameNode, ObjectFieldNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from backend.api.schema import export_schema
from backend.models import Organization
from tests.factories import load_hierarchy, message, record, token
from tests.graphql_client import http_client

SDL = export_schema()

# Ids of the seeded organizations, including one the tokens may not see (`c-x`, `cmp-x`), so
# generated operations reach the resolvers and the ledger instead of stopping at "not found".
KNOWN_IDS = [
    *("org-1", "org-2", "zone-w", "zone-us", "c-pune", "c-mumbai", "c-nyc", "c-goa", "c-x"),
    *("cmp-org", "cmp-west", "cmp-nyc", "cmp-x", "cs-ao", "cs-sms"),
]
VALID_SCALARS = {
    "ID": st.sampled_from(KNOWN_IDS),
    "Date": st.dates(date(2025, 1, 1), date(2027, 12, 31)).map(date.isoformat),
    "DateTime": st.datetimes(
        datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)
    ).map(datetime.isoformat),
    "Decimal": st.decimals(Decimal(0), Decimal(10_000), places=4, allow_nan=False).map(str),
}
# Anything at all, to fuzz the scalars' parsers too.
ANY_SCALARS = {
    name: st.one_of(valid, st.text(max_size=30)) for name, valid in VALID_SCALARS.items()
}


def value_nodes(scalars: dict[str, st.SearchStrategy[str]]) -> dict[str, Any]:
    return {
        **{name: strategy.map(nodes.String) for name, strategy in scalars.items()},
        "MessageInput": message_literals(scalars),
    }


def message_literals(scalars: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[Any]:
    """`MessageInput` is a scalar written as an object literal, its fields from `scalars`."""
    text = st.text(min_size=1, max_size=30).map(nodes.String)
    fields = {
        "externalId": text,
        "campaignId": scalars["ID"].map(nodes.String),
        "centerId": scalars["ID"].map(nodes.String),
        "guestId": text,
        "sentAt": scalars["DateTime"].map(nodes.String),
        "outcome": st.sampled_from(["PROCESSED", "FAILED", "SKIPPED"]).map(nodes.Enum),
        "credits": scalars["Decimal"].map(nodes.String),
    }
    return st.fixed_dictionaries(fields).map(
        lambda values: nodes.Object(
            [ObjectFieldNode(name=NameNode(value=k), value=v) for k, v in values.items()]
        )
    )


TOKEN_KINDS = [
    {"write": True},
    {"zone": "zone-w", "write": True},
    {"center": "c-mumbai"},
]


async def seeded_tokens() -> list[str]:
    """The organization is loaded once per test; each example gets fresh tokens of each kind."""
    if not await Organization.exists(id="org-1"):
        await load_hierarchy()
        await record(
            message("m-1"),
            message("m-2", "cmp-west", "c-mumbai", guest_id="g-2", credits="2.5"),
            message("m-3", "cmp-nyc", "c-nyc", sent_at="2026-03-08T01:30:00-05:00"),
        )
    return [await token(**kind) for kind in TOKEN_KINDS]  # type: ignore[arg-type]


def assert_coded(response: Any, operation: str) -> None:
    context = f"operation:\n{operation}\nresponse: {response.status_code} {response.text[:2000]}"
    assert response.status_code < 500, context
    assert "Traceback" not in response.text, context
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), context
    for error in body.get("errors", []):
        code = error.get("extensions", {}).get("code")
        assert isinstance(code, str) and code, context
        assert code != "INTERNAL_SERVER_ERROR", context


def fuzz_test(
    mode: hypothesis_graphql.Mode,
    fields: list[str] | None,
    *,
    examples: int,
    scalars: dict[str, st.SearchStrategy[str]] = VALID_SCALARS,
) -> Any:
    strategy = hypothesis_graphql.from_schema(
        SDL, fields=fields, custom_scalars=value_nodes(scalars), mode=mode, allow_x00=True
    )

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(operation=strategy, token_index=st.integers(0, len(TOKEN_KINDS) - 1))
    async def run(db: str, operation: str, token_index: int) -> None:
        secrets = await seeded_tokens()
        async with http_client() as client:
            response = await client.post(
                "/graphql",
                content=json.dumps({"query": operation}),
                headers={
                    "Authorization": f"Bearer {secrets[token_index]}",
                    "Content-Type": "application/json",
                },
            )
        assert_coded(response, operation)

    return run


test_valid_queries_get_coded_answers = fuzz_test(
    hypothesis_graphql.Mode.POSITIVE, ["campaigns", "campaign", "viewer"], examples=120
)
test_valid_mutations_get_coded_answers = fuzz_test(
    hypothesis_graphql.Mode.POSITIVE, ["recordMessages"], examples=60
)
test_operations_with_arbitrary_scalars_get_coded_answers = fuzz_test(
    hypothesis_graphql.Mode.POSITIVE, None, examples=60, scalars=ANY_SCALARS
)
test_invalid_operations_get_coded_answers = fuzz_test(
    hypothesis_graphql.Mode.NEGATIVE, None, examples=60, scalars=ANY_SCALARS
)
