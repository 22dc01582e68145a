"""docs/load-testing.md shows commands that work: every load-receiver line parses and passes the
command's own checks, and every flag of every ``locust`` line is one the locustfile's Locust knows."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import catapult_sim.load
from catapult_sim.cli.load import _request
from catapult_sim.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "load-testing.md").read_text(encoding="utf-8")
LOCUSTFILE = str(Path(catapult_sim.load.__file__).parent / "locustfile.py")


def shell_lines() -> list[str]:
    """The lines of the doc's plain ``` blocks (the shell commands)."""
    out, fence = [], None
    for line in DOC.splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else line[3:]
        elif fence == "":
            out.append(line)
    return out


def lines(prefix: str) -> list[list[str]]:
    found = [shlex.split(line.split("  #")[0]) for line in shell_lines() if line.startswith(prefix)]
    assert found, f"no {prefix!r} line in the doc"
    return found


def test_every_load_receiver_command_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # --csv reports/load needs its folder, as in a CI checkout
    (tmp_path / "reports").mkdir()
    for argv in lines("catapult-sim load-receiver"):
        args = build_parser().parse_args(argv[1:])
        assert _request(args)["users"] >= 1, argv


PARSE = """
import json, sys
import catapult_sim.load.locustfile  # adds the storm options to Locust's parser
from locust.argument_parser import get_parser
for argv in json.loads(sys.argv[1]):
    get_parser(default_config_files=[]).parse_args(argv)  # exits 2 on an unknown flag
print("ok")
"""


@pytest.mark.slow
def test_every_locust_command_parses_with_the_locustfile() -> None:
    argvs = [[LOCUSTFILE if a == "$LOCUSTFILE" else a for a in argv[1:]] for argv in lines("locust ")]
    assert any("--storm" in argv for argv in argvs)
    done = subprocess.run(
        [sys.executable, "-c", PARSE, json.dumps(argvs)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
