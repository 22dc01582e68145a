"""What ``catapult-sim serve`` prints: the credentials of the seed it loaded, and one line per failed
delivery attempt and per paused or recovered destination (none of them with ``--log-level warning``)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.process import listening_url

pytestmark = pytest.mark.slow
MDN = "+12135551234"


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, queue.Queue[str]]]:
    """The real process; yields its URL and a queue of its stderr lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_SIM_")}
    cmd = [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", *args]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        lines: queue.Queue[str] = queue.Queue()
        stderr = proc.stderr
        assert stderr is not None
        pump = threading.Thread(target=lambda: [lines.put(line) for line in stderr], daemon=True)
        pump.start()
        try:
            yield listening_url(proc), lines
        finally:
            proc.kill()
            proc.wait(10)
            pump.join(10)  # every line the process wrote is in the queue before the caller looks


def wait_line(lines: queue.Queue[str], text: str, timeout: float = 20.0) -> str:
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line with {text!r} in {seen}") from None
        seen.append(line)
        if text in line:
            return line


def test_the_banner_shows_the_credentials_of_the_loaded_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"companies": [{"key": "acme", "username": "acme-api", "password": "s3cret"}]}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_SIM_")}
    cmd = [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--seed-file", str(seed)]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env) as proc:
        try:
            assert proc.stdout is not None
            assert "listening on http://127.0.0.1:" in proc.stdout.readline()
            assert proc.stdout.readline().strip() == "company 'acme': Basic auth acme-api / s3cret"
        finally:
            proc.kill()


def _flaky_destination(rx: CallbackInbox, *extra: str) -> list[str]:
    rx.script("*", 503)  # then the default 200
    return ["--callback-url", rx.url, "--retry-schedule", "100ms", "--downed-after", "1",
            "--downed-cooldown", "300ms", *extra]  # fmt: skip


def test_failed_attempts_and_paused_and_recovered_destinations_are_one_line_each() -> None:
    with CallbackInbox() as rx, serve(*_flaky_destination(rx)) as (url, lines):
        httpx.post(url + "/_sim/companies/demo/opt-in", json={"mdn": MDN, "list_id": "1001"}).raise_for_status()
        failed = wait_line(lines, "failed")
        assert "attempt 1" in failed and "503" in failed and rx.url in failed
        assert rx.url in wait_line(lines, "paused")
        assert rx.url in wait_line(lines, "recovered")
        rx.wait_requests(2)


def recorded(url: str, timeout: float = 10.0) -> list[dict[str, object]]:
    """The delivery log once the newest attempt is recorded: the dispatcher writes attempts in
    batches a few milliseconds after their answers, so the receiver can see a request first."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries: list[dict[str, object]] = httpx.get(url + "/_sim/deliveries").json()
        if deliveries[0]["attempts"] == 2 or time.monotonic() > deadline:
            return deliveries
        time.sleep(0.02)


def test_log_level_warning_keeps_serve_quiet() -> None:
    with CallbackInbox() as rx, serve(*_flaky_destination(rx, "--log-level", "warning")) as (url, lines):
        httpx.post(url + "/_sim/companies/demo/opt-in", json={"mdn": MDN, "list_id": "1001"}).raise_for_status()
        rx.wait_requests(2)  # the failure, then the success after the pause
        deliveries = recorded(url)
        assert deliveries[0]["state"] == "delivered"
    leftover = []
    while not lines.empty():
        leftover.append(lines.get())
    assert leftover == []
