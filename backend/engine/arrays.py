"""One campaign's usage in arrays: its visits by day and its (center, day) cells, built from the
derived rows and extended with the rows each batch writes.

Visits are five parallel arrays sorted by day (12 bytes a visit): day, center (a position in
`centers`), guest key, and the days of the guest's previous visit to the campaign and to the
center (0 for none). Days are day numbers, which fit 16 bits until 2149 (the ledger accepts
no message before 2000). Cells are sorted by (center, day) with prefix sums, so one center's
window is two lookups; per-day sums over all centers are kept beside them. Credits are
integers (ten-thousandths): 64-bit while the campaign's total fits, Python integers beyond.

A merge builds new arrays and never changes old ones, so a report reading the previous
arrays in another thread is never disturbed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.usage import prefix_sums

MAX_DAY = int(np.iinfo(np.uint16).max)
_INT64_MAX = int(np.iinfo(np.int64).max)


class NotIndexable(Exception):
    """A campaign whose arrays cannot hold it (a business day outside 1970 to 2149, or more than
    65,535 centers); SQL answers for it."""


@dataclass(frozen=True)
class Visits:
    """Visit rows as arrays, in any order (centers as positions)."""

    days: NDArray[np.uint16]
    centers: NDArray[np.uint16]
    guests: NDArray[np.int32]
    previous: NDArray[np.uint16]
    previous_center: NDArray[np.uint16]

    @staticmethod
    def of(rows: Sequence[tuple[int, int, int, int, int]]) -> Visits:
        """From (center position, guest key, day, previous day, previous center day) rows."""
        table = np.array(rows, dtype=np.int64).reshape(-1, 5)
        return Visits.from_columns(table[:, 0], table[:, 1], table[:, 2], table[:, 3], table[:, 4])

    @staticmethod
    def from_columns(
        centers: NDArray[Any],
        guests: NDArray[Any],
        days: NDArray[Any],
        previous: NDArray[Any],
        previous_center: NDArray[Any],
    ) -> Visits:
        for column in (days, previous, previous_center):
            if len(column) and (int(column.min()) < 0 or int(column.max()) > MAX_DAY):
                raise NotIndexable
        return Visits(
            days=days.astype(np.uint16),
            centers=centers.astype(np.uint16),
            guests=guests.astype(np.int32),
            previous=previous.astype(np.uint16),
            previous_center=previous_center.astype(np.uint16),
        )

    def slice(self, start: int, end: int) -> Visits:
        """Rows [start, end), as views of these arrays."""
        return Visits(
            self.days[start:end],
            self.centers[start:end],
            self.guests[start:end],
            self.previous[start:end],
            self.previous_center[start:end],
        )

    def take(self, order: NDArray[Any]) -> Visits:
        return Visits(
            self.days[order],
            self.centers[order],
            self.guests[order],
            self.previous[order],
            self.previous_center[order],
        )

    @staticmethod
    def join(parts: Sequence[Visits]) -> Visits:
        return Visits(
            *(
                np.concatenate([getattr(part, name) for part in parts])
                for name in ("days", "centers", "guests", "previous", "previous_center")
            )
        )

    def keys(self) -> NDArray[Any]:
        """(day, center, guest) as one sortable key."""
        return (
            (self.days.astype(np.uint64) << np.uint64(48))
            | (self.centers.astype(np.uint64) << np.uint64(32))
            | self.guests.astype(np.uint64)
        )


@dataclass(frozen=True)
class Cells:
    """(center, day) cells sorted by center << 16 | day, with their sums."""

    keys: NDArray[np.int64]
    messages: NDArray[np.int64]
    processed: NDArray[np.int64]
    credits: NDArray[Any]  # 64-bit, or Python integers when the total outgrows them

    @staticmethod
    def of(rows: Sequence[tuple[int, int, int, int, int]]) -> Cells:
        """From (center position, day, messages, processed, credits) rows, in any order."""
        table = [list(column) for column in zip(*rows, strict=True)] or [[], [], [], [], []]
        return Cells.from_columns(
            np.array(table[0], dtype=np.int64),
            np.array(table[1], dtype=np.int64),
            np.array(table[2], dtype=np.int64),
            np.array(table[3], dtype=np.int64),
            exact_array(table[4]),
        )

    @staticmethod
    def from_columns(
        centers: NDArray[np.int64],
        days: NDArray[np.int64],
        messages: NDArray[np.int64],
        processed: NDArray[np.int64],
        credits: NDArray[Any],
    ) -> Cells:
        if len(days) and (int(days.min()) <= 0 or int(days.max()) > MAX_DAY):
            raise NotIndexable
        keys = (centers << 16) | days
        order = np.argsort(keys, kind="stable")
        return Cells(keys[order], messages[order], processed[order], credits[order])


def exact_array(values: Sequence[int] | NDArray[Any]) -> NDArray[Any]:
    """Non-negative integers as 64-bit when their total fits, else as Python integers."""
    as_list = [int(v) for v in values]
    return np.array(as_list, dtype=np.int64 if sum(as_list) <= _INT64_MAX else object)


def credits_from_parts(high: NDArray[np.int64], low: NDArray[np.int64], split: int) -> NDArray[Any]:
    """high x split + low, exactly: 64-bit while the total fits, Python integers beyond."""
    if len(high) == 0:
        return np.zeros(0, dtype=np.int64)
    if int(high.max()) < _INT64_MAX // split // max(len(high), 1) // 2:
        return high * split + low
    return exact_array([int(h) * split + int(lo) for h, lo in zip(high, low, strict=True)])


@dataclass(frozen=True)
class CampaignUsage:
    version: int
    seq: int
    centers: tuple[str, ...]
    visits: Visits  # by day
    max_guest: int  # -1 without visits
    # Cells as center << 16 | day, ascending, and prefix sums over them (a cell's own sums are
    # differences of these: keeping both would double the cells' memory).
    cell_keys: NDArray[np.uint32]
    messages_before: NDArray[np.int64]
    processed_before: NDArray[np.int64]
    credits_before: NDArray[Any]
    # Per business day over every center: days with messages, ascending, and prefix sums.
    days: NDArray[np.int64]
    day_messages_before: NDArray[np.int64]
    day_processed_before: NDArray[np.int64]
    day_credits_before: NDArray[Any]

    def cells(self) -> Cells:
        """The cells with their own sums, rebuilt from the prefix sums."""
        return Cells(
            keys=self.cell_keys.astype(np.int64),
            messages=np.diff(self.messages_before),
            processed=np.diff(self.processed_before),
            credits=np.diff(self.credits_before),
        )

    def center_positions(self, center_ids: frozenset[str] | None) -> list[int]:
        """Positions of those of `center_ids` the campaign has (all for None)."""
        if center_ids is None:
            return list(range(len(self.centers)))
        return [at for at, center in enumerate(self.centers) if center in center_ids]


def build(
    version: int, seq: int, centers: Sequence[str], visits: Visits, cells: Cells
) -> CampaignUsage:
    if len(centers) > MAX_DAY:
        raise NotIndexable
    by_day = np.argsort(visits.days, kind="stable")
    return assemble(version, seq, tuple(centers), visits.take(by_day), cells)


def assemble(
    version: int, seq: int, centers: tuple[str, ...], visits: Visits, cells: Cells
) -> CampaignUsage:
    """The arrays from visits already by day and cells already by key."""
    days = (cells.keys & MAX_DAY).astype(np.int64)
    by_day = np.argsort(days, kind="stable")
    sorted_days = days[by_day]
    distinct, starts = np.unique(sorted_days, return_index=True)

    def per_day(values: NDArray[Any]) -> NDArray[Any]:
        if len(distinct) == 0:
            return values[:0]
        return np.add.reduceat(values[by_day], starts)

    day_credits = per_day(cells.credits)
    return CampaignUsage(
        version=version,
        seq=seq,
        centers=centers,
        visits=visits,
        max_guest=int(visits.guests.max()) if len(visits.guests) else -1,
        cell_keys=cells.keys.astype(np.uint32),
        messages_before=prefix_sums(cells.messages),
        processed_before=prefix_sums(cells.processed),
        credits_before=prefix_sums(cells.credits),
        days=distinct.astype(np.int64),
        day_messages_before=prefix_sums(per_day(cells.messages)),
        day_processed_before=prefix_sums(per_day(cells.processed)),
        day_credits_before=prefix_sums(day_credits),
    )


def merge(
    usage: CampaignUsage,
    seq: int,
    centers: Sequence[str],
    changed_visits: Visits,
    changed_cells: Cells,
) -> CampaignUsage:
    """`usage` with the rows a batch (or several) wrote: new visits and visits whose previous
    days moved, new cells and cells whose sums changed. `centers` extends `usage.centers`."""
    if len(centers) > MAX_DAY:
        raise NotIndexable
    visits = _merge_visits(usage.visits, changed_visits)
    cells = _merge_cells(usage.cells(), changed_cells)
    return assemble(usage.version, seq, tuple(centers), visits, cells)


def _merge_visits(old: Visits, changed: Visits) -> Visits:
    if len(changed.days) == 0:
        return old
    # Visits are by day and batches mostly touch the newest days: everything before the first
    # touched day stays as it is, and only the rest is merged and sorted again.
    split = int(old.days.searchsorted(changed.days.min(), "left"))
    head, tail = old.slice(0, split), old.slice(split, len(old.days))
    # Every visit of a day a change touches is taken out and put back merged with the
    # changes (a changed row replaces the stored one with its key).
    touched = np.zeros(MAX_DAY + 1, dtype=np.bool_)
    touched[changed.days] = True
    in_touched = touched[tail.days]
    both = Visits.join([tail.take(np.flatnonzero(in_touched)), changed])
    keys = both.keys()
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    last = np.ones(len(order), dtype=np.bool_)
    last[:-1] = sorted_keys[:-1] != sorted_keys[1:]
    merged = Visits.join([tail.take(np.flatnonzero(~in_touched)), both.take(order[last])])
    return Visits.join([head, merged.take(np.argsort(merged.days, kind="stable"))])


def _merge_cells(old: Cells, changed: Cells) -> Cells:
    if len(changed.keys) == 0:
        return old
    at = np.searchsorted(old.keys, changed.keys)
    found = at < len(old.keys)
    found[found] = old.keys[at[found]] == changed.keys[found]
    total = int(old.credits.sum()) + int(changed.credits.sum())
    dtype: Any = np.int64 if total <= _INT64_MAX else object
    messages, processed = old.messages.copy(), old.processed.copy()
    credits = old.credits.astype(dtype)
    messages[at[found]] = changed.messages[found]
    processed[at[found]] = changed.processed[found]
    credits[at[found]] = changed.credits[found].astype(dtype)
    new = ~found
    if not new.any():
        return Cells(old.keys, messages, processed, credits)
    where = at[new]
    return Cells(
        keys=np.insert(old.keys, where, changed.keys[new]),
        messages=np.insert(messages, where, changed.messages[new]),
        processed=np.insert(processed, where, changed.processed[new]),
        credits=np.insert(credits, where, changed.credits[new].astype(dtype)),
    )
