"""A person added through the real HTTP API, and its callback: the server's CPU per event, end to end.

Usage: ``.venv/bin/python benchmarks/bench_callbacks_http.py [--rate 1500] [--seconds 4]``.

``benchmarks/bench_delivery.py`` measures the callback engine inside one process (the person added
through the core rules, no HTTP). This measures what a CRM's traffic costs the server: ``catapult-sim
serve`` runs as its own process (as ``make serve`` runs it), a receiver as another (aiohttp on
uvloop, answering 200 and noting when each person's callback arrived), and this process POSTs new
persons at ``--rate`` per second. Two phases, side by side in the same run, on the same server:

- no callback registered: the server's CPU per POST person (the baseline);
- one ``person_added`` registration to the receiver: the server's CPU per event (the POST, its
  delivery written, sent and recorded), and event-to-receipt p50/p99 (from the moment the POST was
  sent to the callback's arrival).

The server's CPU time comes from its own accounting (``/proc/<pid>/stat``), so other work on the
machine disturbs it less than wall times. Prints both and the callback's share; the goal (a person
add plus its callback <= 400 µs of server CPU) is judged on the second phase. This is a benchmark,
not a test: it is never part of ``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._result import emit, reference  # noqa: E402
from benchmarks.bench_api import AUTH, PERSONS, Server, cpu_seconds, start  # noqa: E402
from benchmarks.bench_delivery import Bench, paced  # noqa: E402

CPU_GOAL_US = 400  # a person added plus its callback delivered, server CPU per event
P99_GOAL_MS = 20.0
CALLBACKS = "/companies/demo/config/callbacks"


@dataclass(slots=True)
class Phase:
    events: int
    cpu_us: float  # the server's CPU per event
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    post_p99_ms: float = 0.0  # the POST's own answer time (where a long tail comes from)


class Client:
    """POSTs new persons at a steady rate; notes when each was sent (by external_person_id)."""

    def __init__(self, http: aiohttp.ClientSession, sim: str, args: argparse.Namespace) -> None:
        self.http = http
        self.sim = sim
        self.args = args
        self.sent: dict[str, float] = {}
        self.answered: list[float] = []  # ms from sending each POST to its answer
        self.errors = 0
        self.tasks: set[asyncio.Task[None]] = set()

    async def post(self, key: str) -> None:
        body = {"external_person_id": key, "custom_fields": {"first_name": "Ada", "last_name": "Lovelace"}}
        self.sent[key] = sent = time.time()
        try:
            async with self.http.post(self.sim + PERSONS, json=body, headers={"Authorization": AUTH}) as r:
                await r.read()
                self.answered.append((time.time() - sent) * 1000)
                if r.status != 201 and r.status != 200:
                    self.errors += 1
        except aiohttp.ClientError:
            self.errors += 1

    async def run(self, prefix: str) -> None:
        """Send ``rate * seconds`` POSTs, each as its own task (the server sees real concurrency)."""
        count = int(self.args.rate * self.args.seconds)

        async def one(n: int) -> None:
            task = asyncio.create_task(self.post(f"{prefix}-{n}"))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        await paced(self.args.rate, list(range(count)), one)
        await asyncio.gather(*self.tasks)


async def phase(http: aiohttp.ClientSession, server: Server, receiver: Bench | None, args: argparse.Namespace,
                name: str) -> Phase:  # fmt: skip
    client = Client(http, server.url, args)
    await asyncio.sleep(0.3)  # let the server settle (start-up work, the registration) before counting
    before = cpu_seconds(server.proc.pid)
    await client.run(name)
    events = len(client.sent)
    post_p99 = statistics.quantiles(client.answered, n=100)[98] if len(client.answered) > 1 else 0.0
    if receiver is None:
        cpu = (cpu_seconds(server.proc.pid) - before) / events * 1e6
        return Phase(events, cpu, errors=client.errors, post_p99_ms=post_p99)
    arrived = await receiver.arrivals(events, by="person")
    cpu = (cpu_seconds(server.proc.pid) - before) / events * 1e6
    ms = sorted((arrived[k] - t) * 1000 for k, t in client.sent.items() if k in arrived)
    q = statistics.quantiles(ms, n=100)
    return Phase(events, cpu, q[49], q[98], client.errors + events - len(ms), post_p99)


async def plain_sender(http: aiohttp.ClientSession, server: Server, receiver: Bench, args: argparse.Namespace) -> float:
    """This process's CPU per callback when a plain aiohttp sender sends the same callbacks at the same
    rate and concurrency to the same receiver: the cheapest a callback's share can be in Python.

    The bodies are copies of one the server sent (same shape and size), each with its own event_id.
    """
    async with http.get(server.url + "/_sim/deliveries", params={"limit": "1"}) as r:
        newest = (await r.json())[0]["id"]
    async with http.get(server.url + f"/_sim/deliveries/{newest}") as r:
        body = (await r.json())["body"]
    count = int(args.rate * args.seconds)
    bodies = [json.dumps({**body, "event_id": f"plain-{n}"}) for n in range(count)]
    await receiver.reset()
    cpu = time.process_time()
    await receiver.plain_send(bodies, started={})
    await receiver.arrivals(count)
    return (time.process_time() - cpu) / count * 1e6


async def run(args: argparse.Namespace, server: Server, url: str) -> tuple[Phase, Phase, float]:
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector) as http:
        receiver = Bench(http, url, argparse.Namespace(concurrency=args.connections, rate=args.rate))
        for n in range(50):  # the server's first requests load what they use: not part of any rate
            async with http.post(server.url + PERSONS, json={"external_person_id": f"warm-{n}"},
                                 headers={"Authorization": AUTH}) as r:  # fmt: skip
                await r.read()
        bare = await phase(http, server, None, args, "plain")
        body = {"callback_type": "person_added", "destination": {"url": url + "/hook"}}
        async with http.post(server.url + CALLBACKS, json=body, headers={"Authorization": AUTH}) as r:
            if r.status >= 300:
                raise SystemExit(f"registering the callback failed: {r.status} {await r.text()}")
        # One callback first: the server loads aiohttp with its first send (a start-up choice), a
        # pause of a few hundred ms that belongs to no steady rate.
        warm = {"external_person_id": "warm-up-callback"}
        async with http.post(server.url + PERSONS, json=warm, headers={"Authorization": AUTH}) as r:
            await r.read()
        await receiver.arrivals(1)
        await receiver.reset()
        with_callback = await phase(http, server, receiver, args, "hooked")
        plain = await plain_sender(http, server, receiver, args)
    return bare, with_callback, plain


def report(bare: Phase, hooked: Phase, plain: float, args: argparse.Namespace) -> bool:
    print(f"POST person through HTTP at {args.rate:g}/s for {args.seconds:g} s, {args.connections} client connections")
    print(f"  no callback:       server CPU {bare.cpu_us:.0f} µs per POST; POST answered p99"
          f" {bare.post_p99_ms:.2f} ms ({bare.errors} errors)")  # fmt: skip
    print(f"  one callback:      server CPU {hooked.cpu_us:.0f} µs per event; POST answered p99"
          f" {hooked.post_p99_ms:.2f} ms; event-to-receipt p50 {hooked.p50_ms:.2f} ms, p99 {hooked.p99_ms:.2f} ms"
          f" ({hooked.errors} errors or missing)")  # fmt: skip
    print(f"  the callback's share: {hooked.cpu_us - bare.cpu_us:.0f} µs per event")
    floor = bare.cpu_us + plain
    print(f"  a plain aiohttp sender, same callbacks, rate and concurrency: {plain:.0f} µs per callback;"
          f" with the POST alone: {floor:.0f} µs, the floor of the line above")  # fmt: skip
    ok = hooked.cpu_us <= CPU_GOAL_US and not hooked.errors
    emit("person add + its callback via HTTP, server CPU", f"<= {CPU_GOAL_US} µs",
         f"{hooked.cpu_us:.0f} µs (POST alone {bare.cpu_us:.0f} µs)", hooked.cpu_us / bare.cpu_us, ok)  # fmt: skip
    reference("person add + callback floor: POST alone + a plain aiohttp sender", f"{floor:.0f} µs (POST alone"
              f" {bare.cpu_us:.0f} µs, plain send {plain:.0f} µs per callback)", hooked.cpu_us / floor)  # fmt: skip
    emit(f"HTTP event-to-receipt p99 at {args.rate:g} persons/s", f"< {P99_GOAL_MS:g} ms",
         f"{hooked.p99_ms:.1f} ms (p50 {hooked.p50_ms:.1f} ms)", None, hooked.p99_ms < P99_GOAL_MS)  # fmt: skip
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1500, help="new persons per second")
    parser.add_argument("--seconds", type=float, default=4, help="length of each phase")
    parser.add_argument("--connections", type=int, default=16, help="client connections to the server")
    args = parser.parse_args()
    receiver_proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "bench_delivery.py"), "--serve-receiver"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    server = None
    try:
        assert receiver_proc.stdout is not None
        receiver = f"http://127.0.0.1:{int(receiver_proc.stdout.readline())}"
        argv = [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--seed", "1"]
        server = start("catapult_sim", argv)
        bare, hooked, plain = uvloop.run(run(args, server, receiver))
        return 0 if report(bare, hooked, plain, args) else 1
    finally:
        if server is not None:
            server.stop()
        receiver_proc.kill()
        receiver_proc.wait()


if __name__ == "__main__":
    raise SystemExit(main())
