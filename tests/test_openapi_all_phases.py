"""Schemathesis, every phase (examples, coverage, fuzzing, stateful), against a simulator on a real
socket, over its own OpenAPI document: no answer may be a server error.

The fault and rate-limit controls are left out: a fuzzed fault rule (``{"status": 503}``) or rate
limit makes every later answer an injected 503 or 429 by design (docs/schemas.md). The seed is
fixed and the example database off, so a run repeats. benchmarks/fuzz_openapi.py runs the same with
far more cases, and over Vibes' own OpenAPI too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.testing.server import serve_in_thread

pytestmark = pytest.mark.slow
EXCLUDED = "^/_sim/(faults|rate-limits)"


def test_every_phase_finds_no_server_error(tmp_path: Path) -> None:
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli is not None, "schemathesis is a test dependency"
    with serve_in_thread(create_app(Settings(random_seed=1))) as server:
        done = subprocess.run(
            [cli, "run", f"{server.url}/openapi.json", "--auth", "VibesUser:Password123",
             "--phases", "examples,coverage,fuzzing,stateful", "--checks", "not_a_server_error",
             "--exclude-path-regex", EXCLUDED, "--seed", "20240601", "-n", "3",
             "--generation-database", "none", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,  # its cache stays out of the tree
        )  # fmt: skip
    summary = done.stdout[done.stdout.rfind("SUMMARY") :]
    assert done.returncode == 0, done.stdout[-6000:]
    assert "Stateful" in summary and " generated" in summary, summary
