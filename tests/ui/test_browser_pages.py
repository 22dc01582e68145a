"""The inspector's pages in a real browser: they load, show what the simulator holds, and stay safe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import browser_kit
import httpx

from catapult_sim.testing.server import RunningServer

# The browser fixtures, by name (a second conftest.py would shadow tests/conftest.py's module name).
browser, ui_settings, server, page, shot = (browser_kit.browser, browser_kit.ui_settings, browser_kit.server,
                                            browser_kit.page, browser_kit.shot)  # fmt: skip


def test_root_redirects_to_the_overview_which_loads_live(page: Any, server: RunningServer, shot: Callable) -> None:
    page.goto(server.url + "/")
    assert page.url == server.url + "/_sim/ui/"
    page.wait_for_selector("h1:has-text('Overview')")
    assert page.locator("table").first.inner_text().count("demo") >= 1
    page.wait_for_selector("#live.on")  # the live feed connected
    shot(page, "inspector-overview")


def test_every_script_and_style_comes_from_the_simulator(page: Any, server: RunningServer) -> None:
    """Fully offline: no request leaves for another origin (no CDN), and none fails."""
    seen: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    for path in ("/_sim/ui/", "/_sim/ui/deliveries"):
        page.goto(server.url + path)
        page.wait_for_selector("#live.on")
    assert seen, "the browser made no request"
    assert [u for u in seen if not u.startswith(server.url)] == []
    # The live feed, and a live part's refresh that the feed's (re)connection starts, are cut when the
    # page navigates on; anything else failing (a script, a style, a page) is a fault.
    cut = [u for u in failed if u.endswith("/_sim/ui/feed") or u.endswith("partial=1")]
    assert [u for u in failed if u not in cut] == []
    assert httpx.get(server.url + "/_sim/ui/static/vendor/htmx/LICENSE").status_code == 200
