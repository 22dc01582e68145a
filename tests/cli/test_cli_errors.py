"""A user mistake anywhere in ``catapult-sim`` is one line naming the flag or variable, exit 2, no traceback.

These run the real process: what is checked is what a user sees on the terminal.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_SIM_")}
    return subprocess.run(
        [sys.executable, "-m", "catapult_sim", *args],
        capture_output=True, text=True, timeout=60, env={**clean, **(env or {})}, cwd=cwd,
    )  # fmt: skip


def one_line_naming(done: subprocess.CompletedProcess[str], name: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert name in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        yield taken.getsockname()[1]


def test_a_busy_port(busy_port: int) -> None:
    line = one_line_naming(run("serve", "--port", str(busy_port)), f"--port {busy_port}")
    assert "in use" in line


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range(port: str) -> None:
    one_line_naming(run("serve", "--port", port), "--port")


def test_a_busy_receiver_port(busy_port: int) -> None:
    one_line_naming(run("deliveries", "receiver", "--port", str(busy_port)), f"--port {busy_port}")


@pytest.mark.parametrize("fail", ["5x3", "503,abc", "99"])
def test_bad_fail_statuses(fail: str) -> None:
    one_line_naming(run("deliveries", "receiver", "--fail", fail), "--fail")


def test_a_db_in_a_missing_directory(tmp_path: Path) -> None:
    line = one_line_naming(run("serve", "--db", str(tmp_path / "nowhere" / "sim.db")), "--db")
    assert "nowhere" in line


def test_a_missing_seed_file(tmp_path: Path) -> None:
    one_line_naming(run("serve", "--seed-file", str(tmp_path / "absent.json")), "--seed-file")


def test_an_unreadable_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_bytes(b"\xff\xfe not text")
    one_line_naming(run("serve", "--seed-file", str(seed)), "--seed-file")


def test_an_invalid_seed_file_lists_its_problems_on_one_line(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"companies": [{"key": 7}], "nonsense": true}')
    line = one_line_naming(run("serve", "--seed-file", str(seed)), "--seed-file")
    assert "companies" in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CATAPULT_SIM_CLOCK", "bogus"),
        ("CATAPULT_SIM_PORT", "99999"),
        ("CATAPULT_SIM_PORT", "eighty"),
        ("CATAPULT_SIM_STRICT_COMPANIES", "maybe"),
        ("CATAPULT_SIM_RETRY_PRESET", "hourly"),
        ("CATAPULT_SIM_DOWNED_COOLDOWN", "soon"),
        ("CATAPULT_SIM_SEED", "x"),
        ("CATAPULT_SIM_LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_environment_value(variable: str, value: str) -> None:
    line = one_line_naming(run("serve", env={variable: value}), variable)
    assert repr(value) in line or value in line


def test_a_bad_flag_value_names_the_flag() -> None:
    one_line_naming(run("serve", "--delivery-timeout", "soon"), "--delivery-timeout")
    one_line_naming(run("serve", "--clock", "bogus"), "--clock")


@pytest.mark.parametrize(
    "argv", [["openapi", "--out"], ["fixtures", "sample", "--out"], ["fixtures", "generate", "--out"]]
)
def test_an_out_path_that_cannot_be_written(argv: list[str], tmp_path: Path) -> None:
    one_line_naming(run(*argv, str(tmp_path / "missing" / "deeper" / "x.json") if argv[0] == "openapi" else "/proc/x"),
                    "--out")  # fmt: skip


def test_a_receiver_host_that_does_not_resolve() -> None:
    one_line_naming(run("deliveries", "receiver", "--host", "no-such-host.invalid"), "--host")


def test_an_unreachable_simulator() -> None:
    one_line_naming(run("health", "--url", "http://127.0.0.1:9"), "http://127.0.0.1:9")


def test_a_missing_body_file() -> None:
    one_line_naming(run("journal", "verify", "--body", "@/no/such.json", "--url", "http://127.0.0.1:9"), "--body")


def test_output_piped_into_a_reader_that_leaves() -> None:
    """``catapult-sim ... | head -1``: the reader closes the pipe early; no BrokenPipe traceback."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_SIM_")}
    for argv in (["openapi"], ["fixtures", "generate", "--count", "2000", "--validate", "none"], ["serve", "--help"]):
        with subprocess.Popen(
            [sys.executable, "-m", "catapult_sim", *argv],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean,
        ) as proc:  # fmt: skip
            assert proc.stdout is not None and proc.stderr is not None
            proc.stdout.readline()
            proc.stdout.close()  # what `head -1` does after its line
            err = proc.stderr.read().decode()
            assert proc.wait(60) == 0, err
        assert "Traceback" not in err and "BrokenPipe" not in err, err
