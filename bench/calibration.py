"""How much CPU the machine gives right now: shared cloud machines vary from hour to hour (on
2026-12-01 the second core of the benchmark machine gave between half and all of a core), and a
run's milliseconds only mean something next to such a reading. The ratios to the floor are what
hold; this says how far the absolute figures can be compared with another run's."""

from __future__ import annotations

import subprocess
import sys
import time

# A fixed amount of pure-Python work (about half a second on the benchmark machine).
_LOOP = "s = 0\nfor i in range(10_000_000):\n    s += i\n"


def _time_processes(count: int) -> list[float]:
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-c", _LOOP]) for _ in range(count)]
    finished = []
    for process in processes:
        process.wait()
        finished.append(time.perf_counter() - started)
    return finished


def cpu_check() -> dict[str, float]:
    """Seconds for the loop alone, and for the slower of two copies run at once."""
    alone = min(_time_processes(1)[0] for _ in range(2))
    together = max(_time_processes(2))
    return {"alone_s": round(alone, 2), "two_at_once_s": round(together, 2)}


def describe(check: dict[str, float] | None) -> str:
    if not check:
        return "not measured"
    return f"{check['alone_s']:.2f} s alone, {check['two_at_once_s']:.2f} s two at once"
