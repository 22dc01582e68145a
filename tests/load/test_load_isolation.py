"""The simulator never imports gevent or Locust: their monkey-patching must stay out of the server."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

PROBE = """
import sys
from catapult_sim.app import create_app
from catapult_sim.cli.main import build_parser
from catapult_sim.cli.serve import serve, settings_of
from catapult_sim.settings import Settings
import uvicorn
import catapult_sim.load.storms, catapult_sim.load.verify, catapult_sim.load.report
create_app(Settings())
settings_of(build_parser().parse_args(["serve", "--port", "0"]))
build_parser().parse_args(["load-receiver", "http://127.0.0.1:9/hook"])
print(sorted(m for m in ("gevent", "locust", "geventhttpclient") if m in sys.modules))
"""


def test_app_serve_path_and_the_load_command_parser_import_no_gevent() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_probe_would_see_locust() -> None:
    """The check above can fail: importing the locustfile does bring gevent in."""
    probe = PROBE.replace("create_app(Settings())", "import catapult_sim.load.locustfile")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['gevent', 'geventhttpclient', 'locust']"
