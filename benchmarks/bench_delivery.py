"""Callback delivery: the simulator's dispatcher against a plain aiohttp sender, same receiver.

Usage: ``.venv/bin/python benchmarks/bench_delivery.py [--count 5000] [--rate 500] [--concurrency 16]``.

A receiver runs as its own process on 127.0.0.1 (aiohttp on uvloop); it answers 200 and notes when
each ``event_id`` arrived (``benchmarks/bench_callbacks_http.py`` uses it too). This process (uvloop
too) then runs two phases, each first with the simulator and then with a plain aiohttp sender
posting the very same bodies at the same concurrency (the limit for a Python sender):

- throughput: ``--count`` deliveries are waiting (for the simulator, committed to its outbox by real
  state changes before its dispatcher starts); deliveries/s = count / (last arrival - start), and
  this process's CPU per delivery. Each sender runs ``--rounds`` times in alternating order, and the
  best run of each is kept. A third sender, ``plain+log``, is the floor: the plain sender with the
  dispatcher's request headers, recording every answer with the dispatcher's SQL (``AttemptLog``);
  it is printed as a reference line;
- latency: events happen at ``--rate`` per second (the simulator: a person added through the core
  rules, in the same event loop as its dispatcher, as in the server); event-to-receipt p50/p99
  from the moment the event's transaction wrote the delivery (plain: from the moment the body was
  queued) to its arrival; and the CPU time this process spent per event in that phase (for the
  simulator: the person added, its delivery written, sent and recorded).

Prints both side by side and the ratio catapult_sim/plain of deliveries/s, with PASS or FAIL against
the goal (0.8); exits 1 on FAIL. ``--db FILE`` runs the simulator on SQLite files instead of
memory (``FILE.round0`` and so on: a new one for each run, removed after it). This is a benchmark,
not a test: it is never part of ``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._result import emit, reference  # noqa: E402
from catapult_sim.core.callbacks.outbox import (  # noqa: E402  (the outbox's own schema and statements)
    _INSERT_ATTEMPT,
    _UPDATE,
    COLUMNS,
    DDL,
    DELIVERED,
    Delivery,
)
from catapult_sim.core.persons import Patch  # noqa: E402
from catapult_sim.core.store import _connect  # noqa: E402
from catapult_sim.delivery.dispatcher import RECORD_DELAY  # noqa: E402
from catapult_sim.delivery.sender import outgoing  # noqa: E402
from catapult_sim.settings import Settings  # noqa: E402
from catapult_sim.sim import Simulator  # noqa: E402

FLOOR = 0.8  # deliveries/s of the dispatcher against a plain aiohttp sender, same concurrency
CPU_GOAL_US = 400  # a person added plus its callback delivered, CPU of the simulator's process
# CPU µs per event in the latency phase, by sender (process time: the simulator, or the plain sender,
# run in this process; the receiver is another one). For the simulator this is the whole server-side
# work of an event: the person added through the core rules, its delivery written, sent and recorded.
CPU_PER_EVENT: dict[str, float] = {}
# CPU µs per delivery in the throughput phase, by sender: less disturbed by other load on the
# machine than deliveries/s, so the number to compare the two senders' cost by.
CPU_PER_DELIVERY: dict[str, float] = {}
FLOOR_NAME = "plain+log"  # the plain sender with the dispatcher's headers and attempt log SQL (AttemptLog)
FLOOR_RESULT: list[Result] = []  # its throughput phase


# -- the receiver (its own process: --serve-receiver) --------------------------------------------


def serve_receiver() -> None:
    arrivals: dict[str, float] = {}  # by event_id
    people: dict[str, float] = {}  # the same arrivals by the person's external_person_id, if any

    async def hook(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        arrivals[body["event_id"]] = now = time.time()
        external = (body.get("person") or {}).get("external_person_id")
        if external is not None:
            people[external] = now
        return web.Response()

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(people if request.query.get("by") == "person" else arrivals)

    async def count(request: web.Request) -> web.Response:
        return web.json_response(len(arrivals))

    async def reset(request: web.Request) -> web.Response:
        arrivals.clear()
        people.clear()
        return web.Response()

    async def main() -> None:
        app = web.Application()
        app.add_routes([web.post("/hook", hook), web.get("/stats", stats), web.get("/count", count),
                        web.post("/reset", reset)])  # fmt: skip
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    uvloop.run(main())


# -- measuring -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0


class Bench:
    def __init__(self, http: aiohttp.ClientSession, base: str, args: argparse.Namespace) -> None:
        self.http = http
        self.base = base
        self.args = args

    async def reset(self) -> None:
        async with self.http.post(self.base + "/reset"):
            pass

    async def arrivals(self, count: int, by: str = "event") -> dict[str, float]:
        """Wait for ``count`` arrivals; their times by event_id (``by="person"``: by the person's
        external_person_id)."""
        deadline = time.monotonic() + 120
        while True:
            async with self.http.get(self.base + "/count") as r:
                if await r.json() >= count:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the receiver did not get every delivery in 120 s")
            await asyncio.sleep(0.02)
        async with self.http.get(self.base + "/stats", params={"by": by}) as r:
            found: dict[str, float] = await r.json()
        return found

    async def plain_send(
        self, bodies: list[str], started: dict[str, float] | None = None, log: AttemptLog | None = None
    ) -> None:
        """The baseline: C workers posting bodies from a queue with one aiohttp session. With ``log``
        (the floor), each request carries the headers the dispatcher sends (the delivery contract's),
        and each answer is recorded with the dispatcher's SQL."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        headers = {"Content-Type": "application/json"}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def worker() -> None:
                while (body := await queue.get()) is not None:
                    sent = headers if log is None else log.headers[body]
                    async with session.post(self.base + "/hook", data=body.encode(), headers=sent) as r:
                        await r.read()
                    if log is not None:
                        log.add(body, r.status)

            workers = [asyncio.create_task(worker()) for _ in range(self.args.concurrency)]
            if started is None:
                for body in bodies:
                    queue.put_nowait(body)
            else:
                await paced(self.args.rate, bodies, lambda body: _queue(queue, body, started))
            for _ in workers:
                queue.put_nowait(None)
            await asyncio.gather(*workers)


async def _queue(queue: asyncio.Queue[str | None], body: str, started: dict[str, float]) -> None:
    started[json.loads(body)["event_id"]] = time.time()
    queue.put_nowait(body)


async def paced(rate: float, items: list[Any], act: Callable[[Any], Awaitable[None]]) -> None:
    """Call ``act`` for each item at ``rate`` per second."""
    t0 = time.perf_counter()
    for n, item in enumerate(items):
        delay = t0 + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await act(item)


def throughput(arrivals: dict[str, float], start: float) -> Result:
    return Result(len(arrivals) / (max(arrivals.values()) - start))


def latency(arrivals: dict[str, float], started: dict[str, float], duration: float) -> Result:
    ms = sorted((arrivals[e] - t) * 1000 for e, t in started.items())
    q = statistics.quantiles(ms, n=100)
    return Result(len(ms) / duration, q[49], q[98])


class AttemptLog:
    """The floor of a sender that keeps the delivery contract: the dispatcher's headers and its
    attempt log, and nothing else.

    The very deliveries the simulator wrote, copied into a store of their own (the outbox's schema,
    the same SQLite VFS). Each one's request headers are the dispatcher's own (``outgoing``, worked
    out before the clock starts); each answer is queued and the queue written every
    ``RECORD_DELAY`` seconds in one transaction with the dispatcher's two statements (the delivery's
    new state, the attempt). Every value that is not the answer is computed once, so this costs the
    headers on the wire and the SQL alone.
    """

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.conn = _connect(":memory:")
        self.conn.executescript(DDL)
        marks = ",".join("?" * len(rows[0]))
        with self.conn:
            self.conn.executemany(f"INSERT INTO deliveries ({COLUMNS}) VALUES ({marks})", rows)
        deliveries = [Delivery.from_values(row) for row in rows]
        self.ids = {d.body: d.id for d in deliveries}
        self.headers = {d.body: outgoing(d, 1).headers for d in deliveries}
        self.stored = {d.body: json.dumps(self.headers[d.body]) for d in deliveries}
        self.answer = json.dumps({"Content-Type": "text/plain"})
        self.now = "2026-01-01T00:00:00.000000Z"
        self.queued: list[tuple[str, int]] = []

    def add(self, body: str, status: int) -> None:
        if not self.queued:
            asyncio.get_running_loop().call_later(RECORD_DELAY, self.flush)
        self.queued.append((body, status))

    def flush(self) -> None:
        batch, self.queued = self.queued, []
        if not batch:
            return
        now, stored, answer, ids = self.now, self.stored, self.answer, self.ids
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.executemany(_UPDATE, [(DELIVERED, 1, None, now, status, None, ids[b]) for b, status in batch])
        attempts = [(ids[b], "demo", 1, "attempt", now, stored[b], b, status, answer, "", 0.5, None, DELIVERED, None,
                     None, ids[b]) for b, status in batch]  # fmt: skip
        self.conn.executemany(_INSERT_ATTEMPT, attempts)
        self.conn.execute("COMMIT")


# -- the simulator side --------------------------------------------------------------------------


def simulator(args: argparse.Namespace, url: str, tag: str) -> Simulator:
    """A fresh simulator with one person_added registration (``--db``: on its own file, named by ``tag``)."""
    db = ":memory:"
    if args.db:
        db = f"{args.db}.{tag}"
        discard(db)
    settings = Settings(random_seed=1, db=db, delivery_concurrency=args.concurrency,
                        delivery_log_cap=10 * args.count, retry_preset="fast")  # fmt: skip
    sim = Simulator(settings)
    sim.callbacks.events.register_all("demo", url, types=("person_added",))
    return sim


def discard(db: str) -> None:
    """Remove a database file and its WAL files, if there are any."""
    for path in (db, db + "-wal", db + "-shm"):
        Path(path).unlink(missing_ok=True)


def close(sim: Simulator) -> None:
    """Close a simulator; its --db file goes too (each run starts from an empty one)."""
    db = sim.settings.db
    sim.close()
    if db != ":memory:":
        discard(db)
    gc.collect()  # the closed simulator's objects go now, not in the middle of the next run


def add_person(sim: Simulator, n: int) -> None:
    patch = Patch()
    patch.external_person_id = f"bench-{n}"
    with sim.store.transaction() as tx:
        sim.db.persons.add(tx, "demo", patch)


def bodies_since(sim: Simulator, after: int) -> list[tuple[str, float]]:
    """(body, epoch seconds the delivery was written) of every delivery after id ``after``."""
    with sim.store.read() as tx:
        rows = tx.all("SELECT body, created_at FROM deliveries WHERE id>? ORDER BY id", (after,))
    return [(r["body"], datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")).timestamp()) for r in rows]


async def sim_throughput(args: argparse.Namespace, bench: Bench, url: str, tag: str) -> tuple[Result, float]:
    """The dispatcher sends a backlog of ``--count`` deliveries; (deliveries/s, CPU µs per delivery)."""
    sim = simulator(args, url, tag)
    for n in range(args.count):  # the backlog: committed before the dispatcher starts
        add_person(sim, n)
    start, cpu = time.time(), time.process_time()
    await sim.callbacks.start()
    tp = throughput(await bench.arrivals(args.count), start)
    used = (time.process_time() - cpu) / args.count * 1e6
    await sim.callbacks.stop()
    close(sim)
    return tp, used


async def plain_throughput(bench: Bench, backlog: list[str], log: AttemptLog | None) -> tuple[Result, float]:
    """The plain sender (with ``log``: the floor) sends the same backlog; (deliveries/s, CPU µs per delivery)."""
    start, cpu = time.time(), time.process_time()
    await bench.plain_send(backlog, log=log)
    tp = throughput(await bench.arrivals(len(backlog)), start)
    used = (time.process_time() - cpu) / len(backlog) * 1e6
    if log is not None:
        log.flush()
    return tp, used


async def run(args: argparse.Namespace, port: int) -> dict[str, tuple[Result, Result]]:
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        bench = Bench(http, base, args)
        sim = simulator(args, base + "/hook", "backlog")
        for n in range(args.count):  # the bodies the plain senders send: the very ones the simulator writes
            add_person(sim, n)
        backlog = [body for body, _ in bodies_since(sim, 0)]
        with sim.store.read() as tx:
            backlog_rows = [tuple(r) for r in tx.all(f"SELECT {COLUMNS} FROM deliveries ORDER BY id")]
        close(sim)

        # Throughput: each sender --rounds times, in alternating order; the best run of each is kept
        # (as timeit does: on a shared machine, noise only ever makes a run slower).
        senders = ["catapult_sim", "plain aiohttp", FLOOR_NAME]
        runs: dict[str, list[tuple[Result, float]]] = {name: [] for name in senders}
        for i in range(args.rounds):
            for name in senders if i % 2 == 0 else reversed(senders):
                await bench.reset()
                if name == "catapult_sim":
                    runs[name].append(await sim_throughput(args, bench, base + "/hook", f"round{i}"))
                else:
                    log = AttemptLog(backlog_rows) if name == FLOOR_NAME else None
                    runs[name].append(await plain_throughput(bench, backlog, log))
                tp, used = runs[name][-1]
                print(f"throughput run {i + 1}: {name:<13} {tp.per_second:>8,.0f} deliveries/s, CPU {used:.0f} µs each")
        best = {name: max((tp for tp, _ in rs), key=lambda r: r.per_second) for name, rs in runs.items()}
        for name, rs in runs.items():
            CPU_PER_DELIVERY[name] = min(cpu for _, cpu in rs)
        FLOOR_RESULT.append(best[FLOOR_NAME])

        # Latency: events at --rate, each a person added in this loop, beside its dispatcher.
        await bench.reset()  # the warm-up counts its own arrivals only
        sim = simulator(args, base + "/hook", "latency")
        await sim.callbacks.start()
        warm = 4 * args.concurrency  # a server's dispatcher has its connections open: so does this one
        for n in range(warm):
            add_person(sim, n)
        await bench.arrivals(warm)
        await bench.reset()
        await asyncio.sleep(0.2)
        events = int(args.rate * args.seconds)

        async def event(n: int) -> None:
            add_person(sim, warm + n)

        cpu = time.process_time()
        await paced(args.rate, list(range(events)), event)
        arrived = await bench.arrivals(events)
        CPU_PER_EVENT["catapult_sim"] = (time.process_time() - cpu) / events * 1e6
        await sim.callbacks.stop()
        written = bodies_since(sim, warm)
        sim_lat = latency(arrived, {json.loads(b)["event_id"]: t for b, t in written}, args.seconds)
        close(sim)

        await bench.reset()
        started: dict[str, float] = {}
        cpu = time.process_time()
        await bench.plain_send([b for b, _ in written], started)
        plain_lat = latency(await bench.arrivals(events), started, args.seconds)
        CPU_PER_EVENT["plain aiohttp"] = (time.process_time() - cpu) / events * 1e6
    return {"catapult_sim": (best["catapult_sim"], sim_lat), "plain aiohttp": (best["plain aiohttp"], plain_lat)}


def report(results: dict[str, tuple[Result, Result]], args: argparse.Namespace) -> int:
    phases = f"{args.count} queued deliveries, then {args.rate:g} events/s for {args.seconds:g} s"
    print(f"callback delivery: {phases}; concurrency {args.concurrency}; store {args.db or ':memory:'}")
    print(f"{'sender':<15} {'deliveries/s':>13} {'event->receipt p50':>19} {'p99':>9}")
    for name, (tp, lat) in results.items():
        print(f"{name:<15} {tp.per_second:>13,.0f} {lat.p50_ms:>16.2f} ms {lat.p99_ms:>6.2f} ms")
    ratio = results["catapult_sim"][0].per_second / results["plain aiohttp"][0].per_second
    verdict = "PASS" if ratio >= FLOOR else "FAIL"
    print(f"ratio catapult_sim/plain (deliveries/s): {ratio:.2f}  floor {FLOOR}  {verdict}")
    cost = CPU_PER_DELIVERY["plain aiohttp"] / CPU_PER_DELIVERY["catapult_sim"]
    print(f"CPU per delivery (throughput phase): catapult_sim {CPU_PER_DELIVERY['catapult_sim']:.0f} µs,"
          f" plain aiohttp {CPU_PER_DELIVERY['plain aiohttp']:.0f} µs (plain/catapult_sim {cost:.2f})")  # fmt: skip
    sim, plain = results["catapult_sim"][0].per_second, results["plain aiohttp"][0].per_second
    emit(f"dispatcher vs plain aiohttp, c={args.concurrency}", f">= {FLOOR} of plain",
         f"{sim:,.0f} vs {plain:,.0f} deliveries/s; CPU {CPU_PER_DELIVERY['catapult_sim']:.0f} vs"
         f" {CPU_PER_DELIVERY['plain aiohttp']:.0f} µs/delivery ({cost:.2f})", ratio, verdict == "PASS")  # fmt: skip
    if FLOOR_RESULT:
        logged, logged_cpu = FLOOR_RESULT[0].per_second, CPU_PER_DELIVERY[FLOOR_NAME]
        floor_cost = CPU_PER_DELIVERY["plain aiohttp"] / logged_cpu
        print(f"floor: {FLOOR_NAME} {logged:,.0f} deliveries/s ({logged / plain:.2f} of plain),"
              f" CPU {logged_cpu:.0f} µs per delivery (plain/{FLOOR_NAME} {floor_cost:.2f})")  # fmt: skip
        measured = (f"{logged:,.0f} vs {plain:,.0f} deliveries/s; CPU {logged_cpu:.0f} vs"
                    f" {CPU_PER_DELIVERY['plain aiohttp']:.0f} µs/delivery ({floor_cost:.2f})")  # fmt: skip
        reference(f"delivery floor (plain + the contract's headers + the attempt log's SQL) vs plain,"
                  f" c={args.concurrency}",
                  measured, logged / plain)  # fmt: skip
    sim_cpu, plain_cpu = CPU_PER_EVENT["catapult_sim"], CPU_PER_EVENT["plain aiohttp"]
    print(f"CPU per event (latency phase): catapult_sim {sim_cpu:.0f} µs, plain aiohttp {plain_cpu:.0f} µs")
    emit("person add + its callback in process, CPU per event", f"<= {CPU_GOAL_US} µs",
         f"{sim_cpu:.0f} µs (plain send {plain_cpu:.0f} µs)", sim_cpu / plain_cpu, sim_cpu <= CPU_GOAL_US)  # fmt: skip
    lat = results["catapult_sim"][1]
    emit(f"event-to-receipt p99 at {args.rate:g} persons/s", "< 20 ms",
         f"{lat.p99_ms:.1f} ms (plain {results['plain aiohttp'][1].p99_ms:.1f} ms)",
         lat.p99_ms / max(results["plain aiohttp"][1].p99_ms, 1e-9), lat.p99_ms < 20)  # fmt: skip
    return 0 if verdict == "PASS" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="deliveries in the throughput phase")
    parser.add_argument("--rate", type=float, default=500, help="events per second in the latency phase")
    parser.add_argument("--seconds", type=float, default=4, help="length of the latency phase")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (both senders)")
    parser.add_argument("--rounds", type=int, default=5, help="throughput runs per sender; the best is kept")
    parser.add_argument("--db", help="SQLite file for the simulator (default: memory); each run adds a suffix")
    parser.add_argument("--serve-receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_receiver:
        serve_receiver()
        return 0
    proc = subprocess.Popen([sys.executable, __file__, "--serve-receiver"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        return report(uvloop.run(run(args, port)), args)
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
