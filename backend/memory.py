"""Memory management of a long-running server that handles large requests: Python's garbage
collector, and glibc's allocator.

CPython's full collections walk every container object alive, and it runs a young collection
every 700 new container objects. A server process holds a few hundred thousand long-lived
objects (the modules, the schema, the catalog), and a `recordMessages` batch makes about
100,000 short-lived ones: a batch paid for over a hundred collections, and the full ones walked
the same long-lived objects again and found nothing. So, once the server has started, what it
holds is frozen out of every later collection, and collections run less often.

Collecting less often only works because requests do not leave large garbage in reference
cycles: graphql-core's executor was one, holding each request's variables (20,000 dicts for a
batch) until an older generation was collected; with it and these thresholds the server's peak
memory on `large` went from about 270 to 340 MB, so `backend/api/execution.py` breaks that
cycle when an operation ends. Measured on `small`, 2 batches in flight, alternating runs: about
33,400 messages/s with the freeze alone, 36,500 with both, at the same peak memory (273 and
281 MB on `large`).

glibc's `malloc` serves a large block with its own `mmap`, returned to the system when freed,
but after the first such free it raises that threshold to the block's size (up to 32 MB), so
the next index arrays of that size come from the heap and their pages stay with the process
after they are freed. Rebuilding the usage index after an ingest then left the server about
70 MB larger for good (`large`: 312 MB after the post-ingest reports; 243 MB with the threshold
held at its default of 128 KiB). Holding it is what the `MALLOC_MMAP_THRESHOLD_` environment
variable does; `mallopt` does it from inside, so `credit-report serve` needs no wrapper.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

# New container objects between young collections (CPython's default is 700), and collections
# of one generation between collections of the next (default 10).
YOUNG_THRESHOLD = 20_000
OLDER_THRESHOLD = 20


# mallopt's parameter for the mmap threshold (glibc's malloc.h), and glibc's default value.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024

logger = logging.getLogger(__name__)


def tune_memory_management() -> None:
    """Collect once, freeze what the process holds out of every later collection, collect less
    often, and hold glibc's mmap threshold. Call once, when the server has started."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
    hold_mmap_threshold()


def hold_mmap_threshold() -> bool:
    """Keep glibc's mmap threshold at its default instead of letting it grow; False where the C
    library is not glibc (nothing to do there)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        return False
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1:
        logger.warning("mallopt refused the mmap threshold; memory may stay with the process")
        return False
    return True
