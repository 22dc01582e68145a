"""How fast the seeded fixture generator makes payloads (not part of the test suite).

    .venv/bin/python benchmarks/bench_fixtures.py [--count 100000]

Prints payloads per second for: a baseline (``json.dumps`` of one constant callback body, the floor
any generator pays to serialise), the factory across every payload type, and the full
``catapult-sim fixtures generate`` command writing JSON Lines to a temporary directory; each rate
comes with its ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._result import emit
from catapult_sim.cli.main import main
from catapult_sim.testing.factories import PayloadFactory
from catapult_sim.testing.payloads import PAYLOAD_TYPES

GOAL_S_PER_100K = 5.0  # 100k fixtures of one type through the CLI


def timed(label: str, count: int, work: Callable[[], None], baseline: float | None) -> tuple[float, float]:
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    ratio = "" if baseline is None else f"  ({rate / baseline:.2f}x baseline)"
    print(f"{label:<46} {count:>8} in {elapsed:6.2f} s = {rate:>10,.0f}/s{ratio}")
    return rate, elapsed


def main_bench(count: int) -> None:
    constant = PayloadFactory(0).one("subscription_removed")

    def baseline() -> None:
        for _ in range(count):
            json.dumps(constant, ensure_ascii=False)

    def factory_mix() -> None:
        factory = PayloadFactory(1)
        per_type = count // len(PAYLOAD_TYPES)
        for kind in PAYLOAD_TYPES:
            for body in factory.generate(kind, per_type):
                json.dumps(body, ensure_ascii=False)

    def cli() -> None:
        with tempfile.TemporaryDirectory() as out, contextlib.redirect_stderr(io.StringIO()):
            argv = ["fixtures", "generate", "--type", "subscription_removed", "--count", str(count)]
            assert main([*argv, "--format", "jsonl", "--out", out, "--seed", "5"]) == 0

    base, _ = timed("baseline: json.dumps(constant body)", count, baseline, None)
    per_type = count // len(PAYLOAD_TYPES) * len(PAYLOAD_TYPES)
    timed(f"factory, all {len(PAYLOAD_TYPES)} types, + json.dumps", per_type, factory_mix, base)
    rate, elapsed = timed("CLI generate subscription_removed --format jsonl", count, cli, base)
    goal = GOAL_S_PER_100K * count / 100_000
    emit(f"{count:,} fixtures of one type via the CLI", f"< {goal:g} s", f"{elapsed:.2f} s ({rate:,.0f}/s)",
         rate / base, elapsed < goal)  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    main_bench(parser.parse_args().count)
