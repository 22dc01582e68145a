"""The request journal: what it records, filters, cap, redaction, clearing, and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AUTH, basic
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.surface.journal import pack_headers, unpack_headers

PERSONS = "/companies/demo/mobiledb/persons"
T_PERSON = "/companies/{company_key}/mobiledb/persons/{person_key}"


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=7, clock="manual", start_time="2024-06-01T12:00:00Z")


def add(client: TestClient, mdn: str, company: str = "demo", **extra: Any) -> Any:
    return client.post(f"/companies/{company}/mobiledb/persons", json={"mobile_phone": {"mdn": mdn}, **extra})


def entries(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/_sim/journal", params=params)
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()["requests"]
    return result


def test_an_entry_records_the_request_and_the_answer(client: TestClient) -> None:
    r = client.post(
        PERSONS + "/?x=1&x=2&mdn=%2B1", json={"external_person_id": "CRM-1"}, headers={"X-Api-Version": "2"}
    )
    (e,) = entries(client)
    assert (e["company"], e["method"], e["path"]) == ("demo", "POST", PERSONS + "/")
    assert e["template"] == "/companies/{company_key}/mobiledb/persons"
    assert e["query"] == {"x": ["1", "2"], "mdn": "+1"}
    assert e["headers"]["x-api-version"] == "2"
    assert e["body"] == {"external_person_id": "CRM-1"}
    assert e["status"] == r.status_code == 201
    assert e["response"] == r.json()
    assert e["time"] == "2024-06-01T12:00:00.000Z"
    assert e["latency_ms"] >= 0 and e["fault"] is None and e["throttled"] is False


def test_the_template_comes_from_the_routing_table(client: TestClient) -> None:
    key = add(client, "2135551234").json()["person_key"]
    client.get(f"{PERSONS}/{key}")
    client.get(f"{PERSONS}/external/CRM-9")
    client.get("/companies/demo/no/such/thing")
    templates = [e["template"] for e in entries(client)]
    assert templates == [
        "/companies/{company_key}/mobiledb/persons",
        T_PERSON,
        "/companies/{company_key}/mobiledb/persons/external/{external_person_id}",
        None,
    ]


def test_authorization_is_redacted_but_its_scheme_kept(client: TestClient) -> None:
    secret = basic()
    client.get(PERSONS + "/nobody")
    client.get(PERSONS + "/nobody", headers={"Authorization": "Bearer abc.def", "Cookie": "sid=42"})
    first, second = entries(client)
    assert first["headers"]["authorization"] == "Basic [redacted]"
    assert second["headers"]["authorization"] == "Bearer [redacted]"
    assert second["headers"]["cookie"] == "[redacted]"
    raw = client.get("/_sim/journal").text
    assert secret.split(" ")[1] not in raw and "abc.def" not in raw and "sid=42" not in raw


def test_control_calls_are_not_journaled(client: TestClient) -> None:
    client.get("/_sim/health")
    client.post("/_sim/clock/advance", json={"seconds": 5})
    assert entries(client) == []
    assert client.get("/_sim/journal/count").json() == {"count": 0, "dropped": 0}


def test_filters(client: TestClient) -> None:
    key = add(client, "2135551234").json()["person_key"]
    client.post("/_sim/clock/advance", json={"seconds": 60})
    client.get(f"{PERSONS}/{key}")
    client.get(f"{PERSONS}/missing")
    add(client, "2135551299", company="acme")
    assert [e["method"] for e in entries(client, method="get")] == ["GET", "GET"]
    assert [e["path"] for e in entries(client, path="/mobiledb/persons/{person_key}")] == [
        f"{PERSONS}/{key}",
        f"{PERSONS}/missing",
    ]
    assert len(entries(client, path="/companies/demo/mobiledb/persons/*")) == 2
    assert len(entries(client, path="/mobiledb/persons")) == 2  # exact, both companies
    assert [e["company"] for e in entries(client, company="acme")] == ["acme"]
    assert [e["status"] for e in entries(client, status="4xx")] == [404]
    assert [e["status"] for e in entries(client, status="201")] == [201, 201]
    assert len(entries(client, since="2024-06-01T12:00:30Z")) == 3
    first_id = entries(client)[0]["id"]
    assert len(entries(client, after=first_id)) == 3
    assert [e["company"] for e in entries(client, limit=1)] == ["acme"]  # the newest one
    assert client.get("/_sim/journal/count", params={"method": "POST"}).json()["count"] == 2


def test_one_entry_by_id(client: TestClient) -> None:
    add(client, "2135551234")
    entry_id = entries(client)[0]["id"]
    assert client.get(f"/_sim/journal/{entry_id}").json()["method"] == "POST"
    assert client.get("/_sim/journal/999").status_code == 404
    assert client.get("/_sim/journal/abc").status_code == 400


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"colour": "red"}, "colour is not a known parameter"),
        ({"status": "600"}, "status:"),
        ({"status": "ok"}, "status:"),
        ({"since": "yesterday"}, "since:"),
        ({"after": "-1"}, "after:"),
        ({"limit": "ten"}, "limit:"),
        ({"limit": "0"}, "limit:"),
        ({"method": "P0ST"}, "method:"),
        ({"path": "/mobiledb/people/{person_key}"}, "not a Catapult path template"),
        ({"path": "  "}, "cannot be empty"),
    ],
)
def test_bad_filters_are_a_400_in_the_envelope(client: TestClient, params: dict[str, str], fragment: str) -> None:
    r = client.get("/_sim/journal", params=params)
    assert r.status_code == 400
    assert any(fragment in err["message"] for err in r.json()["errors"]), r.json()


def test_every_bad_filter_is_listed_at_once(client: TestClient) -> None:
    r = client.get("/_sim/journal/count", params={"status": "x", "after": "y", "limit": "3"})
    assert r.status_code == 400
    assert len(r.json()["errors"]) == 3  # limit is not a count parameter


def test_clear_forgets_requests_but_not_persons(client: TestClient) -> None:
    key = add(client, "2135551234").json()["person_key"]
    add(client, "2135551299", company="acme")
    assert client.delete("/_sim/journal", params={"company": "acme"}).json() == {"cleared": 1}
    assert [e["company"] for e in entries(client)] == ["demo"]
    assert client.delete("/_sim/journal").json() == {"cleared": 1}
    assert entries(client) == []
    assert client.get(f"{PERSONS}/{key}").status_code == 200
    assert client.delete("/_sim/journal", params={"colour": "red"}).status_code == 400


def test_the_cap_drops_the_oldest_and_counts_them() -> None:
    app = create_app(Settings(random_seed=1, journal_cap=3))
    with TestClient(app, headers=AUTH) as client:
        for i in range(5):
            client.get(f"{PERSONS}/p{i}")
        listed = client.get("/_sim/journal").json()
        assert [e["path"] for e in listed["requests"]] == [f"{PERSONS}/p{i}" for i in (2, 3, 4)]
        assert (listed["total"], listed["dropped"], listed["cap"]) == (3, 2, 3)
        assert [e["id"] for e in listed["requests"]] == [3, 4, 5]


def test_a_zero_cap_turns_the_journal_off() -> None:
    app = create_app(Settings(random_seed=1, journal_cap=0))
    with TestClient(app, headers=AUTH) as client:
        assert add(client, "2135551234").status_code == 201
        assert client.get("/_sim/journal").json()["requests"] == []


def test_large_bodies_are_kept_only_in_part(client: TestClient) -> None:
    big = {"mobile_phone": {"mdn": "2135551234"}, "custom_fields": {"first_name": "x" * 70_000}}
    client.post(PERSONS, json=big)
    (e,) = entries(client)
    assert e["body_truncated"] is True
    assert isinstance(e["body"], str) and len(e["body"]) == 64 * 1024


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"host", b"x")],
        [(b"host", b"127.0.0.1:8080"), (b"authorization", b"Basic abc="), (b"x-a", b""), (b"x-a", b"2")],
        [(b"x-odd", b"a\nb"), (b"host", b"x")],  # separators a real server would refuse: kept as pairs
        [(b"x-odd", b"a\x00b")],
    ],
)
def test_headers_are_kept_packed_and_read_back_exactly(headers: list[tuple[bytes, bytes]]) -> None:
    head = pack_headers(headers)
    assert unpack_headers(head) == headers
    if headers and not any(b"\n" in v or b"\x00" in v for _, v in headers):
        assert isinstance(head, bytes)  # one object per entry, not a list of pairs
