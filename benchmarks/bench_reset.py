"""Reset of one company holding many persons, against the reset of an empty company.

Usage: ``.venv/bin/python benchmarks/bench_reset.py [--persons 10000] [--runs 5]``.

In process, on the in-memory store: the demo company gets ``--persons`` persons through the core
rules, each subscribed to a list and announced to a registered ``person_added`` callback (so the
company's persons, subscriptions, events and outbox rows all hold data, as after a real test run;
the dispatcher is not running, so every delivery stays in the outbox). Then
``Simulator.reset("demo")`` is timed, what ``POST /_sim/companies/demo/reset`` calls. Each run fills
the company again; the median is kept. The baseline is the reset of the same company when empty,
measured in the same run. Times are the process's CPU time for the reset (the same as wall time on
a quiet machine: no I/O, one thread). Goal: under 10 ms at 10k persons.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._result import emit, load_average
from catapult_sim.core.persons import Patch
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator

GOAL_MS = 10.0
COMPANY = "demo"


def fill(sim: Simulator, persons: int) -> None:
    db = sim.db
    with sim.store.read() as tx:
        list_id = db.companies.lists(tx, COMPANY)[0]
    for n in range(persons):
        patch = Patch()
        patch.mdn = str(3_000_000_000 + n)
        with sim.store.transaction() as tx:
            _, person = db.persons.add(tx, COMPANY, patch)
            db.subs.subscribe(tx, person, list_id, "api")


def timed_reset(sim: Simulator) -> float:
    """CPU milliseconds of the reset: it is synchronous work in this thread (no I/O on a memory store),
    and CPU time is what other processes on a busy machine disturb least."""
    started = time.process_time()
    sim.reset(COMPANY)
    return (time.process_time() - started) * 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--persons", type=int, default=10_000, help="persons in the company (default 10000)")
    p.add_argument("--runs", type=int, default=5, help="fills and resets; the median is kept (default 5)")
    args = p.parse_args(argv)
    sim = Simulator(Settings(random_seed=1))
    sim.callbacks.events.register_all(COMPANY, "http://127.0.0.1:9/hook", types=("person_added",))
    empty, full = [], []
    for _ in range(args.runs):
        sim.reset(COMPANY)
        sim.callbacks.events.register_all(COMPANY, "http://127.0.0.1:9/hook", types=("person_added",))
        empty.append(timed_reset(sim))
        sim.callbacks.events.register_all(COMPANY, "http://127.0.0.1:9/hook", types=("person_added",))
        fill(sim, args.persons)
        full.append(timed_reset(sim))
    sim.close()
    e, f = statistics.median(empty), statistics.median(full)
    print(f"reset of company {COMPANY!r}, median of {args.runs}; load average {load_average()}")
    print(f"empty company            {e:8.2f} ms")
    print(f"{args.persons:>6,} persons           {f:8.2f} ms  ({f / e:.1f}x empty)")
    goal = GOAL_MS * args.persons / 10_000 if args.persons < 10_000 else GOAL_MS
    ok = f < goal
    emit(f"reset of a company with {args.persons:,} persons", f"< {goal:g} ms", f"{f:.1f} ms (empty {e:.1f} ms)",
         f / e, ok)  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
