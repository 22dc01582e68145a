"""``catapult-sim extract`` and ``catapult-sim import opt-outs`` against a real simulator on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from catapult_sim.app import create_app
from catapult_sim.cli.main import main
from catapult_sim.settings import Settings
from catapult_sim.testing.server import RunningServer, start_in_thread

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = start_in_thread(create_app(Settings(random_seed=11, clock="manual", start_time="2024-03-01T09:00:00Z")))
    yield running
    running.stop()


def test_extract_writes_the_file_vibes_names(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx.post(server.url + "/_sim/companies/demo/sms/keyword", json={"mdn": "+12135551234", "keyword": "JOIN"})
    code = main(["extract", "subscriptions", "--date", "2024-03-01", "--out", str(tmp_path), "--url", server.url])
    assert code == 0
    written = tmp_path / "subscriptions_demo_2024-03-01.txt"
    assert capsys.readouterr().out.strip() == f"{written} (1 rows)"
    lines = written.read_text(encoding="utf-8").split("\n")
    assert lines[0].split("\t")[0] == "person_id" and lines[1].split("\t")[9] == "OPT_IN" and lines[2] == ""

    assert main(["extract", "current-subscribers", "--date", "2024-03-02", "--url", server.url]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("mdn\tperson_id") and "\t+12135551234\t1\t1001\n" in printed


def test_import_opt_outs_prints_the_results(
    server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx.post(server.url + "/_sim/companies/demo/sms/keyword", json={"mdn": "+12135559876", "keyword": "JOIN"})
    file = tmp_path / "today.opt_outs"
    file.write_text("Subscription-List-ID: 1001\n\nmdn\n+12135559876\n+12135550000\n", encoding="utf-8")
    assert main(["import", "opt-outs", str(file), "--url", server.url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in out["results"]] == ["accepted", "unknown_person"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["extract", "subscriptions", "--date", "March 1"], "--date must be YYYY-MM-DD"),
        (["extract", "subscriptions", "--out", "/nonexistent/folder"], "--out"),
        (["import", "opt-outs", "/nonexistent/file.opt_outs"], "cannot read"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(
    server: RunningServer, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    assert main([*argv, "--url", server.url]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
