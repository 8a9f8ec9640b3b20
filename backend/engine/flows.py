"""Answers over several campaigns' arrays together, day by day: how many distinct guests each
day of a window had across all of them, in a scope.

`queries.by_day` counts a guest once a day within one campaign; a guest reached by two
campaigns on one day must count once in their sum, so the (day, guest) pairs of every
campaign's visits in scope are united here. Reads only the arrays' public fields.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from backend.engine.arrays import CampaignUsage
from backend.engine.queries import Scope, Window


def _day_guest_pairs(usage: CampaignUsage, scope: Scope, window: Window) -> NDArray[np.int64]:
    """day << 32 | guest key for each of the campaign's visits in scope and window (a visit is
    one guest at one center on one day, so a guest may appear once per center)."""
    visits = usage.visits
    lo = int(visits.days.searchsorted(np.uint16(window.start), "left"))
    hi = int(visits.days.searchsorted(np.uint16(window.end), "right"))
    days = visits.days[lo:hi].astype(np.int64)
    guests = visits.guests[lo:hi].astype(np.int64)
    if scope is not None:
        in_scope = np.zeros(len(usage.centers), dtype=np.bool_)
        in_scope[usage.center_positions(scope)] = True
        chosen = in_scope[visits.centers[lo:hi]]
        days, guests = days[chosen], guests[chosen]
    pairs: NDArray[np.int64] = (days << 32) | guests
    return pairs


def guests_by_day(
    usages: Mapping[str, CampaignUsage], scope: Scope, window: Window
) -> dict[int, int]:
    """Per day number with visits in scope: the distinct guests of all the campaigns together."""
    if window.empty or not usages:
        return {}
    pairs = np.concatenate([_day_guest_pairs(usage, scope, window) for usage in usages.values()])
    if len(pairs) == 0:
        return {}
    # Sorted and compared with the neighbour rather than np.unique, whose hash-based path is
    # several times slower on a year of visits.
    pairs.sort()
    first = np.ones(len(pairs), dtype=np.bool_)
    first[1:] = pairs[1:] != pairs[:-1]
    days = pairs[first] >> 32
    starts = np.flatnonzero(np.concatenate(([True], days[1:] != days[:-1])))
    counts = np.diff(np.append(starts, len(days)))
    return {int(days[at]): int(n) for at, n in zip(starts, counts, strict=True)}
