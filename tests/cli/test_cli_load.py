"""``catapult-sim load-receiver``: user mistakes are one line naming the flag (exit 2), in process.

Nothing here starts a storm (tests/load/test_load_runs.py does, in child processes), so Locust is
never imported into pytest's process.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from catapult_sim.cli.load import parse_rate, parse_span
from catapult_sim.cli.main import main

URL = "http://127.0.0.1:9/hook"


@pytest.fixture(autouse=True)
def _no_gevent_in_pytest() -> Iterator[None]:
    """Locust runs only in child processes: importing it here would monkey-patch pytest's process."""
    yield
    assert "gevent" not in sys.modules, "a test imported Locust (gevent) into the pytest process"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        ([], "URL"),
        (["ftp://x"], "URL"),
        ([URL, "--profile", "blast"], "--profile"),
        ([URL, "--users", "0"], "--users"),
        ([URL, "--users", "many"], "--users"),
        ([URL, "--rate", "-1"], "--rate"),
        ([URL, "--duration", "1 minute"], "--duration"),
        ([URL, "--duration", "0s"], "--duration"),
        ([URL, "--timeout", "soon"], "--timeout"),
        ([URL, "--seed", "x"], "--seed"),
        ([URL, "--duplicate-rate", "150%"], "--duplicate-rate"),
        ([URL, "--retry-rate", "lots"], "--retry-rate"),
        ([URL, "--max-attempts", "0"], "--max-attempts"),
        ([URL, "--method", "GET"], "--method"),
        ([URL, "--content-type", "text/xml"], "--content-type"),
        ([URL, "--api-version", "3"], "--api-version"),
        ([URL, "--max-p99", "fast"], "--max-p99"),
        ([URL, "--max-error-rate", "2"], "--max-error-rate"),
        ([URL, "--csv", "/no/such/folder/run"], "--csv"),
        ([URL, "--html", "/no/such/folder/r.html"], "--html"),
        ([URL, "--profile", "mixed", "--verify", URL], "--verify"),
        ([URL, "--verify", "crm"], "--verify"),
        ([URL, "--web", "--web-port", "x"], "--web-port"),
    ],
)
def test_user_mistakes_are_one_line_naming_the_flag(
    args: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load-receiver", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"catapult-sim load-receiver: {flag}:"), err


def test_locustfile_prints_the_path_locust_takes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load-receiver", "--locustfile"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.is_file() and path.name == "locustfile.py"
    assert "class CallbackUser(FastHttpUser)" in path.read_text()


def test_missing_locust_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    assert main(["load-receiver", URL]) == 2
    assert "pip install -e '.[load]'" in capsys.readouterr().err


def test_spans_and_rates() -> None:
    assert parse_span("500ms") == 0.5 and parse_span("1h30m") == 5400 and parse_span("2") == 2
    assert parse_rate("0.1%") == pytest.approx(0.001) and parse_rate("0.25") == 0.25
    with pytest.raises(ValueError):
        parse_span("5 m")
