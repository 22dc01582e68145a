"""Run every benchmark, then print one table: metric, goal, measured, ratio, PASS/FAIL.

Usage: ``make bench`` (or ``make bench ARGS=--quick`` for a smaller scale that finishes sooner).

Each benchmark runs as its own process, one after the other (so they do not compete for the CPU),
with a time limit; its own output is shown as it runs. Every goal line it prints
(``benchmarks/_result.py``) becomes a row of the final table; a reference line (a measured floor,
such as the storage engine's own cost, to read a goal against) shows "ref" and is not counted. A
benchmark that cannot run (wrk missing, a crash, the time limit) becomes a FAIL row naming why, so
the table never hides a goal.
The machine's load average is printed before and after: on a shared machine, read the ratios
(measured side by side in the same run), not the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._result import PREFIX, load_average  # noqa: E402


@dataclass(frozen=True)
class Bench:
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    limit_s: float


BENCHES = (
    Bench("bench_startup.py", ("--runs", "7"), ("--runs", "3"), 120),
    Bench("bench_flat.py", ("--sizes", "1000,100000,1000000"), ("--sizes", "1000,10000,100000"), 600),
    Bench("bench_bulk.py", ("--persons", "1000000"), ("--persons", "100000"), 300),
    Bench("bench_reset.py", ("--persons", "10000"), ("--persons", "10000", "--runs", "3"), 180),
    Bench("bench_fixtures.py", ("--count", "100000"), ("--count", "20000"), 180),
    Bench("bench_delivery.py", ("--rate", "1500", "--seconds", "3"), ("--count", "2000", "--seconds", "2"), 300),
    Bench("bench_callbacks_http.py", ("--rate", "1500", "--seconds", "3"), ("--seconds", "2"), 180),
    Bench("bench_load.py", (), ("--count", "2000", "--seconds", "4", "--rounds", "1"), 300),
    Bench(
        "bench_api.py", ("--connections", "16,50"), ("--connections", "16,50", "--duration", "3", "--rounds", "1"), 300
    ),
)


def run(bench: Bench, quick: bool) -> list[dict[str, object]]:
    argv = [sys.executable, str(HERE / bench.script), *(bench.quick if quick else bench.full)]
    print(f"\n=== {bench.script} {' '.join(argv[2:])}", flush=True)
    rows: list[dict[str, object]] = []
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=HERE.parent)
    except OSError as exc:
        return [_failed(bench, f"cannot start: {exc}")]
    assert proc.stdout is not None
    deadline = time.monotonic() + bench.limit_s
    for line in proc.stdout:
        if line.startswith(PREFIX):
            rows.append(json.loads(line[len(PREFIX) :]))
        else:
            print(line, end="", flush=True)
        if time.monotonic() > deadline:
            proc.kill()
            rows.append(_failed(bench, f"over its {bench.limit_s:.0f} s limit"))
            break
    code = proc.wait()
    if not rows:
        rows.append(_failed(bench, f"exited {code} without a result"))
    return rows


def _failed(bench: Bench, why: str) -> dict[str, object]:
    return {"metric": bench.script, "goal": "runs", "measured": why, "ratio": None, "ok": False}


def _verdict(ok: object) -> str:
    return "ref" if ok is None else "PASS" if ok else "FAIL"


def table(rows: list[dict[str, object]]) -> str:
    head = ("metric", "goal", "measured", "ratio", "result")
    cells = [
        (str(r["metric"]), str(r["goal"]), str(r["measured"]),
         "-" if r["ratio"] is None else f"{float(r['ratio']):.2f}", _verdict(r["ok"]))  # type: ignore[arg-type]
        for r in rows
    ]  # fmt: skip
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in [head, *cells]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="smaller scale (minutes less); the table says so")
    p.add_argument("--only", help="comma-separated script names to run (default: all)")
    args = p.parse_args(argv)
    chosen = [b for b in BENCHES if not args.only or b.script.removesuffix(".py") in args.only.split(",")
              or b.script in args.only.split(",")]  # fmt: skip
    before = load_average()
    started = time.monotonic()
    rows = [row for bench in chosen for row in run(bench, args.quick)]
    scale = "quick scale" if args.quick else "full scale"
    print(f"\n== make bench ({scale}), {time.monotonic() - started:.0f} s")
    print(table(rows))
    print(f"load average (1, 5, 15 min): before {before}; after {load_average()}")
    goals = [r for r in rows if r["ok"] is not None]  # reference lines are floors, not goals
    passed = sum(1 for r in goals if r["ok"])
    print(f"{passed}/{len(goals)} goals met")
    return 0 if passed == len(goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
