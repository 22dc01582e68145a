"""Real storms in child processes against receivers on 127.0.0.1: the command, --verify, and a Locust
master with two workers. Short storms (a few seconds), bounded waits."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest
from load_crm import Crm

import catapult_sim.load
from catapult_sim.load.storms import StormConfig, Stream
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.receiver import Answer

pytestmark = pytest.mark.slow
LOCUSTFILE = str(Path(catapult_sim.load.__file__).parent / "locustfile.py")
CLI = [sys.executable, "-m", "catapult_sim.cli.main", "load-receiver"]
WORKER_SPAN = 100_000 * 10_000_000  # X-Catapult-Sim-Delivery-Id // this = the worker index (storms.py)


def run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def field(out: str, name: str) -> str:
    match = re.search(rf"^{name}\s+(.*)$", out, re.MULTILINE)
    assert match, out
    return match.group(1)


def test_headless_run_reports_what_the_receiver_got_and_fails_a_broken_threshold(tmp_path: Path) -> None:
    with CallbackInbox() as receiver:
        receiver.script("*", *[Answer(503)] * 25)
        done = run([*CLI, receiver.url, "--users", "3", "--duration", "2s", "--duplicate-rate", "10%",
                    "--max-p99", "5s", "--max-error-rate", "0.1%", "--csv", str(tmp_path / "run"),
                    "--html", str(tmp_path / "run.html")])  # fmt: skip
        got = receiver.requests()
    assert done.returncode == 1, done.stderr
    sent = int(field(done.stdout, "sent").split()[0].replace(",", ""))
    assert sent == len(got) > 25
    statuses = Counter(str(r.status) for r in got)
    assert field(done.stdout, "by status") == f"200: {statuses['200']:,}, 503: 25"
    assert "FAIL error rate" in done.stdout and "PASS p99" in done.stdout
    assert re.search(r"p50 [\d.]+\s+p95 [\d.]+\s+p99 [\d.]+\s+max [\d.]+", done.stdout)
    assert (tmp_path / "run_stats.csv").is_file() and (tmp_path / "run.html").stat().st_size > 1000
    assert {r.callback_type for r in got} == {"person_added", "ack_participant_added", "subscription_added"}


def test_a_request_budget_sends_exactly_that_and_ends_the_run_early() -> None:
    with CallbackInbox() as receiver:
        done = run([*CLI, receiver.url, "--profile", "optout", "--users", "2", "--requests-per-user", "30",
                    "--duration", "10m", "--seed", "3"])  # fmt: skip
        got = receiver.requests()
    assert done.returncode == 0, done.stderr
    assert field(done.stdout, "sent").startswith("60 callbacks") and len(got) == 60
    planned = [s for u in (0, 1) for s in islice(Stream(StormConfig(profile="optout", seed=3), receiver.url, 0, u), 30)]
    assert sorted(r.body.decode() for r in got) == sorted(s.request.body for s in planned)


@pytest.mark.parametrize("dedupe", [True, False])
def test_verify_passes_an_idempotent_crm_and_catches_a_naive_one(dedupe: bool) -> None:
    with Crm(dedupe=dedupe) as crm:
        done = run([*CLI, crm.url + "/hook", "--users", "2", "--duration", "2s", "--duplicate-rate", "30%",
                    "--retry-rate", "20%", "--max-error-rate", "0%", "--verify", crm.url + "/rows"])  # fmt: skip
    assert "verdict       PASS" in done.stdout, done.stdout + done.stderr
    if dedupe:
        assert done.returncode == 0 and "verify        PASS" in done.stdout
    else:
        assert done.returncode == 1 and "verify        FAIL" in done.stdout
        assert "shown more than once" in done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_master_and_two_workers_send_exactly_what_the_master_counts(tmp_path: Path) -> None:
    """Two users per worker, 60 requests each: the storm is exact, so the receiver's requests can be
    compared with the streams the workers derive from the seed and their index."""
    port, per_user = free_port(), 60
    config = StormConfig(profile="launch", seed=11, duplicate_rate=0.1, retry_rate=0.1)
    storm = ["--storm", "launch", "--storm-seed", "11", "--duplicate-rate", "0.1", "--retry-rate", "0.1",
             "--requests-per-user", str(per_user)]  # fmt: skip
    with CallbackInbox() as receiver:
        master = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--master", "--headless", "-u", "4", "-r", "4",
             "-t", "9s", "--expect-workers", "2", "--master-bind-host", "127.0.0.1", "--master-bind-port",
             str(port), "--host", receiver.url, "--stop-timeout", "10", "--csv", str(tmp_path / "m"), *storm],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        worker = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--worker", "--master-host", "127.0.0.1",
                  "--master-port", str(port)]  # fmt: skip
        workers = [subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        try:
            _, log = master.communicate(timeout=90)
            for w in workers:
                w.wait(30)
        finally:
            for p in (master, *workers):
                if p.poll() is None:
                    p.kill()
        got = receiver.requests()
    assert master.returncode == 0, log[-3000:]
    with open(tmp_path / "m_stats.csv", newline="") as f:
        total = next(row for row in csv.DictReader(f) if row["Name"] == "Aggregated")
    assert int(total["Request Count"]) == len(got) == 4 * per_user
    statuses = json.loads(re.search(r"callback statuses: (\{.*\})", log).group(1))
    assert statuses == {"200": len(got)}

    # Each worker's users are numbered 0, 1 in that worker; their streams are the whole storm.
    planned = [s for w in (0, 1) for u in (0, 1) for s in islice(Stream(config, receiver.url, w, u), per_user)]
    assert Counter(r.body.decode() for r in got) == Counter(s.request.body for s in planned)
    assert Counter(int(r.headers["X-Catapult-Sim-Delivery-Id"]) // WORKER_SPAN for r in got) == {0: 120, 1: 120}
    copies = Counter(r.json["event_id"] for r in got)
    extra = sum(n - 1 for n in copies.values())
    resent = sum(s.kind != "first" for s in planned)
    assert 0 < extra == resent <= 0.4 * len(copies)  # only the planned duplicates and retries repeat an event_id


def test_web_serves_locusts_ui_with_the_storm_running() -> None:
    port = free_port()
    with CallbackInbox() as receiver:
        proc = subprocess.Popen(
            [*CLI, receiver.url, "--web", "--web-port", str(port), "--users", "2", "--duration", "30s"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            page, deadline = "", time.monotonic() + 60
            while time.monotonic() < deadline and not page:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        page = r.read().decode()
                except OSError:
                    time.sleep(0.3)
            receiver.wait_requests(10, timeout=30)  # --web starts the storm at once
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            assert proc.stdout is not None
            output = proc.stdout.read()
            proc.stdout.close()
    assert "Locust" in page
    assert f"Locust web UI: http://127.0.0.1:{port}" in output
