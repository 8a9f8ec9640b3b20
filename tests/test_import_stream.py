"""`credit-report import`: JSON Lines read as a stream in flat memory, every problem of every
row named by the line a text editor shows it on, unknown keys refused, nothing stored from a
file with any problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.factories import hierarchy, message
from tests.test_cli import numbers

# Prints the process's peak resident memory (KiB) on standard error as it exits.
PEAK_MEMORY = (
    "import atexit, resource, sys; atexit.register(lambda: print('peak-kib', "
    "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
    "from backend.cli import main; main()"
)


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_REPORT_")}
    return subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def _base(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(hierarchy()))
    result = cli("import", str(path), database_url=database_url)
    assert result.returncode == 0, result.stderr


def _problems(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if not line.startswith("peak-kib")]


def _lines(path: Path, rows: list[Any]) -> None:
    path.write_text("".join(r if isinstance(r, str) else json.dumps(r) + "\n" for r in rows))


def test_every_problem_of_every_row_by_its_line_and_nothing_stored(
    database_url: str, tmp_path: Path
) -> None:
    _base(database_url, tmp_path)
    path = tmp_path / "messages.jsonl"
    _lines(
        path,
        [
            message("m-1"),
            "\n",  # a blank line still counts as a line
            "{not json\n",
            {
                **message("m-2", sent_at="2026-03-01T10:00:00"),
                "credits": "2.50",
                "channel": "SMS",
            },
            message("m-3", campaign_id="cmp-nope"),
            {**message("m-4", campaign_id="cmp-nope"), "outcome": "LOST"},
            message("m-5", guest_id="g-5"),
        ],
    )
    # credits as a JSON number 2.50, written as such.
    path.write_text(path.read_text().replace('"credits": "2.50"', '"credits": 2.50'))
    problems = _problems(cli("import", str(path), database_url=database_url))
    assert problems == [
        "line 3: not JSON (unexpected character, expected a string key, column 2)",
        'line 4: unknown field "channel"',
        'line 4: sentAt "2026-03-01T10:00:00" has no UTC offset; send e.g. +05:30 or Z',
        'line 4: credits 2.50 is a JSON number: send a string of digits such as "12.5" (a '
        "number may already have lost precision)",
        'line 5: unknown campaign "cmp-nope"',
        'line 6: outcome "LOST" is not one of PROCESSED, FAILED, SKIPPED',
        'line 6: unknown campaign "cmp-nope"',
        "credit-report: error: rejected, nothing stored (7 problems above)",
    ]
    assert numbers(database_url)["rows"] == 0


def test_problems_in_every_batch_are_named(database_url: str, tmp_path: Path) -> None:
    """A rejected batch does not end the check: rows after it are checked too."""
    _base(database_url, tmp_path)
    rows: list[Any] = [message(f"m-{i}", guest_id=f"g-{i % 50}") for i in range(12_000)]
    rows[2] = {**rows[2], "note": "unknown key"}
    rows[11_000] = {**rows[11_000], "credits": "-1"}
    path = tmp_path / "messages.jsonl"
    _lines(path, rows)
    problems = _problems(cli("import", str(path), database_url=database_url))
    assert problems == [
        'line 3: unknown field "note"',
        'line 11001: credits "-1" is negative',
        "credit-report: error: rejected, nothing stored (2 problems above)",
    ]
    assert numbers(database_url)["rows"] == 0


def test_a_document_names_every_problem_of_its_messages(database_url: str, tmp_path: Path) -> None:
    document = hierarchy(
        messages=[
            message("m-1"),
            {**message("m-2", guest_id=""), "priority": 1, "credits": "1.23456"},
        ]
    )
    path = tmp_path / "data.json"
    path.write_text(json.dumps(document))
    problems = _problems(cli("import", str(path), database_url=database_url))
    assert problems == [
        'messages[1]: unknown field "priority"',
        'messages[1]: guestId "" must be 1 to 200 printable characters (no control characters)',
        'messages[1]: credits "1.23456" has more than 4 decimal places',
        "credit-report: error: rejected, nothing stored (3 problems above)",
    ]


def test_a_single_line_of_json_lines_is_a_message(database_url: str, tmp_path: Path) -> None:
    _base(database_url, tmp_path)
    path = tmp_path / "one.jsonl"
    _lines(path, [message("m-1")])
    result = cli("import", str(path), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "1 messages (1 new, 0 restated)" in result.stdout
    # A one-line document is still a document.
    path.write_text(json.dumps({"messages": [message("m-2")]}))
    result = cli("import", str(path), database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert numbers(database_url)["rows"] == 2


def _peak_kib(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    (line,) = (line for line in result.stderr.splitlines() if line.startswith("peak-kib"))
    return int(line.split()[1])


def test_memory_stays_flat_whatever_the_size_of_a_json_lines_file(
    database_url: str, tmp_path: Path
) -> None:
    _base(database_url, tmp_path)
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    for path, count, prefix in ((small, 20_000, "s"), (large, 200_000, "l")):
        with path.open("w") as file:
            for i in range(count):
                row = message(f"{prefix}-{i}", guest_id=f"g-{i % 5000}", credits="0.25")
                file.write(json.dumps(row) + "\n")
    small_peak = _peak_kib(cli("import", str(small), database_url=database_url))
    large_run = cli("import", str(large), database_url=database_url)
    large_peak = _peak_kib(large_run)
    assert "200,000 messages (200,000 new, 0 restated)" in large_run.stdout
    # Ten times the file (38 MB) costs at most a few batches more; a whole read of it would
    # cost hundreds of megabytes.
    assert large_peak - small_peak < 40 * 1024, (small_peak, large_peak)
    assert numbers(database_url)["rows"] == 220_000
