"""Callback storms: one Locust worker process against the simulator's dispatcher and a plain aiohttp
sender, and two Locust workers against one, all at the same concurrency against the same receiver.

Usage: ``.venv/bin/python benchmarks/bench_load.py [--seconds 8] [--count 5000] [--concurrency 16]``
(needs the ``load`` extra, which the ``test`` extra includes).

The receiver is bench_delivery's: its own process on 127.0.0.1 (aiohttp on uvloop), answering 200
and noting when each ``event_id`` arrived. Callbacks per second are counted there, from the first
arrival to the last, for every sender:

- **Locust, 1 worker**: ``locust --headless`` with ``--concurrency`` users sending the ``launch``
  storm for ``--seconds`` (one process: a worker and its runner);
- **Locust, 2 workers**: ``locust --master`` and two ``locust --worker`` processes, the same users
  in total, the same storm;
- **dispatcher**: the simulator's delivery engine sending ``--count`` committed deliveries with
  ``--concurrency`` in flight (as bench_delivery measures it);
- **plain aiohttp**: ``--count`` storm bodies posted by ``--concurrency`` aiohttp tasks on uvloop,
  the baseline every other row is divided by.

Locust runs ``--rounds`` times each, alternated, and the median counts. Beside callbacks per second
(wall clock, which other work on a shared machine depresses) the table shows callbacks per CPU
second of the sending processes (Locust: the worker(s) and the master, less what each spends
importing; in-process senders: this process), which load on the machine changes far less. The
scaling factor is (2 workers) / (1 worker) callbacks per second; the ideal is 2.0, but on a 2-core
machine the receiver and the master share the same cores. This is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from itertools import islice
from pathlib import Path

import aiohttp
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._result import emit, load_average  # noqa: E402
from benchmarks.bench_delivery import Bench, add_person, simulator, throughput  # noqa: E402
from catapult_sim.load.storms import StormConfig, Stream  # noqa: E402

LOCUSTFILE = str(ROOT / "catapult_sim" / "load" / "locustfile.py")
LOCUST = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--storm", "launch", "--loglevel", "WARNING"]
FLOOR = 0.15  # one Locust worker (gevent, one request per user at a time) against plain aiohttp on uvloop
SCALING_FLOOR = 1.0  # two workers must at least not be slower than one, on any machine


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def startup_cpu() -> float:
    """CPU seconds a Locust process spends importing Locust and the locustfile (the least of three)."""
    spent = []
    for _ in range(3):
        before = children_cpu()
        subprocess.run([sys.executable, "-c", "import catapult_sim.load.locustfile"], check=True, cwd=ROOT)
        spent.append(children_cpu() - before)
    return min(spent)


def rate_at(base: str) -> tuple[int, float]:
    """(arrivals, arrivals per second from the first to the last) at the receiver."""
    with urllib.request.urlopen(base + "/stats", timeout=60) as r:
        times = list(json.loads(r.read()).values())
    span = max(times) - min(times) if len(times) > 1 else 0.0
    return len(times), (len(times) / span if span > 0 else 0.0)


def reset(base: str) -> None:
    urllib.request.urlopen(urllib.request.Request(base + "/reset", method="POST"), timeout=10).close()


def locust_alone(base: str, args: argparse.Namespace) -> tuple[int, float, float]:
    reset(base)
    cpu = children_cpu()
    run = [*LOCUST, "--headless", "--only-summary", "-u", str(args.concurrency), "-r", "1000",
           "-t", f"{args.seconds}s", "--host", base + "/hook"]  # fmt: skip
    subprocess.run(run, check=True, capture_output=True, timeout=args.seconds + 60)
    return (*rate_at(base), children_cpu() - cpu - args.startup_cpu)


def locust_distributed(base: str, args: argparse.Namespace, port: int = 5599) -> tuple[int, float, float]:
    reset(base)
    cpu = children_cpu()
    master = subprocess.Popen(
        [*LOCUST, "--master", "--headless", "--only-summary", "--expect-workers", "2", "-u", str(args.concurrency),
         "-r", "1000", "-t", f"{args.seconds}s", "--host", base + "/hook", "--master-bind-host", "127.0.0.1",
         "--master-bind-port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = [*LOCUST, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    workers = [subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        master.wait(args.seconds + 60)
        for w in workers:
            w.wait(30)
    finally:
        for p in (master, *workers):
            if p.poll() is None:
                p.kill()
                p.wait()
    return (*rate_at(base), children_cpu() - cpu - 3 * args.startup_cpu)


async def in_process(base: str, args: argparse.Namespace) -> dict[str, tuple[int, float, float]]:
    """The simulator's dispatcher and the plain aiohttp baseline, in this process on uvloop."""
    async with aiohttp.ClientSession() as http:
        bench = Bench(http, base, args)
        sim = simulator(args, base + "/hook", "load")
        for n in range(args.count):
            add_person(sim, n)
        await bench.reset()
        start, cpu = time.time(), own_cpu()
        await sim.callbacks.start()
        dispatched = throughput(await bench.arrivals(args.count), start)
        dispatch_cpu = own_cpu() - cpu
        await sim.callbacks.stop()
        sim.close()

        streams = [Stream(StormConfig(profile="launch"), base + "/hook", 0, u) for u in range(args.concurrency)]
        per = -(-args.count // args.concurrency)
        bodies = [shot.request.body for s in streams for shot in islice(s, per)][: args.count]
        await bench.reset()
        start, cpu = time.time(), own_cpu()
        await bench.plain_send(bodies)
        plain = throughput(await bench.arrivals(args.count), start)
        plain_cpu = own_cpu() - cpu
    return {"dispatcher": (args.count, dispatched.per_second, dispatch_cpu),
            "plain aiohttp": (args.count, plain.per_second, plain_cpu)}  # fmt: skip


def report(rows: dict[str, tuple[int, float, float, int]], args: argparse.Namespace) -> int:
    """rows: sender -> (callbacks, callbacks/s, CPU seconds of the sending processes, processes)."""
    plain, plain_cpu = rows["plain aiohttp"][1], rows["plain aiohttp"][0] / rows["plain aiohttp"][2]
    print(f"callback storms at concurrency {args.concurrency}, median of {args.rounds} round(s) for Locust;"
          f" load average {load_average()}")  # fmt: skip
    print(f"{'sender':<18} {'procs':>5} {'callbacks':>9} {'callbacks/s':>11} {'per proc':>9} {'vs plain':>8}"
          f" {'per CPU-s':>9} {'vs plain':>8}")  # fmt: skip
    for name, (count, rate, cpu, procs) in rows.items():
        per_cpu = count / cpu if cpu > 0 else 0.0
        print(f"{name:<18} {procs:>5} {count:>9,} {rate:>11,.0f} {rate / procs:>9,.0f} {rate / plain:>8.2f}"
              f" {per_cpu:>9,.0f} {per_cpu / plain_cpu:>8.2f}")  # fmt: skip
    one, two = rows["Locust, 1 worker"][1], rows["Locust, 2 workers"][1]
    scaling = two / one if one else 0.0
    cores = os.cpu_count() or 1
    print(f"scaling 2 workers / 1 worker: {scaling:.2f} (ideal 2.0; {cores} cores here, shared by the receiver,")
    print("the master and both workers: past the cores, more workers only divide the same CPU)")
    ratio = one / plain if plain else 0.0
    emit(f"Locust worker vs plain aiohttp, c={args.concurrency}", f">= {FLOOR} of plain",
         f"{one:,.0f} vs {plain:,.0f} callbacks/s", ratio, ratio >= FLOOR)  # fmt: skip
    emit("Locust 2 workers / 1 worker", f"> {SCALING_FLOOR} (ideal 2.0)", f"{two:,.0f} vs {one:,.0f} callbacks/s",
         scaling, scaling > SCALING_FLOOR)  # fmt: skip
    return 0 if ratio >= FLOOR and scaling > SCALING_FLOOR else 1


def median_of(runs: list[tuple[int, float, float]]) -> tuple[int, float, float]:
    """The run with the median rate (its callbacks and CPU seconds with it)."""
    rate = statistics.median_low(r[1] for r in runs)
    return next(r for r in runs if r[1] == rate)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each Locust run")
    parser.add_argument("--count", type=int, default=5000, help="callbacks the dispatcher and plain aiohttp send")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (every sender)")
    parser.add_argument("--rounds", type=int, default=3, help="Locust runs of each kind, alternated (median)")
    args = parser.parse_args()
    args.db, args.rate = None, 1.0  # what bench_delivery's simulator() reads
    proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "bench_delivery.py"), "--serve-receiver"],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        base = f"http://127.0.0.1:{int(proc.stdout.readline())}"
        rows = {name: (*result, 1) for name, result in uvloop.run(in_process(base, args)).items()}
        args.startup_cpu = startup_cpu()  # not sending: left out of the CPU seconds of each Locust process
        alone, spread = [], []
        for _ in range(args.rounds):  # alternated, so a change in the machine's load hits both kinds alike
            alone.append(locust_alone(base, args))
            spread.append(locust_distributed(base, args))
        rows["Locust, 1 worker"] = (*median_of(alone), 1)
        rows["Locust, 2 workers"] = (*median_of(spread), 2)
        return report(rows, args)
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
