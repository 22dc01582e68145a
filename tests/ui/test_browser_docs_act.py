"""The API docs page renders the simulator's OpenAPI 3.1 (Swagger UI 5, vendored); the Act page drives
the simulator through the control API: an opt-in by keyword and a STOP, from buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import browser_kit
import httpx

from catapult_sim.testing.server import RunningServer

browser, ui_settings, server, page, shot = (browser_kit.browser, browser_kit.ui_settings, browser_kit.server,
                                            browser_kit.page, browser_kit.shot)  # fmt: skip


def test_the_docs_page_renders_the_openapi(page: Any, server: RunningServer, shot: Callable) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/_sim/ui/")
    page.get_by_role("link", name="API docs").click()
    page.wait_for_selector(".swagger-ui .info .title")
    assert "catapult-sim" in page.locator(".swagger-ui .info .title").inner_text().lower()
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/mobiledb/persons" in p for p in paths) and any(p.startswith("/_sim") for p in paths)
    assert errors == []
    shot(page, "inspector-api-docs", full=False)  # the whole document is ten screens long


def test_act_opts_in_by_keyword_and_stops(page: Any, server: RunningServer, shot: Callable) -> None:
    page.goto(server.url + "/_sim/ui/act")
    keyword = page.locator("form[data-action=keyword]")
    keyword.locator("input[name=mdn]").fill("2135550190")
    keyword.locator("input[name=keyword]").fill("JOIN")
    keyword.locator("button").click()
    result = page.get_by_test_id("act-result")
    result.wait_for()
    assert "200" in result.locator("h3").inner_text() and "subscribed" in result.inner_text()
    stop = page.locator("form[data-action=stop]")
    stop.locator("input[name=mdn]").fill("+12135550190")
    stop.locator("button").click()
    page.wait_for_selector("[data-testid=act-result] >> text=STOP")
    assert "opted_out" in page.get_by_test_id("act-result").inner_text()
    shot(page, "inspector-act")
    person = httpx.get(server.url + "/_sim/companies/demo/person", params={"mdn": "2135550190"}).json()
    (sub,) = person["subscriptions"]
    assert (sub["list_id"], sub["opt_out_reason"]) == ("1001", "user_opt_out")
