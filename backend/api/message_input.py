"""`MessageInput`: one message of a `recordMessages` batch, as a custom scalar.

A batch holds up to 10,000 messages. As an input object type, graphql-core coerced each of its
eight fields on its own and Strawberry then turned each message into a class instance, field by
field: measured on a 2-core development machine, 170-290 ms and about 0.7 s more for a batch,
three times what a whole batch may take at the ingest target of 30,000 messages/s. As a scalar,
a message is one call of `parse_message_input` (about 50 ms a batch, Strawberry's conversion of
the list included), which checks what the input object's type checked and hands the ledger the
dict it reads (`backend.ledger.parse_message` applies every rule of the specification to it
once more, and names each bad row).

So the errors stay what the input object gave: a value that is not an object, an unknown or a
missing field, a null where a value is required, a non-string `externalId` or `guestId`, an id
that is neither a string nor an integer, an `outcome` that MessageOutcome does not name, or an
instant that does not parse refuses the request (`BAD_USER_INPUT`, with the path of the message),
while bounds and the rules of §2 are the ledger's (`INVALID_MESSAGES`, every bad row named).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NewType

import strawberry
from graphql import (
    EnumValueNode,
    GraphQLError,
    GraphQLID,
    GraphQLInt,
    GraphQLString,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    value_from_ast_untyped,
)
from graphql.pyutils import inspect
from strawberry.types.scalar import ScalarDefinition

from backend.api.datetime_scalar import parse_datetime
from backend.costs.attributes import WhatsAppCategory
from backend.costs.templates import SmsEncoding
from backend.enums import MessageOutcome

# The Python side of the scalar: the dict the ledger reads, keyed by the GraphQL field names.
MessageRecord = NewType("MessageRecord", dict[str, Any])


def _text(value: Any) -> Any:
    return value if type(value) is str else GraphQLString.coerce_input_value(value)


def _id(value: Any) -> Any:
    return value if type(value) is str else GraphQLID.coerce_input_value(value)


_OUTCOMES = {outcome.name: outcome for outcome in MessageOutcome}
_OUTCOME_NAMES = ", ".join(_OUTCOMES)


def _outcome(value: Any) -> MessageOutcome:
    outcome = _OUTCOMES.get(value) if type(value) is str else None
    if outcome is None:
        raise GraphQLError(f"{inspect(value)} is not one of {_OUTCOME_NAMES}.")
    return outcome


def _int(value: Any) -> Any:
    return value if type(value) is int else GraphQLInt.coerce_input_value(value)


def _named(kind: Any) -> Callable[[Any], Any]:
    """The parser of an enum written by its value's name (SmsEncoding, WhatsAppCategory)."""
    members = {member.name: member for member in kind}
    names = ", ".join(members)

    def parse(value: Any) -> Any:
        member = members.get(value) if type(value) is str else None
        if member is None:
            raise GraphQLError(f"{inspect(value)} is not one of {names}.")
        return member

    return parse


# Fields of an enum type: written as enum values in a document, not as strings.
_ENUM_FIELDS = frozenset({"outcome", "encoding", "category"})


def _as_sent(value: Any) -> Any:
    # Credits: the ledger reads the text as sent, and refuses JSON numbers, by its own rules.
    return value


# Each field with the parser of its value (the one its input field's type had), in the order of
# the former input type. Required fields first: a null there is refused.
_REQUIRED: dict[str, Callable[[Any], Any]] = {
    "externalId": _text,
    "campaignId": _id,
    "centerId": _id,
    "guestId": _text,
    "sentAt": parse_datetime,
    "outcome": _outcome,
    "credits": _as_sent,
}
# The cost attributes (§10) are checked by the ledger too: bounds, the country list and the
# campaign's channel are its rules, each bad value a named row.
_OPTIONAL: dict[str, Callable[[Any], Any]] = {
    "reportedAt": parse_datetime,
    "units": _int,
    "countryCode": _text,
    "encoding": _named(SmsEncoding),
    "category": _named(WhatsAppCategory),
}
_FIELDS = frozenset({*_REQUIRED, *_OPTIONAL})


def parse_message_input(value: Any) -> MessageRecord:
    """One message as the ledger reads it, or a `GraphQLError` saying why it is no message."""
    # A batch is 10,000 of these: the usual message (ids as strings, an outcome by name, an
    # ISO 8601 instant) is read without a call per field. Anything else, or any doubt, goes
    # the field-by-field way below, which gives the same record or says what is wrong.
    if type(value) is dict and _FIELDS.issuperset(value):
        record = dict(value)
        outcome = record.get("outcome")
        sent_at = record.get("sentAt")
        if (
            type(record.get("externalId")) is str
            and type(record.get("campaignId")) is str
            and type(record.get("centerId")) is str
            and type(record.get("guestId")) is str
            and type(outcome) is str
            and outcome in _OUTCOMES
            and type(sent_at) is str
            and record.get("credits") is not None
        ):
            try:
                record["sentAt"] = parse_datetime(sent_at)
                record["outcome"] = _OUTCOMES[outcome]
                if len(record) > len(_REQUIRED):
                    for name, parse in _OPTIONAL.items():
                        if name in record:
                            if record[name] is None:
                                del record[name]
                            else:
                                record[name] = parse(record[name])
            except (GraphQLError, ValueError, TypeError):
                pass
            else:
                return MessageRecord(record)
    return _parse_field_by_field(value)


def _parse_field_by_field(value: Any) -> MessageRecord:
    if not isinstance(value, dict):
        raise GraphQLError("A MessageInput is an object with the fields of one message.")
    if not _FIELDS.issuperset(value):
        unknown = ", ".join(sorted(str(name) for name in value if name not in _FIELDS))
        raise GraphQLError(f"Unknown field of MessageInput: {unknown}.")
    record: dict[str, Any] = {}
    try:
        for name, parse in _REQUIRED.items():
            field_value = value.get(name)
            if field_value is None:
                raise GraphQLError("a value is required, not null.")
            record[name] = parse(field_value)
        for name, parse in _OPTIONAL.items():
            field_value = value.get(name)
            if field_value is not None:
                record[name] = parse(field_value)
    except (GraphQLError, ValueError, TypeError) as refusal:
        message = refusal.message if isinstance(refusal, GraphQLError) else str(refusal)
        raise GraphQLError(f"MessageInput.{name}: {message}") from None
    return MessageRecord(record)


_ENUM_EXAMPLES = {"outcome": "PROCESSED", "encoding": "GSM_7", "category": "MARKETING"}


def parse_message_literal(
    node: ValueNode, variables: Mapping[str, Any] | None = None
) -> MessageRecord:
    """A message written into the document: an object literal whose `outcome`, `encoding` and
    `category` are written as enum values (`outcome: PROCESSED`) and whose other fields are
    not."""
    if not isinstance(node, ObjectValueNode):
        raise GraphQLError("A MessageInput is an object with the fields of one message.", node)
    for field in node.fields:
        name, field_node = field.name.value, field.value
        if name in _ENUM_FIELDS and isinstance(field_node, StringValueNode):
            raise GraphQLError(
                f"{name} is written as an enum value, e.g. {_ENUM_EXAMPLES[name]}.", field_node
            )
        if name not in _ENUM_FIELDS and isinstance(field_node, EnumValueNode):
            raise GraphQLError(f"{name} is written as a string.", field_node)
    return parse_message_input(value_from_ast_untyped(node, dict(variables or {})))


MESSAGE_INPUT: ScalarDefinition = strawberry.scalar(
    name="MessageInput",
    description=(
        "One message as the upstream messaging system saw it: an object with "
        "`externalId: String!` (the upstream id; unique within the organization; the "
        "idempotency key), `campaignId: ID!`, `centerId: ID!`, `guestId: String!`, "
        "`sentAt: DateTime!` (ISO 8601 instant **with** offset, e.g. "
        "2026-03-01T23:30:00+05:30), `outcome: MessageOutcome!`, `credits: Decimal!` (cost "
        "after any refund; at most 4 places) and `reportedAt: DateTime` (when upstream "
        "observed this state; defaults to `sentAt`). Optional cost attributes: `units: Int` "
        "(billed units, e.g. SMS segments; 1 to 1,000, default 1), `countryCode: String` (the "
        "recipient's ISO 3166-1 alpha-2 country, e.g. IN), `encoding: SmsEncoding` (SMS "
        "campaigns only) and `category: WhatsAppCategory` (WhatsApp campaigns only); a "
        "restatement replaces them. A scalar so that a batch of 10,000 is "
        "read in one pass; the fields are checked as an input object's would be."
    ),
    parse_value=parse_message_input,
    parse_literal=parse_message_literal,
)
