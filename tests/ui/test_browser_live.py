"""Live behaviour in a real browser: callbacks caused through the control API appear on an open page
without a reload; a failing receiver shows a retrying delivery whose replay makes a new attempt."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import browser_kit
import httpx
import pytest

from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox
from catapult_sim.testing.server import RunningServer

browser, server, page, shot = browser_kit.browser, browser_kit.server, browser_kit.page, browser_kit.shot
MDN = "2135550142"


@pytest.fixture
def ui_settings() -> Settings:
    # Slow retries: a delivery to a failing receiver stays "retrying" for the whole test.
    return Settings(random_seed=1234, retry_schedule="60s,60s", delivery_timeout="2s")


@pytest.fixture
def receiver() -> Iterator[CallbackInbox]:
    with CallbackInbox() as rx:
        yield rx


def control(server: RunningServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{server.url}/_sim/companies/demo{path}", json=body, timeout=10)
    assert r.status_code in (200, 201), r.text
    return r.json()  # type: ignore[no-any-return]


# The receiver comes first among the arguments, so it is set up first and stopped last: the
# simulator (and its open connections to the receiver) is gone before the receiver closes.
def test_a_stop_appears_on_the_open_deliveries_page_without_a_reload(
    receiver: CallbackInbox, page: Any, server: RunningServer, shot: Callable
) -> None:
    control(server, "/callbacks", {"url": receiver.url_for("/hook"), "types": ["subscription_removed"]})
    control(server, "/opt-in", {"mdn": MDN, "list_id": "1001"})
    page.goto(server.url + "/_sim/ui/deliveries")
    page.wait_for_selector("#live.on")
    page.evaluate("window.__same_page = true")  # gone if the page were loaded again
    assert page.locator("tr[data-delivery]").count() == 0

    control(server, "/sms/reply", {"mdn": MDN, "text": "STOP"})

    row = page.locator("tr[data-delivery]").first
    row.locator(".status .badge.delivered").wait_for(timeout=15_000)
    assert row.locator(".type").inner_text() == "subscription_removed"
    assert page.evaluate("window.__same_page") is True
    assert receiver.wait_requests(1, timeout=5)[0].json["callback_type"] == "subscription_removed"
    shot(page, "inspector-deliveries")


def test_a_503_receiver_shows_retrying_and_replay_makes_a_new_attempt(
    receiver: CallbackInbox, page: Any, server: RunningServer, shot: Callable
) -> None:
    receiver.set_default(503)
    control(server, "/callbacks", {"url": receiver.url_for("/hook"), "types": ["subscription_added"]})
    page.goto(server.url + "/_sim/ui/deliveries")
    page.wait_for_selector("#live.on")

    control(server, "/opt-in", {"mdn": MDN, "list_id": "1001"})

    row = page.locator("tr[data-delivery]").first
    row.locator(".status .badge.retrying").wait_for(timeout=15_000)
    shot(page, "inspector-deliveries-retrying")
    row.locator("a").first.click()
    page.wait_for_selector("article.attempt[data-attempt='1']")
    assert "503" in page.locator("article.attempt").first.inner_text()
    shot(page, "inspector-delivery-detail")
    before = len(receiver.requests())

    receiver.set_default(200)
    page.get_by_test_id("replay").click()

    page.wait_for_url("**/_sim/ui/deliveries/2*")
    page.locator("h1 .badge.delivered").wait_for(timeout=15_000)  # the new delivery's first attempt, live
    assert page.locator("article.attempt").count() == 1
    assert "200" in page.locator("article.attempt").first.inner_text()
    assert len(receiver.requests()) > before
    detail = httpx.get(server.url + "/_sim/deliveries/2").json()
    assert detail["replay_of"] == 1 and detail["attempt_log"][0]["response"]["status"] == 200
