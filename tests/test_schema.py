"""`schema.graphql` is generated from the code; this fails when they drift apart."""

from __future__ import annotations

from pathlib import Path

from backend.api.schema import export_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == export_schema(), (
        "schema.graphql is stale: run `credit-report export-schema > schema.graphql`"
    )


def test_the_pinned_names_are_in_the_schema() -> None:
    sdl = export_schema()
    for pinned in (
        "scalar Date\n",
        "scalar DateTime\n",
        "scalar Decimal\n",
        "input DateRange {",
        "enum Channel {",
        "enum CampaignType {",
        "enum CreatedFrom {",
        "enum CampaignStatus {",
        "enum MessageOutcome {",
        "type CampaignConnection {",
        "type CenterUsage {",
        "type DateUsage {",
        "type UsageTotals {",
        "recordMessages(messages: [MessageInput!]!): RecordMessagesResult!",
        "campaign(id: ID!, dateRange: DateRange = null",
        "centerBreakdown(dateRange: DateRange = null): [CenterUsage!]!",
        "dateBreakdown(dateRange: DateRange = null): [DateUsage!]!",
    ):
        assert pinned in sdl, pinned
