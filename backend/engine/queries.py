"""Answers from a campaign's arrays (backend/engine/arrays.py) for a scope and a window of day
numbers: the campaign's numbers, per center, per day, and guests for totals over campaigns.

A scope is None (every center: the organization) or a set of center ids (a zone, a center, a
narrowed organization). Distinct guests: at organization scope, the visits in [a, b] whose
previous visit to the campaign is before a; in one center, those whose previous visit there
is before a; in several centers, the distinct guest keys of their visits in the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backend.engine.arrays import MAX_DAY, CampaignUsage
from backend.usage import Usage

Scope = frozenset[str] | None


@dataclass(frozen=True)
class Window:
    """Day numbers [start, end], clipped to those the arrays hold (empty when end < start)."""

    start: int
    end: int

    @staticmethod
    def of(start: int, end: int) -> Window:
        return Window(max(start, 1), min(end, MAX_DAY))

    @property
    def empty(self) -> bool:
        return self.end < self.start


def _visit_span(usage: CampaignUsage, window: Window) -> tuple[int, int]:
    days = usage.visits.days
    return (
        int(days.searchsorted(np.uint16(window.start), "left")),
        int(days.searchsorted(np.uint16(window.end), "right")),
    )


def _cell_spans(
    usage: CampaignUsage, positions: list[int], window: Window
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    # Searched with 32-bit values: wider ones would make numpy widen the whole array.
    centers = np.array(positions, dtype=np.uint32) << np.uint32(16)
    keys = usage.cell_keys
    return (
        keys.searchsorted(centers | np.uint32(window.start), "left"),
        keys.searchsorted(centers | np.uint32(window.end), "right"),
    )


class GuestMarks:
    """A bitmap of guest keys, reused between calls (none awaits inside): distinct guests over
    several centers or campaigns are the keys marked."""

    def __init__(self) -> None:
        self._seen = np.zeros(0, dtype=np.bool_)

    def start(self, max_guest: int) -> NDArray[np.bool_]:
        if len(self._seen) <= max_guest:
            self._seen = np.zeros(max_guest + 1, dtype=np.bool_)
        seen = self._seen[: max_guest + 1]
        seen[:] = False
        return seen


_marks = GuestMarks()


def _scope_guests(usage: CampaignUsage, scope: Scope, window: Window) -> NDArray[Any]:
    """Guest keys of the window's visits in scope, each (guest) at most once per center set
    when the scope is the organization or one center, with repeats otherwise."""
    lo, hi = _visit_span(usage, window)
    visits = usage.visits
    if scope is None:
        first = visits.previous[lo:hi] < np.uint16(window.start)
        return visits.guests[lo:hi][first]
    positions = usage.center_positions(scope)
    if not positions:
        return visits.guests[:0]
    if len(positions) == 1:
        here: NDArray[np.bool_] = (visits.centers[lo:hi] == np.uint16(positions[0])) & (
            visits.previous_center[lo:hi] < np.uint16(window.start)
        )
        return visits.guests[lo:hi][here]
    in_scope = np.zeros(len(usage.centers), dtype=np.bool_)
    in_scope[positions] = True
    return visits.guests[lo:hi][in_scope[visits.centers[lo:hi]]]


def _distinct(guests: NDArray[np.int32], max_guest: int, repeats: bool) -> int:
    if not repeats or len(guests) == 0:
        return len(guests)
    seen = _marks.start(max_guest)
    seen[guests] = True
    return int(np.count_nonzero(seen))


def _sums(usage: CampaignUsage, scope: Scope, window: Window) -> tuple[int, int, int]:
    """(messages, processed, credits) in scope over the window."""
    if scope is None:
        days = usage.days
        lo = int(days.searchsorted(window.start, "left"))
        hi = int(days.searchsorted(window.end, "right"))
        return (
            int(usage.day_messages_before[hi] - usage.day_messages_before[lo]),
            int(usage.day_processed_before[hi] - usage.day_processed_before[lo]),
            int(usage.day_credits_before[hi]) - int(usage.day_credits_before[lo]),
        )
    positions = usage.center_positions(scope)
    if not positions:
        return 0, 0, 0
    starts, ends = _cell_spans(usage, positions, window)
    return (
        _total(usage.messages_before[ends] - usage.messages_before[starts]),
        _total(usage.processed_before[ends] - usage.processed_before[starts]),
        _total(usage.credits_before[ends] - usage.credits_before[starts]),
    )


def _total(values: NDArray[Any]) -> int:
    """The exact sum: Python integers hold any total; 64-bit arrays are used only while the
    campaign's whole total fits them (backend/engine/arrays.py)."""
    return sum(int(v) for v in values) if values.dtype == object else int(values.sum())


def counts(usage: CampaignUsage, scope: Scope, window: Window) -> Usage | None:
    """The campaign's numbers in scope over the window; None without a message there."""
    found = counts_and_guests(usage, scope, window)
    return None if found is None else found[0]


def counts_and_guests(
    usage: CampaignUsage, scope: Scope, window: Window
) -> tuple[Usage, NDArray[np.int32]] | None:
    """`counts`, and guest keys whose distinct values are the window's guests in scope."""
    if window.empty:
        return None
    messages, processed, credits = _sums(usage, scope, window)
    if messages == 0:
        return None
    guests = _scope_guests(usage, scope, window)
    repeats = scope is not None and len(usage.center_positions(scope)) > 1
    return Usage(_distinct(guests, usage.max_guest, repeats), processed, credits), guests


def report(
    usages: Mapping[str, CampaignUsage], scope: Scope, window: Window
) -> tuple[dict[str, Usage], Usage]:
    """Each campaign's numbers (campaigns without messages left out) and the numbers over all
    of them, where a guest reached by two campaigns counts once."""
    each: dict[str, Usage] = {}
    found_guests: list[NDArray[np.int32]] = []
    for campaign_id, usage in usages.items():
        found = counts_and_guests(usage, scope, window)
        if found is not None:
            each[campaign_id], guests = found
            found_guests.append(guests)
    max_guest = max((usages[c].max_guest for c in each), default=-1)
    seen = _marks.start(max_guest)
    for guests in found_guests:
        seen[guests] = True
    return each, Usage(
        int(np.count_nonzero(seen)),
        sum(c.processed for c in each.values()),
        sum(c.credits_e4 for c in each.values()),
    )


def by_center(usage: CampaignUsage, scope: Scope, window: Window) -> dict[str, Usage]:
    """Each center's numbers in the window, for the centers in scope with messages in it."""
    positions = usage.center_positions(scope)
    if window.empty or not positions:
        return {}
    lo, hi = _visit_span(usage, window)
    visits = usage.visits
    first = visits.previous_center[lo:hi] < np.uint16(window.start)
    guests_at = np.bincount(visits.centers[lo:hi][first], minlength=len(usage.centers))
    c_lo, c_hi = _cell_spans(usage, positions, window)
    found: dict[str, Usage] = {}
    for at, low, high in zip(positions, c_lo, c_hi, strict=True):
        if int(usage.messages_before[high]) == int(usage.messages_before[low]):
            continue
        found[usage.centers[at]] = Usage(
            int(guests_at[at]),
            int(usage.processed_before[high]) - int(usage.processed_before[low]),
            int(usage.credits_before[high]) - int(usage.credits_before[low]),
        )
    return found


def by_day(usage: CampaignUsage, scope: Scope, window: Window) -> dict[int, Usage]:
    """Per day number of the window with messages in scope: a guest counts once on each of
    its days."""
    positions = usage.center_positions(scope)
    if window.empty or not positions:
        return {}
    lo, hi = _visit_span(usage, window)
    visits = usage.visits
    days = visits.days[lo:hi]
    if scope is None:
        guests_on = _per_day(days[visits.previous[lo:hi] < days])
        return _with_day_sums(usage, window, guests_on)
    in_scope = np.zeros(len(usage.centers), dtype=np.bool_)
    in_scope[positions] = True
    chosen = in_scope[visits.centers[lo:hi]]
    if len(positions) == 1:
        guests_on = _per_day(days[chosen])  # one visit per guest and day at one center
    else:
        pairs = np.unique(
            (days[chosen].astype(np.int64) << 32) | visits.guests[lo:hi][chosen].astype(np.int64)
        )
        guests_on = _per_day((pairs >> 32).astype(np.uint16))
    c_lo, c_hi = _cell_spans(usage, positions, window)
    at = np.concatenate(
        [np.arange(low, high, dtype=np.intp) for low, high in zip(c_lo, c_hi, strict=True)]
    )
    # A cell's own sums are differences of the prefix sums.
    at = at[usage.messages_before[at + 1] - usage.messages_before[at] > 0]
    cell_days = usage.cell_keys[at] & MAX_DAY
    order = np.argsort(cell_days, kind="stable")
    day_values, starts = np.unique(cell_days[order], return_index=True)
    if len(day_values) == 0:
        return {}
    cell_processed = usage.processed_before[at + 1] - usage.processed_before[at]
    cell_credits = usage.credits_before[at + 1] - usage.credits_before[at]
    processed = np.add.reduceat(cell_processed[order], starts)
    credits = np.add.reduceat(cell_credits[order], starts)
    return {
        int(day): Usage(guests_on.get(int(day), 0), int(p), int(c))
        for day, p, c in zip(day_values, processed, credits, strict=True)
    }


def _per_day(days: NDArray[np.uint16]) -> dict[int, int]:
    values, times = np.unique(days, return_counts=True)
    return {int(day): int(n) for day, n in zip(values, times, strict=True)}


def _with_day_sums(
    usage: CampaignUsage, window: Window, guests_on: dict[int, int]
) -> dict[int, Usage]:
    days = usage.days
    lo = int(days.searchsorted(window.start, "left"))
    hi = int(days.searchsorted(window.end, "right"))
    messages = np.diff(usage.day_messages_before[lo : hi + 1])
    processed = np.diff(usage.day_processed_before[lo : hi + 1])
    credits = np.diff(usage.day_credits_before[lo : hi + 1])
    return {
        int(day): Usage(guests_on.get(int(day), 0), int(p), int(c))
        for day, n, p, c in zip(days[lo:hi], messages, processed, credits, strict=True)
        if int(n)
    }


def credits_by_day(
    usage: CampaignUsage, start: int, end: int
) -> tuple[int, NDArray[np.int64], NDArray[Any], int]:
    """At organization scope: credits before day `start`, the days of [start, end] with
    messages and their credits (64-bit, or Python integers beyond), and credits after `end`."""
    days = usage.days
    before = usage.day_credits_before
    lo = int(days.searchsorted(start, "left"))
    hi = int(days.searchsorted(end, "right"))
    return (
        int(before[lo]),
        days[lo:hi],
        np.diff(before[lo : hi + 1]),
        int(before[-1]) - int(before[hi]),
    )
