"""Browser fixtures (each browser test module imports them): Debian's chromium driven by Playwright
against a real simulator on 127.0.0.1.

The tests skip, saying why, where either Playwright or a Chromium binary is missing (Playwright
cannot download its own browser here; ``.ci/run`` installs Debian's). Each test saves a screenshot:
into ``$CATAPULT_SIM_SCREENSHOTS`` when set (``make screenshots`` points it at docs/images), else
into the test's temporary directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.testing.server import RunningServer, start_in_thread

CHROMIUM = os.environ.get("CATAPULT_SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")  # one per module: each module binds the fixtures afresh
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def ui_settings() -> Settings:
    """Override in a module to start the simulator differently (a fast retry schedule, say)."""
    return Settings(random_seed=1234, retry_schedule="1s,1s,1s", delivery_timeout="2s")


@pytest.fixture
def server(ui_settings: Settings) -> Iterator[RunningServer]:
    """A real simulator (uvicorn in a thread) on 127.0.0.1, port 0."""
    app = create_app(ui_settings)
    running = start_in_thread(app)
    try:
        yield running
    finally:
        running.stop()
        app.state.sim.close()


@pytest.fixture
def page(browser: Any, server: RunningServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)  # a loaded CI machine parses the Swagger bundle slowly
    yield tab
    context.close()  # closes the live feed's stream before the server stops


@pytest.fixture
def shot(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[Any, str], Path]:
    """``shot(page, name)`` saves a PNG of the whole page (``full=False``: the window) and returns its path."""
    folder = Path(os.environ["CATAPULT_SIM_SCREENSHOTS"]) if os.environ.get("CATAPULT_SIM_SCREENSHOTS") else tmp_path

    def take(tab: Any, name: str, full: bool = True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        tab.screenshot(path=str(path), full_page=full)
        assert path.stat().st_size > 1000
        return path

    return take
