"""A persons file over a real socket and a real process: ``catapult-sim import persons`` and kill -9."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from catapult_sim.testing.process import serve_process

pytestmark = pytest.mark.slow


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "catapult_sim", *args], capture_output=True, text=True, timeout=60)


def test_an_acknowledged_import_survives_kill_9_and_a_bad_file_exits_2(tmp_path: Path) -> None:
    people = tmp_path / "people.jsonl"
    people.write_text("".join(f'{{"external_person_id":"P{i}","mobile_phone":{{"mdn":"{2135550000 + i}"}}}}\n'
                              for i in range(500)))  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text("mdn\n2135559999\nnot-a-number\n")
    db = str(tmp_path / "sim.db")
    with serve_process("--db", db) as (proc, url):
        done = cli("import", "persons", str(people), "--url", url)
        assert done.returncode == 0 and '"created": 500' in done.stdout, done.stderr
        refused = cli("import", "persons", str(bad), "--url", url)
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
        assert "line 3: mobile_phone.mdn" in refused.stderr and "nothing was loaded" in refused.stderr
        proc.send_signal(signal.SIGKILL)  # the import was acknowledged: it must be on disk
        proc.wait(10)
    with serve_process("--db", db) as (_, url):
        state = httpx.get(url + "/_sim/companies/demo/state", timeout=30).json()
        assert len(state["persons"]) == 500
        assert not any(p["mobile_phone"]["mdn"] == "+12135559999" for p in state["persons"] if "mobile_phone" in p)


def test_both_imports_send_the_control_token(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("external_person_id,mdn\nT-1,2135550100\n")
    optouts = tmp_path / "today.opt_outs"
    optouts.write_text(
        "Content-Type: TEXT\nSubscription-List-ID: 1001\nFields: external_person_id,mdn\nDelimiter: ,\n\nT-1,\n"
    )
    with serve_process("--control-token", "s3cret") as (_, url):
        refused = cli("import", "persons", str(people), "--url", url)
        assert refused.returncode == 1 and "control token" in refused.stdout  # answered 401, as other commands
        loaded = cli("import", "persons", str(people), "--url", url, "--control-token", "s3cret")
        assert loaded.returncode == 0 and '"created": 1' in loaded.stdout, loaded.stderr
        applied = cli("import", "opt-outs", str(optouts), "--url", url, "--control-token", "s3cret")
        assert applied.returncode == 0 and '"rows": 1' in applied.stdout, applied.stdout + applied.stderr
