"""The README's "make your CRM fail" demo, run as written (ports swapped for free ones): the same event
fails twice and arrives a third time with ``delivery_attempt`` 3, without waiting five real minutes."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from catapult_sim.testing.process import serve_process

pytestmark = pytest.mark.slow
README = Path(__file__).resolve().parents[1] / "README.md"


def demo_block() -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```$", README.read_text(encoding="utf-8"), re.M | re.S)
    block = next(b for b in blocks if "--fail 503,503" in b)
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settle(url: str) -> None:
    """Wait until no delivery is due now (each attempt recorded with its next time, or delivered)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        rows = httpx.get(url + "/_sim/deliveries").json()
        now = httpx.get(url + "/_sim/clock").json()["now"]
        if all(r["state"] == "delivered" or (r["next_attempt_at"] or "")[:19] > now[:19] for r in rows):
            return
        time.sleep(0.05)
    raise AssertionError(f"deliveries still due: {rows}")


def test_the_fail_demo_does_what_it_says() -> None:
    lines = demo_block()
    serve_line, receiver_line, *steps = lines
    serve_args = shlex.split(re.fullmatch(r'make serve ARGS="(.*)"', serve_line).group(1))  # type: ignore[union-attr]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_SIM_")}

    def cli(line: str) -> list[str]:
        argv = shlex.split(line.replace("9000", str(port)))
        assert argv[0] == ".venv/bin/catapult-sim", line
        return [sys.executable, "-m", "catapult_sim", *argv[1:]]

    with serve_process(*serve_args) as (_, url):
        env["CATAPULT_SIM_URL"] = url
        with subprocess.Popen(cli(receiver_line), stdout=subprocess.PIPE, text=True, env=env) as receiver:
            try:
                assert receiver.stdout is not None
                assert "receiving on" in receiver.stdout.readline()
                for step in steps[:-1]:
                    subprocess.run(cli(step), env=env, check=True, capture_output=True, timeout=30)
                    settle(url)  # as a person typing would: the attempt a step causes is over before the next
                deliveries = httpx.get(url + "/_sim/deliveries").json()
                listed = subprocess.run(cli(steps[-1]), env=env, capture_output=True, text=True, timeout=30)
            finally:
                receiver.terminate()
            received = [line for line in receiver.stdout if line.startswith("---")]
    assert [(d["callback_type"], d["state"], d["attempts"]) for d in deliveries] == [
        ("subscription_added", "delivered", 3)
    ]
    assert [re.search(r"delivery_attempt=(\d) +-> (\d+)", r).groups() for r in received] == [  # type: ignore[union-attr]
        ("1", "503"), ("2", "503"), ("3", "200")
    ]  # fmt: skip
    assert re.search(r"\bdelivered +3 +200 +subscription_added", listed.stdout), listed.stdout
