"""Persons in a real browser: search by either MDN form, the detail with its history, and the XSS probe."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import browser_kit
import httpx

from catapult_sim.testing.server import RunningServer

browser, ui_settings, server, page, shot = (browser_kit.browser, browser_kit.ui_settings, browser_kit.server,
                                            browser_kit.page, browser_kit.shot)  # fmt: skip
AUTH = {"Authorization": "Basic " + base64.b64encode(b"VibesUser:Password123").decode()}
PROBE = "<img src=x onerror=alert(1)>"


def add_person(server: RunningServer, mdn: str, external_id: str, first_name: str) -> dict[str, Any]:
    body = {
        "mobile_phone": {"mdn": mdn},
        "external_person_id": external_id,
        "custom_fields": {"first_name": first_name},
    }
    r = httpx.post(f"{server.url}/companies/demo/mobiledb/persons", json=body, headers=AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def search(page: Any, server: RunningServer, text: str) -> None:
    page.goto(server.url + "/_sim/ui/persons")
    page.get_by_test_id("person-search").fill(text)
    page.get_by_test_id("person-search").press("Enter")
    page.wait_for_load_state()


def test_person_search_by_either_mdn_form(page: Any, server: RunningServer, shot: Callable) -> None:
    wanted = add_person(server, "2135550177", "CRM-177", "Ada")
    add_person(server, "2135550178", "CRM-178", "Bob")
    for text in ("2135550177", "+12135550177", "CRM-177", wanted["person_key"]):
        search(page, server, text)
        rows = page.locator("[data-testid=persons] tbody tr")
        assert rows.count() == 1, text
        assert wanted["person_key"] in rows.first.inner_text()
    shot(page, "inspector-persons-search")
    httpx.post(f"{server.url}/_sim/companies/demo/opt-in", json={"mdn": "+12135550177", "list_id": "1001"})
    httpx.post(f"{server.url}/_sim/companies/demo/sms/reply", json={"mdn": "+12135550177", "text": "STOP"})
    page.locator("[data-testid=persons] tbody a").first.click()
    history = page.get_by_test_id("subscriptions").inner_text()
    assert "1001" in history and "user_opt_out" in history and "ended" in history
    assert "CRM-177" in page.get_by_test_id("person-v2").inner_text()
    shot(page, "inspector-person")


def test_a_hostile_custom_field_shows_as_text(page: Any, server: RunningServer, shot: Callable) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    person = add_person(server, "2135550179", "CRM-179", PROBE)
    page.goto(server.url + "/_sim/ui/persons")
    assert PROBE in page.get_by_test_id("persons").inner_text()
    page.goto(f"{server.url}/_sim/ui/persons/demo/{person['person_key']}")
    assert PROBE in page.get_by_test_id("person-v2").inner_text()
    page.goto(server.url + "/_sim/ui/requests")
    page.locator("[data-testid=requests] tbody a").first.click()
    assert PROBE in page.locator("body").inner_text()
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
    shot(page, "inspector-xss-probe")
