"""The three report numbers, as every source of them (SQL, the in-memory indexes) returns them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.bounds import CREDIT_PLACES

# SQL sums of credits in two parts, each far from 64 bits whatever the ledger holds, so neither
# SQLite (whose SUM raises on overflow) nor a driver ever meets a total it cannot hold:
# `credits_high` sums the ten-thousandths divided by CREDITS_SPLIT, `credits_low` the remainders.
CREDITS_SPLIT = 10**8
CREDITS_SUM_SQL = (
    f"COALESCE(SUM(credits_e4 / {CREDITS_SPLIT}), 0) AS credits_high, "
    f"COALESCE(SUM(credits_e4 % {CREDITS_SPLIT}), 0) AS credits_low"
)


def credits_of_row(row: Mapping[str, Any]) -> int:
    """The exact credit total (ten-thousandths) of a row selected with CREDITS_SUM_SQL."""
    return int(row["credits_high"]) * CREDITS_SPLIT + int(row["credits_low"])


_INT64_MAX = int(np.iinfo(np.int64).max)


def prefix_sums(values: Sequence[int] | NDArray[Any]) -> NDArray[Any]:
    """[0, v0, v0 + v1, ...] exactly: 64-bit integers when every partial sum fits (the values
    are non-negative, so the total bounds them), Python integers otherwise (numpy would wrap
    around without a word)."""
    as_ints = [int(v) for v in values] if not isinstance(values, np.ndarray) else None
    if as_ints is None:
        array: NDArray[Any] = values  # type: ignore[assignment]
        fits = len(array) == 0 or int(array.max()) <= _INT64_MAX // max(len(array), 1)
    else:
        fits = sum(as_ints) <= _INT64_MAX
        array = np.array(as_ints, dtype=np.int64 if fits else object)
    if fits:
        return np.concatenate([[0], np.cumsum(array, dtype=np.int64)]).astype(np.int64)
    exact = array.astype(object)
    return np.concatenate([np.array([0], dtype=object), np.cumsum(exact)])


CREDIT_SCALE: int = 10**CREDIT_PLACES


def e4_to_credits(value: int) -> Decimal:
    """Ten-thousandths of a credit as a Decimal, exact at any size: no rounding context
    applies to building a Decimal from digits."""
    sign = "-" if value < 0 else ""
    whole, places = divmod(abs(value), CREDIT_SCALE)
    return Decimal(f"{sign}{whole}.{places:0{CREDIT_PLACES}d}")


@dataclass(frozen=True)
class Usage:
    targeted_guests: int
    processed: int
    credits_e4: int  # ten-thousandths of a credit: integers add up exactly

    @property
    def credits_consumed(self) -> Decimal:
        return e4_to_credits(self.credits_e4)


NO_USAGE = Usage(0, 0, 0)
