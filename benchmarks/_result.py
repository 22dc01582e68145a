"""One line per measured goal, collected by ``benchmarks/run_all.py`` into the ``make bench`` table.

A benchmark prints ``BENCH_RESULT {json}`` for every goal it measures: the metric, the goal as text,
what it measured (as text, with its unit), the ratio against the baseline measured side by side in
the same run (or None when the goal is an absolute one with no baseline), and whether it passed.
A reference line (``reference``) has no goal: it shows a floor the goals are read against, such as
what the storage engine alone costs, and is neither passed nor failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile

PREFIX = "BENCH_RESULT "


def emit(metric: str, goal: str, measured: str, ratio: float | None, ok: bool | None) -> None:
    """Print the machine-readable line for one goal (and keep stdout in order with the rest);
    ``ok`` None: a reference line, not a goal."""
    verdict = None if ok is None else bool(ok)
    line = {"metric": metric, "goal": goal, "measured": measured, "ratio": ratio, "ok": verdict}
    print(PREFIX + json.dumps(line), flush=True)


def reference(metric: str, measured: str, ratio: float | None) -> None:
    """Print a reference line: a measured floor shown in the table beside the goals."""
    emit(metric, "reference", measured, ratio, None)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` shows them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_child(argv: list[str], what: str, db: bool) -> dict[str, float]:
    """Run a benchmark's measuring child process (with ``--db-path`` in a fresh folder when ``db``,
    so each run starts from an empty database) and read its last line of output as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        if db:
            argv = [*argv, "--db-path", os.path.join(tmp, "sim.db")]
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{what} failed:\n{out.stdout}{out.stderr}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
