"""Throughput and latency of the simulator against a bare Starlette app, measured with ``wrk``.

Usage: ``make bench`` or ``.venv/bin/python benchmarks/bench_api.py [--duration 5] [--connections 16]``.

Both servers run as their own process on 127.0.0.1 (a free port each), under uvicorn with uvloop
and httptools and the same settings ``catapult-sim serve`` uses. The bare app answers GET with a
constant person (the very JSON the simulator returned for the seeded person) and POST by parsing the
JSON body and answering a constant 201, so the ratio shows what the simulator's request journal,
auth, validation, rules and SQLite cost on top of the framework.

A third server, ``bare+sqlite``, is the bare app running the simulator's own SQL and nothing else
(``storage_floor``: the same schema on the same SQLite VFS; POST runs BEGIN IMMEDIATE, the MDN
lookup, the INSERT and COMMIT; GET reads the row by key). Its ratio against the bare app is the
storage floor, printed as a reference line: the simulator cannot be faster than its store, so a goal
above that line cannot be met by trimming the simulator's own code.

GET person reads one seeded person by ``person_key`` (after the first read, from the simulator's
memory). GET persons reads 20,000 persons loaded with the bulk import, in turn (``get_persons.lua``):
twice what the simulator keeps in memory, so each read goes to its store. POST person adds a NEW person on every request
(``post_person.lua`` varies the MDN): the create path (MDN lookup, new ids, insert, domain event) is
what an initial CRM sync sends, and the table grows as it would in a real sync; repeating one MDN
would instead measure merges into a single hot row. After the runs the script checks that the
simulator holds at least as many new persons as wrk completed POSTs.

Prints requests/s, p50 and p99 latency side by side, the ratio catapult_sim/bare, and PASS or FAIL
against the floors (GET >= 0.7, POST >= 0.6), for each connection count of ``--connections``
(``16,50`` runs both); exits 1 on FAIL, 2 when it cannot run.

``--live-page`` adds a second simulator process with one inspector page open on it: a client that
listens to ``/_sim/ui/feed`` and fetches what a browser showing the Requests page fetches on each
notice (the journal's newest page). Both simulators are measured in the same rounds, so the two
ratios against the bare app show what an open page costs the API (the goal: nothing beyond noise).
This is a benchmark, not a test: it is never part of ``make test``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import itertools
import json
import os
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._result import emit, reference

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COMPANY = "demo"
USER, PASSWORD = "VibesUser", "Password123"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
PERSONS = f"/companies/{COMPANY}/mobiledb/persons"
FLOORS = {"GET person": 0.7, "GET persons": 0.7, "POST person": 0.6}
MANY = 20_000  # persons GET persons reads in turn: twice what the simulator keeps in memory (a read per request)
API_GOAL = 3000  # new persons per second through the API from one client process
ANNOUNCE = "listening on http://"
LIVE = "sim+page"  # the simulator with one inspector page open (--live-page)
STORE = "bare+sqlite"  # the bare app running the simulator's SQL and nothing else (storage_floor)
RUNS = itertools.count()  # each wrk run gets its own MDN prefix (post_person.lua)
WRK_MISSING = """wrk (the HTTP load generator) is not installed.
  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk
  macOS:         brew install wrk
  elsewhere:     build it from https://github.com/wg/wrk"""


# -- the bare app (run in its own process with --serve-bare) --------------------------------------


def serve_bare() -> int:
    """A Starlette app with no logic, served exactly like ``catapult-sim serve`` serves the simulator."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    person = json.loads(os.environ["CATAPULT_BENCH_PERSON"])
    if os.environ.get("CATAPULT_BENCH_STORE") == "1":
        get_person, add_person = storage_floor(person)
    else:

        async def get_person(request: Request) -> JSONResponse:
            return JSONResponse(person)

        async def add_person(request: Request) -> JSONResponse:
            await request.json()
            return JSONResponse(person, status_code=201)

    app = Starlette(
        routes=[
            Route(PERSONS, add_person, methods=["POST"]),
            Route(PERSONS + "/{person_key}", get_person, methods=["GET"]),
        ]
    )
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
        loop="uvloop", http="httptools", lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    original = server.startup

    async def startup(sockets: Any = None) -> None:
        await original(sockets=sockets)
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        print(f"bare app {ANNOUNCE}{host}:{port}", flush=True)

    server.startup = startup  # type: ignore[method-assign]
    server.run()
    return 0


def storage_floor(person: dict[str, Any]) -> tuple[Any, Any]:
    """The bare app's handlers with the simulator's own SQL and nothing else: the storage floor.

    Same schema, same SQLite VFS (``memdb``), the very statements the simulator runs: POST a new
    person is BEGIN IMMEDIATE, the MDN lookup, the INSERT and COMMIT; GET by key is the SELECT by key.
    No validation, auth, journal, rules, rendering or events: what the simulator costs above this
    line is its own code; nothing that runs these statements can go below it.
    """
    import random

    from starlette.requests import Request
    from starlette.responses import JSONResponse

    from catapult_sim.core.repo import INSERT_PERSON  # the simulator's statements, not a copy
    from catapult_sim.core.store import _SCHEMA, _connect

    conn = _connect(":memory:")
    conn.executescript(_SCHEMA)
    keys = [person["person_key"], *Path(os.environ["CATAPULT_BENCH_KEYS"]).read_text().split()]
    now = "2026-01-01T00:00:00.000000Z"
    rows = [(COMPANY, key, n + 1, None, f"+14{n:09d}", None, "{}", None, None, now, now) for n, key in enumerate(keys)]
    with conn:
        conn.executemany(INSERT_PERSON, rows)
    ids = itertools.count(len(keys) + 1)
    by_mdn = "SELECT * FROM persons WHERE company=? AND mdn=? ORDER BY updated_at DESC, person_id DESC"
    missing = {"errors": [{"code": "not_found", "message": "no such person"}]}

    async def get_person(request: Request) -> JSONResponse:
        key = request.path_params["person_key"]
        row = conn.execute("SELECT * FROM persons WHERE company=? AND person_key=?", (COMPANY, key)).fetchone()
        return JSONResponse(person) if row is not None else JSONResponse(missing, status_code=404)

    fields = json.dumps(person.get("custom_fields") or {})  # one text for every row: no encoder cost
    bits = random.Random(1).getrandbits  # keys at random places in the key index, as the simulator's

    async def add_person(request: Request) -> JSONResponse:
        body = await request.json()
        mdn = "+1" + body["mobile_phone"]["mdn"]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(by_mdn, (COMPANY, mdn)).fetchall()
        key = "%032x" % bits(128)  # noqa: UP031 (the cheapest form: a floor)
        conn.execute(INSERT_PERSON, (COMPANY, key, next(ids), None, mdn, None, fields, None, None, now, now))
        conn.execute("COMMIT")
        return JSONResponse(person, status_code=201)

    return get_person, add_person


# -- processes --------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(name: str, argv: list[str], env: dict[str, str] | None = None, timeout: float = 20.0) -> Server:
    """Start a server process on port 0 and wait for the line announcing its real address."""
    proc = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **(env or {})}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        seen.append(line)
        if ANNOUNCE in line:
            url = "http://" + line.split(ANNOUNCE, 1)[1].strip()
            threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
            return Server(name, proc, url)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"{name} did not start:\n{''.join(seen)}")


def _drain(stream: Any) -> None:
    for _ in stream:
        pass


def seed_person(sim_url: str) -> tuple[str, dict[str, Any]]:
    """Add the person GET reads; returns its path and the JSON the simulator shows for it."""
    body = {"mobile_phone": {"mdn": "2135550100"}, "custom_fields": {"first_name": "Grace"}}
    with httpx.Client(base_url=sim_url, headers={"Authorization": AUTH}) as client:
        created = client.post(PERSONS, json=body)
        created.raise_for_status()
        path = PERSONS + "/" + created.json()["person_key"]
        got = client.get(path)
        got.raise_for_status()
    return path, got.json()


def seed_many(sim_url: str, count: int, keys_file: Path) -> None:
    """Load ``count`` persons with the bulk import and write their keys, one per line, to ``keys_file``."""
    lines = "".join(json.dumps({"mobile_phone": {"mdn": f"4{n:09d}"}}) + "\n" for n in range(count))
    with httpx.Client(base_url=sim_url, headers={"Authorization": AUTH}, timeout=120) as client:
        client.post(f"/_sim/companies/{COMPANY}/persons/import?format=jsonl", content=lines).raise_for_status()
        state = client.get(f"/_sim/companies/{COMPANY}/state")
        state.raise_for_status()
    keys = [p["person_key"] for p in state.json()["persons"] if p["mobile_phone"]["mdn"].lstrip("+1").startswith("4")]
    assert len(keys) == count, f"{len(keys)} persons loaded, not {count}"
    keys_file.write_text("".join(k + "\n" for k in keys))


class LivePage:
    """What an open Requests page does: follow the live feed and fetch the list on each notice."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.refreshes = 0
        self.notices = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LivePage:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():  # the server ends each stream after a minute; reconnect
                with client.stream("GET", "/_sim/ui/feed") as feed:
                    for line in feed.iter_lines():
                        if self._stop.is_set():
                            return
                        if line == "event: journal":
                            self.notices += 1
                            client.get("/_sim/ui/requests", params={"partial": "1"}).raise_for_status()
                            self.refreshes += 1


# -- wrk ------------------------------------------------------------------------------------------


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0  # completed requests, warm-up included (measure() sums them)
    cpu_us: float = 0.0  # the server process's CPU time per request (least of the runs); 0: unknown


def wrk(url: str, script: str, args: argparse.Namespace, seconds: int, run: int) -> Result:
    argv = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
        "--timeout", "10s", "-s", str(HERE / script), url,
    ]  # fmt: skip
    env = {**os.environ, "CATAPULT_BENCH_AUTH": AUTH, "CATAPULT_BENCH_RUN": str(run)}
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"{shlex.join(argv)} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    return Result(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["non2xx"] + data["socket_errors"],
        requests=data["requests"],
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc; 0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    targets: dict[str, str], script: str, args: argparse.Namespace, pids: dict[str, int] | None = None
) -> dict[str, Result]:
    """Warm each target up, then alternate them for ``--rounds`` runs and keep each one's best run.

    Best-of-N (as ``timeit`` does): on a shared machine, noise only ever makes a run slower. The
    server's CPU time per request is measured too (from /proc): a machine busy with other work
    changes it much less than it changes requests per second.
    """
    runs: dict[str, list[Result]] = {name: [] for name in targets}
    warm = {name: wrk(url, script, args, args.warmup, next(RUNS)).requests for name, url in targets.items()}
    for i in range(args.rounds):
        order = list(targets) if i % 2 == 0 else list(reversed(targets))
        for name in order:
            pid = (pids or {}).get(name)
            before = cpu_seconds(pid) if pid else 0.0
            run = wrk(targets[name], script, args, args.duration, next(RUNS))
            if pid and run.requests:
                run.cpu_us = (cpu_seconds(pid) - before) / run.requests * 1e6
            runs[name].append(run)
    best = {name: max(rs, key=lambda r: r.rps) for name, rs in runs.items()}
    least_cpu = {name: min((r.cpu_us for r in rs), default=0.0) for name, rs in runs.items()}
    # A failed request in any measured run counts, not only in the best one.
    return {
        n: Result(
            b.rps,
            b.p50_ms,
            b.p99_ms,
            sum(r.errors for r in runs[n]),
            warm[n] + sum(r.requests for r in runs[n]),
            least_cpu[n],
        )
        for n, b in best.items()
    }


def persons_created(sim_url: str) -> int:
    """How many persons the simulator holds: person_id is a per-company sequence, so a new one tells."""
    body = {"mobile_phone": {"mdn": "2135550101"}}
    with httpx.Client(base_url=sim_url, headers={"Authorization": AUTH}) as client:
        created = client.post(PERSONS, json=body)
        created.raise_for_status()
    return int(created.json()["person_id"]) - 1


def check_creates(posted: Result, created: int) -> bool:
    """Every POST completed by wrk must have created a person (a merge would not add one)."""
    made = created - 1 - MANY  # the seeded person, the persons GET persons reads
    ok = made >= posted.requests
    verdict = "" if ok else "  FAIL: POSTs merged instead of creating"
    print(f"POST person: {posted.requests} requests completed, {made} persons created{verdict}")
    return ok


# -- report ---------------------------------------------------------------------------------------


def report(results: dict[str, dict[str, Result]], connections: int) -> bool:
    """Print the side-by-side table; True when every floor holds and no request failed."""
    head = f"{'endpoint':<12} {'server':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU us/req':>10}"
    print("\n" + head)
    ok = True
    for endpoint, by in results.items():
        for name, r in by.items():
            cpu = f"{r.cpu_us:>10.0f}" if r.cpu_us else f"{'-':>10}"
            print(f"{endpoint:<12} {name:<12} {r.rps:>9.0f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7} {cpu}")
        ratio = by["catapult_sim"].rps / by["bare"].rps
        floor = FLOORS[endpoint]
        if LIVE in by:
            live = by[LIVE].rps / by["bare"].rps
            page_cpu = by[LIVE].cpu_us / by["catapult_sim"].cpu_us if by["catapult_sim"].cpu_us else float("nan")
            print(f"{endpoint:<12} {'ratio':<12} {live:>9.3f}   {LIVE}/bare (one inspector page open); "
                  f"{by[LIVE].rps / by['catapult_sim'].rps:.3f} of the simulator's req/s without it; "
                  f"server CPU per request {page_cpu:.3f}x")  # fmt: skip
        errors = sum(r.errors for r in by.values())
        verdict = "PASS" if ratio >= floor and errors == 0 else "FAIL"
        note = f" ({errors} failed requests)" if errors else ""
        print(f"{endpoint:<12} {'ratio':<12} {ratio:>9.3f}   catapult_sim/bare, floor {floor:.2f}: {verdict}{note}")
        sim, bare = by["catapult_sim"].rps, by["bare"].rps
        measured = f"{sim:,.0f} vs {bare:,.0f} req/s{note}"
        sim_cpu, bare_cpu = by["catapult_sim"].cpu_us, by["bare"].cpu_us
        if sim_cpu and bare_cpu:  # on a busy machine req/s drift; the servers' CPU per request less so
            measured += f"; CPU {sim_cpu:.0f} vs {bare_cpu:.0f} µs/req ({bare_cpu / sim_cpu:.2f})"
        emit(f"{endpoint} vs bare Starlette, {connections} conn.", f">= {floor:.2f} of bare", measured, ratio,
             verdict == "PASS")  # fmt: skip
        if STORE in by:
            store, store_cpu = by[STORE].rps, by[STORE].cpu_us
            line = f"{store / bare:.3f}   {STORE}/bare: the simulator's SQL alone in the bare app"
            text = f"{store:,.0f} vs {bare:,.0f} req/s"
            if store_cpu and bare_cpu:
                line += f"; server CPU {store_cpu:.0f} vs {bare_cpu:.0f} µs/req ({bare_cpu / store_cpu:.2f})"
                text += f"; CPU {store_cpu:.0f} vs {bare_cpu:.0f} µs/req ({bare_cpu / store_cpu:.2f})"
            print(f"{endpoint:<12} {'floor':<12} {line}")
            reference(f"{endpoint}: storage floor (bare + the simulator's SQL) vs bare, {connections} conn.", text,
                      store / bare)  # fmt: skip
        ok = ok and verdict == "PASS"
    posted = results["POST person"]["catapult_sim"]
    if connections == 16:  # wrk is one client process
        emit("API new persons/s from one client (wrk, 16 conn.)", f">= {API_GOAL:,} /s", f"{posted.rps:,.0f} /s",
             posted.rps / results["POST person"]["bare"].rps, posted.rps >= API_GOAL)  # fmt: skip
        ok = ok and posted.rps >= API_GOAL
    return ok


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--duration", type=int, default=5, help="seconds per measured run (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per target (default 1)")
    p.add_argument("--rounds", type=int, default=2, help="measured runs per target; best kept (default 2)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: 2-core machines)")
    p.add_argument("--connections", default="16", help="wrk connections; a list runs each (default 16; e.g. 16,50)")
    p.add_argument("--live-page", action="store_true", help="also measure a simulator with an inspector page open")
    p.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_bare:
        return serve_bare()
    if shutil.which("wrk") is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    sim_argv = [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--seed", "1"]
    servers = [start("catapult_sim", sim_argv)]
    try:
        path, person = seed_person(servers[0].url)
        keys_dir = tempfile.TemporaryDirectory()
        keys_file = Path(keys_dir.name) / "keys.txt"
        seed_many(servers[0].url, MANY, keys_file)
        os.environ["CATAPULT_BENCH_KEYS"] = str(keys_file)  # for get_persons.lua
        bare_env = {"CATAPULT_BENCH_PERSON": json.dumps(person)}
        servers.append(start("bare", [sys.executable, __file__, "--serve-bare"], bare_env))
        store_env = {**bare_env, "CATAPULT_BENCH_STORE": "1"}
        servers.append(start(STORE, [sys.executable, __file__, "--serve-bare"], store_env))
        page_url, refreshes, notices = None, 0, 0
        if args.live_page:
            servers.append(start(LIVE, sim_argv))
            live_path, _ = seed_person(servers[-1].url)
            assert live_path.rsplit("/", 1)[0] == PERSONS
            live_keys = Path(keys_dir.name) / "live-keys.txt"
            seed_many(servers[-1].url, MANY, live_keys)  # the same --seed: the same person keys
            assert live_keys.read_text() == keys_file.read_text(), "the two simulators made other keys"
            path_of = {s.name: s.url + (live_path if s.name == LIVE else path) for s in servers}
            page_url = servers[-1].url
        else:
            path_of = {s.name: s.url + path for s in servers}
        runs = {}
        for connections in [int(c) for c in str(args.connections).split(",")]:
            args.connections = connections
            load = os.getloadavg()[0]
            print(f"wrk -t{args.threads} -c{args.connections}, {args.duration}s per run, best of "
                  f"{args.rounds}; {os.cpu_count()} CPUs, load average {load:.2f} before the run")  # fmt: skip
            pids = {s.name: s.proc.pid for s in servers}
            with LivePage(page_url) if page_url else contextlib.nullcontext() as page:
                runs[connections] = {
                    "GET person": measure(path_of, "get_person.lua", args, pids),
                    "GET persons": measure({s.name: s.url + PERSONS for s in servers}, "get_persons.lua", args, pids),
                    "POST person": measure({s.name: s.url + PERSONS for s in servers}, "post_person.lua", args, pids),
                }
            if isinstance(page, LivePage):
                refreshes, notices = refreshes + page.refreshes, notices + page.notices
        created = persons_created(servers[0].url)
        if page_url:
            print(f"the open page got {notices} journal notices and refreshed its list {refreshes} times")
    finally:
        for s in servers:
            s.stop()
    floors_ok = all([report(results, connections) for connections, results in runs.items()])
    posted = sum(r["POST person"]["catapult_sim"].requests for r in runs.values())
    creates_ok = check_creates(Result(0, 0, 0, 0, posted), created)
    return 0 if floors_ok and creates_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
