"""``catapult-sim contract``: the provider suite from the command line, whatever directory it runs in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


def test_an_unreachable_target_fails(tmp_path: Path) -> None:
    done = contract(tmp_path, "--target", "http://127.0.0.1:9", "--company", "x", "--user", "u", "--password", "p")
    assert done.returncode != 0
