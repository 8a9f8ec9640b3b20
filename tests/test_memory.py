"""The served app tunes its memory management when it starts (backend/memory.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app import create_app
from backend.memory import OLDER_THRESHOLD, YOUNG_THRESHOLD, hold_mmap_threshold
from backend.settings import Settings


@pytest.fixture
def restored_collector() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("restored_collector")
async def test_starting_the_app_freezes_start_up_objects_and_collects_less_often(
    tmp_path: Path,
) -> None:
    assert gc.get_freeze_count() == 0
    app = create_app(Settings(database_url=f"sqlite://{tmp_path / 'gc.db'}"))
    async with app.router.lifespan_context(app):
        assert gc.get_threshold() == (YOUNG_THRESHOLD, OLDER_THRESHOLD, OLDER_THRESHOLD)
        # The schema, the modules and the catalog are out of every later collection.
        assert gc.get_freeze_count() > 10_000
        # Cyclic garbage made after start-up is still collected.
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1


def test_the_mmap_threshold_is_held_on_glibc() -> None:
    # This machine's Python runs on glibc (Debian); mallopt answers 1 when it took the value.
    assert hold_mmap_threshold() is True
