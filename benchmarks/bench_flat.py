"""Flat cost as the store grows: create, GET by key and find by MDN at 1k, 100k and 1M persons.

Usage: ``.venv/bin/python benchmarks/bench_flat.py [--sizes 1000,100000,1000000] [--ops 3000] [--db]``.

Each size runs in a fresh process (so its memory is its own): it fills the demo company with that
many persons in one transaction (``executemany`` of ready rows: the set-up, not the bulk path under
test), then times ``--ops`` of each operation through the same core calls the endpoints make, each
in its own transaction or read as a request has it: a create of a new person (MDN match, new ids,
insert, domain event, COMMIT), a read by person_key, a find by MDN. It also reports the process's
peak RSS. Sizes are run ``--rounds`` times (interleaved); the cheapest round of each is kept.

Ratios are the cost at each size against the cost at the smallest size, measured in the same run.
Goals: every operation within 1.5x of its smallest-size cost at the largest size; peak RSS at 1M
persons <= 300 MB. ``--db`` runs the store on a SQLite file (WAL) in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._result import emit, load_average
from benchmarks._result import run_child as child_json

FLAT_GOAL = 1.5
RSS_GOAL_MB = 300
COMPANY = "demo"
OPS = ("create", "get by key", "find by MDN")


def _rows(n: int, now: str) -> Iterator[tuple[object, ...]]:
    """Generated one at a time, so the set-up holds no list of rows (the peak RSS is the store's)."""
    return ((COMPANY, f"bulk{i:09d}", i + 1, None, str(3_000_000_000 + i), None, "{}", None, None, now, now)
            for i in range(n))  # fmt: skip


def child(size: int, ops: int, db: str | None) -> dict[str, float]:
    from catapult_sim.core.persons import Patch
    from catapult_sim.settings import Settings
    from catapult_sim.sim import Simulator

    sim = Simulator(Settings(random_seed=1, **({"db": db} if db else {})))
    persons, store = sim.db.persons, sim.store
    now = "2026-01-01T00:00:00Z"
    started = time.perf_counter()
    with store.transaction() as tx:
        tx.conn.executemany(
            "INSERT INTO persons (company, person_key, person_id, external_person_id, mdn, carrier_code,"
            " custom_fields, timezone, timezone_source, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            _rows(size, now),
        )
        store.touch()  # the cached next person_id is stale
    fill_s = time.perf_counter() - started
    rng = random.Random(size)
    out: dict[str, float] = {"fill_s": fill_s}

    def create(j: int) -> None:
        patch = Patch()
        patch.mdn = str(4_000_000_000 + j)
        with store.transaction() as tx:
            persons.add(tx, COMPANY, patch)

    def get(j: int) -> None:
        # From the store every time: at 1k persons every key would otherwise be in the memory cache
        # (core/persons.py), and the sizes would compare a cache against the store.
        persons.forget_reads()
        with store.read() as tx:
            persons.get(tx, COMPANY, f"bulk{rng.randrange(size):09d}")

    def find(j: int) -> None:
        with store.read() as tx:
            persons.find_by_mdn(tx, COMPANY, str(3_000_000_000 + rng.randrange(size)))

    for name, fn in zip(OPS, (create, get, find), strict=True):
        t0 = time.perf_counter()
        for j in range(ops):
            fn(j)
        out[name] = (time.perf_counter() - t0) / ops * 1e6
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sim.close()
    return out


def run_child(size: int, ops: int, db: bool) -> dict[str, float]:
    return child_json([sys.executable, __file__, "--child", str(size), "--ops", str(ops)], f"size {size}", db)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--sizes", default="1000,100000,1000000", help="persons in the store (comma-separated)")
    p.add_argument("--ops", type=int, default=3000, help="timed operations of each kind per size")
    p.add_argument("--rounds", type=int, default=2, help="runs of every size; the cheapest kept (default 2)")
    p.add_argument("--db", action="store_true", help="a SQLite file (WAL) instead of memory")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--db-path", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.ops, args.db_path)))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    where = "a SQLite file (WAL)" if args.db else "memory"
    print(f"flat cost, store in {where}: {args.ops} ops each, best of {args.rounds}; load average {load_average()}")
    best: dict[int, dict[str, float]] = {}
    for _ in range(args.rounds):
        for size in sizes:
            got = run_child(size, args.ops, args.db)
            best[size] = {k: min(v, best.get(size, got)[k]) for k, v in got.items()}
    print(f"{'persons':>9} {'fill s':>7} " + " ".join(f"{op + ' µs':>15}" for op in OPS) + f" {'peak RSS MB':>12}")
    for size in sizes:
        b = best[size]
        print(f"{size:>9,} {b['fill_s']:>7.2f} " + " ".join(f"{b[op]:>15.1f}" for op in OPS) + f" {b['rss_mb']:>12.0f}")
    small, large = sizes[0], sizes[-1]
    ok = True
    tag = " (--db file)" if args.db else ""
    for op in OPS:
        ratio = best[large][op] / best[small][op]
        passed = ratio <= FLAT_GOAL
        ok = ok and passed
        emit(
            f"{op} at {large:,} vs {small:,} persons{tag}",
            f"<= {FLAT_GOAL}x",
            f"{best[large][op]:.1f} vs {best[small][op]:.1f} µs",
            ratio,
            passed,
        )
    rss = best[large]["rss_mb"]
    million = large >= 1_000_000
    note = "" if million else " (the goal is for 1,000,000: not measured at this scale)"
    emit(f"peak RSS with {large:,} persons{tag}", f"<= {RSS_GOAL_MB} MB at 1M", f"{rss:.0f} MB{note}",
         rss / best[small]["rss_mb"], million and rss <= RSS_GOAL_MB)  # fmt: skip
    ok = ok and million and rss <= RSS_GOAL_MB
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
