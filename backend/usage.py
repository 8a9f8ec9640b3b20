"""The three report numbers, as every source of them (SQL, the in-memory indexes) returns them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backend.ledger import e4_to_credits


@dataclass(frozen=True)
class Usage:
    targeted_guests: int
    processed: int
    credits_e4: int  # ten-thousandths of a credit: integers add up exactly

    @property
    def credits_consumed(self) -> Decimal:
        return e4_to_credits(self.credits_e4)


NO_USAGE = Usage(0, 0, 0)
