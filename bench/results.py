"""A run's results as a Markdown section, and its place in docs/benchmarks.md.

Each (preset, database) pair owns one section between HTML comment markers, so re-running a
benchmark replaces its own figures and leaves the rest of the page, written by people, alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bench.calibration import describe

if TYPE_CHECKING:
    from bench.run import RunResult

MB = 2**20


def _check(met: bool) -> str:
    return "met" if met else "**missed**"


def targets(result: RunResult) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for every scale target that this run can judge."""
    by_key = {op.key: op for op in result.ops}
    rows: list[tuple[str, str, str]] = []
    org = by_key.get("report-org")
    if org is not None:
        rows.append(
            (
                "report page, org scope: p50 ≤ 100 ms",
                f"{org.product.p50_ms:.1f} ms",
                _check(org.product.p50_ms <= 100),
            )
        )
        if org.ratio is not None:
            rows.append(
                (
                    "report page, org scope: ≤ 0.5x floor",
                    f"{org.ratio:.2f}x",
                    _check(org.ratio <= 0.5),
                )
            )
    center = by_key.get("report-center")
    if center is not None:
        rows.append(
            (
                "report page, center scope: p50 ≤ 30 ms",
                f"{center.product.p50_ms:.1f} ms",
                _check(center.product.p50_ms <= 30),
            )
        )
    for key in ("drilldown-centers", "drilldown-dates"):
        op = by_key.get(key)
        if op is None:
            continue
        label = "center" if key.endswith("centers") else "date"
        rows.append(
            (
                f"{label} drilldown: p50 ≤ 30 ms",
                f"{op.product.p50_ms:.1f} ms",
                _check(op.product.p50_ms <= 30),
            )
        )
        if op.ratio is not None:
            rows.append(
                (f"{label} drilldown: ≤ 1.5x floor", f"{op.ratio:.2f}x", _check(op.ratio <= 1.5))
            )
    rows.append(
        (
            "ingest through recordMessages: ≥ 30,000 messages/s",
            f"{result.ingest_rate:,.0f} messages/s ({result.ingest_in_flight} batches in flight; "
            f"one at a time: {result.ingest_sequential_rate:,.0f})",
            _check(result.ingest_rate >= 30_000),
        )
    )
    if result.concurrency is not None:
        c = result.concurrency
        rows.append(
            (
                "10 concurrent clients: ≥ 50 requests/s",
                f"{c.per_second:.1f} req/s",
                _check(c.per_second >= 50),
            )
        )
        spread = c.latency.p99_ms / c.latency.p50_ms
        rows.append(("10 concurrent clients: p99 ≤ 3x p50", f"{spread:.2f}x", _check(spread <= 3)))
    rows.append(
        (
            "server memory during the run: ≤ 300 MB resident",
            f"{result.product_max_rss / MB:.0f} MB",
            _check(result.product_max_rss <= 300 * MB),
        )
    )
    rows.append(
        (
            "numbers equal the floor's exactly (ops 1-3, and the ingested days)",
            "equal" if result.exact else f"differ: {result.mismatch}",
            _check(result.exact),
        )
    )
    return rows


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def render(result: RunResult) -> str:
    d = result.dataset
    m = result.machine
    lines = [
        f"### `{result.preset}` on {result.database.split()[0]}",
        "",
        f"Measured {result.started_at} with `{result.command}` "
        f"({result.duration_seconds / 60:.1f} min including setup).",
        "",
        f"- Dataset: preset `{result.preset}`, {d['messages_generated']:,} generated messages "
        f"({d['first_date']} … {d['last_date']}), {d['messages_stored']:,} stored before this "
        f"run's ingest; {d['zones']} zones, {d['centers']:,} centers, {d['campaigns']} "
        f"campaigns, {d['guests']:,} guests. Window: {result.window[0]} … {result.window[1]} "
        f"(90 days). Busiest campaign `{result.busiest_campaign}`; center scope `{result.center}`.",
        f"- Database: {result.database}. Machine: {m['cpus']} CPUs ({m['cpu_model']}), "
        f"{m['memory_gb']} GB RAM, Python {m['python']}, Linux {m['kernel']}; CPU check "
        f"(`bench/calibration.py`, a fixed Python loop) {describe(m.get('cpu_check_start'))} "
        f"at the start, {describe(m.get('cpu_check_end'))} after the product's measurements. "
        f"Code: `{m['commit']}`"
        + (
            f" at the start, `{m['commit_at_end']}` at the end."
            if m.get("commit_at_end", m["commit"]) != m["commit"]
            else "."
        ),
        "",
        "| operation | product p50 ms | product p99 ms | floor p50 ms | floor p99 ms "
        "| product / floor (p50) | samples |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for op in result.ops:
        floor = op.floor
        lines.append(
            f"| {op.title} | {_ms(op.product.p50_ms)} | {_ms(op.product.p99_ms)} | "
            f"{_ms(floor.p50_ms) if floor else '-'} | {_ms(floor.p99_ms) if floor else '-'} | "
            f"{f'{op.ratio:.2f}' if op.ratio is not None else '-'} | "
            f"{op.product.samples} / {floor.samples if floor else 0} |"
        )
    c = result.concurrency
    f = result.floor_concurrency
    if c is not None:
        lines.append(
            f"| Report page, org scope, {c.clients} concurrent clients | "
            f"{_ms(c.latency.p50_ms)} | {_ms(c.latency.p99_ms)} | "
            f"{_ms(f.latency.p50_ms) if f else '-'} | {_ms(f.latency.p99_ms) if f else '-'} | "
            f"{c.latency.p50_ms / f.latency.p50_ms if f else 0:.2f} | "
            f"{c.requests} / {f.requests if f else 0} |"
        )
    lines += [""]
    if c is not None:
        lines.append(
            f"- Throughput with {c.clients} concurrent clients: **{c.per_second:.1f} requests/s** "
            f"(floor: {f.per_second:.1f} requests/s)."
            if f
            else ""
        )
    batch = result.ingest_batch
    lines.append(
        f"- Ingest: {result.ingest_messages:,} new messages through `recordMessages` in batches "
        f"of 10,000, {result.ingest_in_flight} in flight: **{result.ingest_rate:,.0f} "
        f"messages/s** (a batch: p50 {_ms(batch.p50_ms) if batch else '-'} ms); another "
        f"{result.ingest_messages:,} one batch at a time before that: "
        f"{result.ingest_sequential_rate:,.0f} messages/s."
    )
    lines.append(
        f"- Memory: the product server's resident set peaked at "
        f"**{result.product_max_rss / MB:.0f} MB** (whole run, start-up and ingest included); "
        f"the floor's at {result.floor_max_rss / MB:.0f} MB."
    )
    lines.append(
        f"- The floor's indexes took {result.floor_index_seconds:.1f} s to build; they exist only "
        "while the floor is measured."
    )
    lines += ["", "| target | measured | verdict |", "| --- | --- | --- |"]
    lines += [f"| {t} | {v} | {ok} |" for t, v, ok in targets(result)]
    return "\n".join(lines) + "\n"


def write_results(result: RunResult, path: Path | None) -> str:
    """Replace (or append) this preset and database's section of `path`; return the section."""
    section = render(result)
    if path is None:
        return section
    key = f"{result.preset}-{result.database.split()[0].lower()}"
    begin, end = f"<!-- results:{key} -->", f"<!-- /results:{key} -->"
    block = f"{begin}\n{section}{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
    return section


def replace_section(key: str, section: str) -> None:
    """Put `section` into docs/benchmarks.md between `<!-- key:start -->` and `<!-- key:end -->`
    (appended at the end the first time), replacing what an earlier run wrote there."""
    path = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
    text = path.read_text()
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{section}{end}"
    if start in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
