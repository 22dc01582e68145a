"""Bulk load of persons from a file, against a raw ``executemany`` of the same rows, in one run.

Usage: ``.venv/bin/python benchmarks/bench_bulk.py [--persons 1000000] [--db]``.

Writes a JSON Lines persons file (an external id, a ten-digit MDN and one custom field per person,
the shape docs/bulk-load.md describes) to a temporary directory, then runs, each in a fresh process
(so its memory is its own): the baseline, a raw ``executemany`` of the same persons as ready tuples
(person_key, person_id, E.164 MDN, stored custom fields) into the same schema, with no file read and
no checks; and ``catapult_sim.core.bulk.load`` of the file into the demo company (what
``serve --persons`` and ``POST /_sim/companies/{key}/persons/import`` call): read, parse, validate every row,
insert, the duplicate-MDN query, COMMIT. Each prints wall and CPU seconds and peak RSS.
Goal: 1,000,000 persons in <= 30 s. Below 1,000,000 the time is also shown scaled to a million
(linearly, labelled as such: not a measurement). ``--db`` loads into a SQLite file (WAL).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._result import emit, load_average
from benchmarks._result import run_child as child_json

GOAL_S = 30.0
MILLION = 1_000_000
COMPANY = "demo"


def write_file(path: str, n: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            out.write(f'{{"external_person_id":"CRM-{i:07d}","mobile_phone":{{"mdn":"{3_000_000_000 + i}"}},'
                      f'"custom_fields":{{"first_name":"Person {i}"}}}}\n')  # fmt: skip


def _raw_rows(n: int, now: str, key: object) -> Iterator[tuple[object, ...]]:
    return ((COMPANY, key(), i + 1, f"CRM-{i:07d}", f"+1{3_000_000_000 + i}", None,
             f'{{"first_name":"Person {i}"}}', None, None, now, now) for i in range(n))  # fmt: skip


def child(mode: str, path: str, n: int, db: str | None) -> dict[str, float]:
    from catapult_sim.core import bulk, repo
    from catapult_sim.settings import Settings
    from catapult_sim.sim import Simulator

    sim = Simulator(Settings(random_seed=1, **({"db": db} if db else {})))
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "raw":
        with sim.store.transaction() as tx:
            tx.conn.executemany(repo.INSERT_PERSON, _raw_rows(n, sim.db.env.now(), sim.ids.person_key))
        created = n
    else:
        with open(path, "rb") as source:
            created = bulk.load(sim.db.env, COMPANY, source, "jsonl").created
    out = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "created": created,
           "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip
    sim.close()
    return out


def run_child(mode: str, path: str, n: int, db: bool) -> dict[str, float]:
    argv = [sys.executable, __file__, "--child", mode, "--file", path, "--persons", str(n)]
    return child_json(argv, mode, db)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--persons", type=int, default=MILLION, help="persons in the file (default 1000000)")
    p.add_argument("--db", action="store_true", help="load into a SQLite file (WAL) instead of memory")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--db-path", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.file, args.persons, args.db_path)))
        return 0
    n = args.persons
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "persons.jsonl")
        write_file(path, n)
        size_mb = os.path.getsize(path) / 1e6
        print(f"bulk load of {n:,} persons ({size_mb:.0f} MB JSON Lines), store in "
              f"{'a SQLite file (WAL)' if args.db else 'memory'}; load average {load_average()}")  # fmt: skip
        raw = run_child("raw", path, n, args.db)
        got = run_child("bulk", path, n, args.db)
    if got["created"] != n:
        raise SystemExit(f"the load created {got['created']} persons, not {n}")
    print(f"{'':<34} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    for label, r in (("raw executemany of ready rows", raw), ("bulk load of the file", got)):
        print(f"{label:<34} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['rss_mb']:>12.0f}")
    ratio = got["wall"] / raw["wall"]
    print(f"bulk load / raw: {ratio:.2f}x wall, {got['cpu'] / raw['cpu']:.2f}x CPU")
    scale = MILLION / n
    at_million = got["wall"] * scale
    measured = (
        f"{got['wall']:.1f} s (CPU {got['cpu']:.1f}); raw executemany {raw['wall']:.1f} s; RSS {got['rss_mb']:.0f} MB"
    )
    if n != MILLION:
        measured = f"{n:,} in {measured}; x{scale:g} = {at_million:.1f} s (scaled, not measured)"
    tag = " (--db file)" if args.db else ""
    ok = at_million <= GOAL_S
    emit(f"bulk load of 1,000,000 persons (seed file or import){tag}", f"<= {GOAL_S:g} s", measured, ratio, ok)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
