"""``catapult-sim contract``: the provider suite from the command line, whatever directory it runs in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.testing.server import serve_in_thread

pytestmark = pytest.mark.slow


def contract(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "catapult_sim", "contract", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_suite_passes_against_its_own_simulator_and_ignores_the_projects_pytest_config(
    tmp_path: Path,
) -> None:
    # A project whose own pytest settings would break any run that picked them up.
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --no-such-option\nfilterwarnings = error\n")
    done = contract(tmp_path, "--junit", str(tmp_path / "contract.xml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout
    assert "receiver" not in done.stdout  # the receiver suite is check-receiver's, not this command's
    assert "<testsuite" in (tmp_path / "contract.xml").read_text()


def test_an_unreachable_target_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = contract(tmp_path, "--target", "http://127.0.0.1:9", "--company", "x", "--user", "u", "--password", "p")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "cannot reach" in done.stderr
    assert " failed" not in done.stdout  # the suite did not run


def test_refused_credentials_are_one_line_and_exit_2(tmp_path: Path) -> None:
    with serve_in_thread(create_app(Settings())) as server:
        done = contract(tmp_path, "--target", server.url, "--company", "demo", "--user", "VibesUser",
                        "--password", "wrong")  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "refused the credentials" in done.stderr
    assert " failed" not in done.stdout
