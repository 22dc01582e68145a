"""The inspector in-process: pages answer, bad filters are said on the page (never a 500), state-changing
POSTs need the CSRF token and the same origin, and a control token guards every page when set."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

UI = "/_sim/ui"


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(UI + "/act").text)
    assert found
    return found.group(1)


@pytest.mark.parametrize(
    "path",
    ["/", "/deliveries", "/persons", "/requests", "/events", "/act", "/docs", "/login",
     "/deliveries?status=nope&since=yesterday", "/requests?status=abc&method=9", "/events?type=nope",
     "/persons?q=%3Cscript%3E", "/persons?company=nobody", "/deliveries?before=99999999999999999999",
     "/requests?offset=-1", "/?partial=1", "/deliveries?partial=1"],
)  # fmt: skip
def test_every_page_answers_html(client: TestClient, path: str) -> None:
    r = client.get(UI + path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_a_bad_filter_is_said_on_the_page(client: TestClient) -> None:
    r = client.get(UI + "/deliveries", params={"status": "<b>nope</b>"})
    assert "status must be one of" in r.text and "<b>nope</b>" not in r.text


@pytest.mark.parametrize("path", ["/deliveries/12345", "/requests/777", "/persons/demo/nobody"])
def test_unknown_records_are_404_pages(client: TestClient, path: str) -> None:
    r = client.get(UI + path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


def test_a_post_without_the_csrf_token_changes_nothing(client: TestClient) -> None:
    client.post("/_sim/clock", json={"mode": "manual"})
    before = client.get("/_sim/clock").json()
    r = client.post(UI + "/act/advance", data={"by": "1h"})
    assert r.status_code == 403
    r = client.post(UI + "/act/advance", data={"by": "1h", "csrf": "guess"})
    assert r.status_code == 403
    assert client.get("/_sim/clock").json() == before


def test_a_post_from_another_site_is_refused_even_with_the_token(client: TestClient) -> None:
    token = csrf(client)
    for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"}):
        r = client.post(UI + "/act/reset", data={"csrf": token, "company": "demo"}, headers=headers)
        assert r.status_code == 403


def test_act_calls_the_control_api_and_shows_its_answer(client: TestClient) -> None:
    token = csrf(client)
    r = client.post(
        UI + "/act/keyword", data={"csrf": token, "company": "demo", "mdn": "2135550111", "keyword": "JOIN"}
    )
    assert r.status_code == 200 and "subscribed" in r.text
    state = client.get("/_sim/companies/demo/person", params={"mdn": "+12135550111"}).json()
    assert [s["list_id"] for s in state["subscriptions"]] == ["1001"]
    r = client.post(UI + "/act/keyword", data={"csrf": token, "company": "demo", "mdn": "12", "keyword": "JOIN"})
    assert r.status_code == 400 and "mdn: " in r.text and "does not match" in r.text  # the control API's words
    r = client.post(UI + "/act/nothing", data={"csrf": token}, headers={"hx-request": "true"})
    assert r.status_code == 200 and "unknown action" in r.text


def test_replay_and_replay_failed_go_through_the_control_api(client: TestClient) -> None:
    token = csrf(client)
    r = client.post(UI + "/deliveries/42/replay", data={"csrf": token})
    assert r.status_code == 404
    r = client.post(UI + "/deliveries/replay-failed", data={"csrf": token, "since": "junk"}, follow_redirects=False)
    assert r.status_code == 303 and "replay+refused" in r.headers["location"]


def test_an_escaped_custom_field(client: TestClient) -> None:
    body = {"mobile_phone": {"mdn": "2135550112"}, "custom_fields": {"first_name": "<img src=x onerror=alert(1)>"}}
    assert client.post("/companies/demo/mobiledb/persons", json=body, headers=AUTH).status_code == 201
    page = client.get(UI + "/persons").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def token_settings() -> Settings:
    return Settings(random_seed=1, control_token="s3cret-token")


@pytest.fixture
def guarded() -> Iterator[TestClient]:
    with TestClient(create_app(token_settings())) as c:
        yield c


def test_with_a_control_token_the_page_asks_for_it(guarded: TestClient) -> None:
    r = guarded.get(UI + "/deliveries", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(UI + "/login")
    assert guarded.get(UI + "/feed").status_code == 401
    assert guarded.post(UI + "/login", data={"token": "wrong"}).status_code == 401
    r = guarded.post(UI + "/login", data={"token": "s3cret-token"}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/_sim" in cookie
    assert guarded.get(UI + "/deliveries").status_code == 200


def test_with_a_control_token_a_bearer_header_also_works(guarded: TestClient) -> None:
    r = guarded.get(UI + "/", headers={"authorization": "Bearer s3cret-token"})
    assert r.status_code == 200


def test_the_docs_page_reads_the_whole_document_behind_the_inspectors_own_guard(guarded: TestClient) -> None:
    assert (
        'data-url="/_sim/ui/openapi.json"'
        in guarded.get(UI + "/docs", headers={"authorization": "Bearer s3cret-token"}).text
    )
    assert guarded.get(UI + "/openapi.json").status_code == 401
    public = guarded.get("/openapi.json").json()["paths"]
    assert not any(p.startswith("/_sim") for p in public)  # without the token: the Catapult part only
    login = guarded.post(UI + "/login", data={"token": "s3cret-token"}, follow_redirects=False)
    assert login.status_code == 303  # the browser now holds the inspector's cookie
    paths = guarded.get(UI + "/openapi.json").json()["paths"]
    assert any(p.startswith("/_sim") for p in paths) and set(public) <= set(paths)
