"""The `Decimal` scalar: serialised as a string; as input, handed over as sent.

Credits are validated in one place, the ingest's (backend/ledger.py), which names every bad row
of a batch. Strawberry's own scalar would turn any text Python's `Decimal` accepts ("1_000",
" 3 ", "١٢", "1E+999999999") and any JSON number into a Decimal before that, so the rules of
the specification (ASCII digits, at most four places, no JSON numbers) could not be applied.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition


def _as_sent(value: object) -> object:
    return value


def _literal(node: ValueNode, variables: dict[str, Any] | None = None) -> object:
    if isinstance(node, StringValueNode):
        return node.value
    # A number written into the document: the ledger refuses it by its type, as it refuses a
    # JSON number in variables.
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, FloatValueNode):
        return float(node.value)
    raise ValueError('A Decimal is written as a string, e.g. "12.5".')


DECIMAL: ScalarDefinition = dataclasses.replace(
    DecimalDefinition,
    description='Exact decimal, serialised as a string, e.g. "12.5000".',
    parse_value=_as_sent,
    parse_literal=_literal,
)
