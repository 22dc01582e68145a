"""Start-up: from starting ``catapult-sim serve`` to its first answer, against a bare uvicorn app.

Usage: ``.venv/bin/python benchmarks/bench_startup.py [--runs 7]``.

Each run starts a fresh process on 127.0.0.1 port 0, waits for the line announcing its address and
sends one request over a plain socket; the time is from the spawn to the last byte of that first
answer. The simulator answers a real Catapult call (its subscription lists, with Basic auth), so
work deferred to the first request counts. The baseline is a Starlette app with one route under
uvicorn with uvloop and httptools, started the same way. The two alternate, ``--runs`` times each;
the median is kept. Goal: the simulator under 500 ms on a quiet machine.
"""

from __future__ import annotations

import argparse
import base64
import os
import select
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._result import emit, load_average  # noqa: E402

GOAL_MS = 500.0
PATH = "/companies/demo/mobiledb/subscription_lists"
AUTH = "Basic " + base64.b64encode(b"VibesUser:Password123").decode()
ANNOUNCE = "listening on http://"
BARE = f"""
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def lists(request):
    return JSONResponse([])

app = Starlette(routes=[Route({PATH!r}, lists)])
config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                        loop="uvloop", http="httptools", lifespan="on")
server = uvicorn.Server(config)
original = server.startup

async def startup(sockets=None):
    await original(sockets=sockets)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    print(f"bare {ANNOUNCE}{{host}}:{{port}}", flush=True)

server.startup = startup
server.run()
"""
TARGETS = {
    "catapult_sim": [sys.executable, "-m", "catapult_sim", "serve", "--port", "0"],
    "bare uvicorn": [sys.executable, "-c", BARE],
}


def first_answer_ms(argv: list[str], cwd: Path = HERE.parent) -> tuple[float, float]:
    """Spawn ``argv``, wait for its address, GET once: milliseconds from spawn to the full answer, and
    the CPU milliseconds the server used in all (less disturbed by a busy machine than the wall time)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    try:
        assert proc.stdout is not None
        address = _address(proc)
        host, port = address.rsplit(":", 1)
        with socket.create_connection((host, int(port))) as sock:
            request = f"GET {PATH} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {AUTH}\r\nConnection: close\r\n\r\n"
            sock.sendall(request.encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        elapsed = (time.perf_counter() - started) * 1000
        if not answer.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"{argv[0]}: unexpected first answer {answer[:200]!r}")
    finally:
        proc.terminate()
        _, _, usage = os.wait4(proc.pid, 0)
        proc.returncode = 0
    return elapsed, (usage.ru_utime + usage.ru_stime) * 1000


def _address(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    seen = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.05)
        if ready:
            line = proc.stdout.readline()
            seen.append(line)
            if ANNOUNCE in line:
                return line.split(ANNOUNCE, 1)[1].strip()
            if not line:
                break
    raise SystemExit("server did not start:\n" + "".join(seen))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=7, help="starts of each server; the median is kept (default 7)")
    p.add_argument("--before", metavar="TREE", help="also start the simulator from another checkout (before/after)")
    args = p.parse_args(argv)
    targets = {name: (cmd, HERE.parent) for name, cmd in TARGETS.items()}
    if args.before:  # ``python -m`` puts the working directory first on sys.path: that checkout's package runs
        targets["before"] = (TARGETS["catapult_sim"], Path(args.before).resolve())
    print(f"start-up to first answer, {args.runs} runs each, median; load average {load_average()}")
    times: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, list[float]] = {name: [] for name in targets}
    for i in range(args.runs):
        order = list(targets) if i % 2 == 0 else list(reversed(targets))
        for name in order:
            wall, used = first_answer_ms(*targets[name])
            times[name].append(wall)
            cpu[name].append(used)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, ts in times.items():
        print(f"{name:<14} median {med[name]:7.1f} ms  (min {min(ts):.1f}, max {max(ts):.1f});"
              f"  CPU median {statistics.median(cpu[name]):6.1f} ms")  # fmt: skip
    sim, bare = med["catapult_sim"], med["bare uvicorn"]
    ok = sim < GOAL_MS
    print(f"ratio catapult_sim/bare uvicorn: {sim / bare:.2f}; goal < {GOAL_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")
    used = {name: statistics.median(c) for name, c in cpu.items()}
    measured = f"{sim:.0f} ms (bare {bare:.0f}); CPU {used['catapult_sim']:.0f} ms (bare {used['bare uvicorn']:.0f})"
    emit("start-up to first answer", f"< {GOAL_MS:.0f} ms", measured, sim / bare, ok)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
