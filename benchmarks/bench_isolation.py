"""What it costs to give each test an isolated simulator (not part of the test suite).

    .venv/bin/python benchmarks/bench_isolation.py [--tests 200]

Measures the per-test setup and teardown of four ways to isolate tests, each followed by one
Catapult call (``GET /mobiledb/subscription_lists``) so lazy work is counted, and prints each with
its ratio to (a), measured in the same run:

(a)  a session server and a fresh company key per test, with two new HTTP clients per test
     (the plugin's first fixture);
(a') a session server and a fresh company key per test over one connection pool for the session
     (the ``catapult`` fixture now);
(b)  a session server and one company reset per test, with its journal and fault rules cleared
     (what a reset needs to isolate as much as a fresh key does);
(c)  an in-process app (Starlette ``TestClient``, lifespan running) created per test.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from catapult_sim.settings import Settings
from catapult_sim.testing.handle import Catapult
from catapult_sim.testing.server import serve_in_thread

SETTINGS = Settings(retry_preset="fast")  # as the plugin starts it
LISTS = "/mobiledb/subscription_lists"
_keys = itertools.count(1)


def fresh_key_new_clients(url: str) -> None:
    handle = Catapult(url, f"bench-a-{next(_keys)}")
    handle.sim.health()
    handle.sim.reset()
    assert handle.api.get(LISTS).status_code == 200
    if handle.sim.clock().get("mode") == "manual":
        handle.sim.system_clock()
    handle.close()


def fresh_key_shared_pool(url: str, http: httpx.Client) -> None:
    handle = Catapult(url, f"bench-a2-{next(_keys)}", http=http)
    handle.sim.reset()
    assert handle.api.get(LISTS).status_code == 200
    if handle.changed_clock or handle.sim.clock().get("mode") == "manual":
        handle.sim.system_clock()
    handle.close()


def reset_one_company(handle: Catapult) -> None:
    handle.sim.reset()
    handle.sim.http.delete("/_sim/journal", params={"company": handle.company}).raise_for_status()
    handle.sim.http.delete("/_sim/faults", params={"company": handle.company}).raise_for_status()
    assert handle.api.get(LISTS).status_code == 200
    if handle.sim.clock().get("mode") == "manual":
        handle.sim.system_clock()


def in_process_app() -> None:
    with TestClient(create_app(SETTINGS)) as client:
        resp = client.get(f"/companies/demo{LISTS}", auth=(DEMO_USERNAME, DEMO_PASSWORD))
        assert resp.status_code == 200


def measure(work: Callable[[], None], tests: int) -> list[float]:
    for _ in range(max(3, tests // 20)):  # warm up (imports, connection pools, caches)
        work()
    times = []
    for _ in range(tests):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float], baseline: float | None) -> float:
    mean = statistics.fmean(times) * 1000
    median = statistics.median(times) * 1000
    ratio = "1.00x (baseline)" if baseline is None else f"{mean / baseline:.2f}x"
    print(f"{label:<58} mean {mean:7.2f} ms  median {median:7.2f} ms  {ratio}")
    return mean


@contextmanager
def session() -> Iterator[tuple[str, httpx.Client, Catapult]]:
    with (
        serve_in_thread(create_app(SETTINGS)) as server,
        httpx.Client(base_url=server.url, timeout=10.0) as http,
        Catapult(server.url, "bench-b", http=http) as shared,
    ):
        yield server.url, http, shared


def main(tests: int) -> None:
    with session() as (url, http, shared):
        print(f"per-test setup + teardown + one Catapult call, {tests} tests each")
        base = report(
            "(a)  session server, fresh key, new clients per test",
            measure(lambda: fresh_key_new_clients(url), tests),
            None,
        )
        report(
            "(a') session server, fresh key, shared connection pool",
            measure(lambda: fresh_key_shared_pool(url, http), tests),
            base,
        )
        report(
            "(b)  session server, reset + clear journal/faults per test",
            measure(lambda: reset_one_company(shared), tests),
            base,
        )
    report("(c)  in-process app (TestClient) per test", measure(in_process_app, tests), base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per way (default 200)")
    main(parser.parse_args().tests)
