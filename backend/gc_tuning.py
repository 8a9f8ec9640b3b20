"""Python's garbage collector, set for a long-running server that handles large requests.

CPython's full collections walk every container object alive. A server process holds a few
hundred thousand long-lived ones (the modules, the schema, the catalog), and a
`recordMessages` batch makes about 100,000 short-lived ones, enough to trigger full collections
that walked the same long-lived objects again and found nothing. Freezing what the process
holds once it has started moves those objects out of every later collection: on the benchmark
machine, 2 batches in flight on `small` went from about 32,500 to 33,000-35,000 messages/s, and
the report figures gained too (docs/benchmarks.md).

The collection thresholds stay CPython's own. Collecting less often (20,000 allocations between
young collections, 20 between older ones) was a little faster still but raised the server's
peak memory on `large` from about 270 to 340-400 MB: garbage in reference cycles that holds
large arrays (a replaced index, a finished batch) then lives much longer, and the thresholds
count objects, not bytes.
"""

from __future__ import annotations

import gc


def tune_garbage_collector() -> None:
    """Collect once, then freeze what the process holds out of every later collection. Call
    once, when the server has started; objects made afterwards are collected as usual."""
    gc.collect()
    gc.freeze()
