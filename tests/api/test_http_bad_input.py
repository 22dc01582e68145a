"""Bad input: always a clear 4xx in the envelope, never a 500, and nothing half-written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.settings import Settings

C = "/companies/demo"
P = C + "/mobiledb/persons"
LONG = "x" * 300


@pytest.fixture
def settings() -> Settings:
    return Settings(random_seed=9, max_body_bytes=4096)


@pytest.fixture
def seeded(client: TestClient) -> dict[str, Any]:
    """One person subscribed to list 1001, so there is state to leave untouched."""
    body = {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}}
    r = client.post(C + "/campaigns/acquisition/DemoSOI1/participants", json=body)
    assert r.status_code == 201
    person: dict[str, Any] = r.json()["person"]
    return person


def snapshot(client: TestClient) -> tuple[Any, Any]:
    dump = client.get(f"/_sim{C}/state").json()
    dump.pop("now")
    return dump, client.get(f"/_sim{C}/events").json()


@pytest.fixture
def unchanged(client: TestClient, seeded: dict[str, Any]) -> Iterator[None]:
    """Fails the test when the state or the event log changed during it."""
    before = snapshot(client)
    yield
    assert snapshot(client) == before


def assert_envelope(resp: Any, status: int, code: int | None = None) -> None:
    assert resp.status_code == status, resp.text
    assert schemas.is_valid("error-envelope", resp.json())
    if code is not None:
        assert resp.json()["errors"][0]["code"] == code


# -- routing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", P + "/{key}"),
        ("GET", P + "/{key}/subscriptions"),
        ("GET", P + "/external/CRM-1/subscriptions/1001"),
        ("GET", C + "/mobiledb/subscription_lists"),
        ("GET", C + "/mobiledb/subscription_lists/1001/acquisition_campaigns"),
        ("GET", C + "/campaigns/acquisition/DemoSOI1"),
        ("GET", "/_sim/health"),
    ],
)
def test_trailing_slash_answers_the_same_without_redirect(
    client: TestClient, seeded: dict[str, Any], method: str, path: str
) -> None:
    path = path.format(key=seeded["person_key"])
    plain = client.request(method, path, follow_redirects=False)
    slashed = client.request(method, path + "/", follow_redirects=False)
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()


def test_trailing_slash_on_writes(client: TestClient) -> None:
    r = client.post(P + "/", json={"external_person_id": "CRM-9"}, follow_redirects=False)
    assert r.status_code == 201  # the OAS writes POST /mobiledb/persons/ with the slash (fact sheet §1.1)
    r = client.put(P + "/external/CRM-9/", json={"timezone": "UTC"}, follow_redirects=False)
    assert r.status_code == 200


@pytest.mark.parametrize("path", ["/companies", C + "/mobiledb", C + "/nothing/here", P + "/a/b/c/d"])
def test_unknown_route_is_404_in_the_envelope(client: TestClient, unchanged: None, path: str) -> None:
    assert_envelope(client.get(path, follow_redirects=False), 404, 20)


def test_root_redirects_to_the_inspector(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (307, "/_sim/ui/")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", P, {"GET", "POST"}),
        ("PATCH", P + "/abc", {"GET", "PUT"}),
        ("POST", C + "/mobiledb/subscription_lists", {"GET"}),
        ("PUT", C + "/campaigns/acquisition/DemoSOI1/participants", {"GET", "POST"}),
        ("DELETE", "/_sim/health/", {"GET"}),
    ],
)
def test_wrong_method_is_405_in_the_envelope(
    client: TestClient, unchanged: None, method: str, path: str, allowed: set[str]
) -> None:
    r = client.request(method, path)
    assert_envelope(r, 405, 21)
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= allowed


# -- bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"{", b"{'a': 1}", b"", b"   ", b"[1, 2]", b'"text"', b"null", b"\xff\xfe{}", b"[" * 2000 + b"]" * 2000],
)
def test_malformed_body_is_400(client: TestClient, unchanged: None, raw: bytes) -> None:
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert_envelope(r, 400, 4)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_wrong_content_type_is_415(client: TestClient, unchanged: None, ctype: str) -> None:
    r = client.post(P, content=b'{"external_person_id": "CRM-9"}', headers={"Content-Type": ctype})
    assert_envelope(r, 415, 5)


@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "text/json", "application/merge-patch+json"])
def test_json_content_types_are_accepted(client: TestClient, ctype: str) -> None:
    r = client.post(P, content=b'{"external_person_id": "CRM-9"}', headers={"Content-Type": ctype})
    assert r.status_code == 201


def test_body_over_the_cap_is_413(client: TestClient, unchanged: None) -> None:
    body = {"external_person_id": "CRM-9", "custom_fields": {"first_name": "x" * 4096}}
    assert_envelope(client.post(P, json=body), 413, 6)


def test_chunked_body_over_the_cap_is_413(client: TestClient, unchanged: None) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"external_person_id": "CRM-9", "timezone": "'
        yield b"x" * 5000
        yield b'"}'

    r = client.post(P, content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_envelope(r, 413, 6)


def test_body_under_the_cap_is_accepted(client: TestClient) -> None:
    body = {"external_person_id": "CRM-9", "custom_fields": {"first_name": "x" * 3000}}
    assert client.post(P, json=body).status_code == 201


def test_default_cap_is_one_mebibyte() -> None:
    assert Settings().max_body_bytes == 1 << 20
    with TestClient(create_app(Settings()), headers=AUTH) as c:
        big = {"external_person_id": "CRM-9", "custom_fields": {"first_name": "x" * (1 << 20)}}
        assert_envelope(c.post(P, json=big), 413, 6)
        assert c.get(f"/_sim{C}/state").json()["persons"] == []


def test_oversized_control_body_is_413(client: TestClient, unchanged: None) -> None:
    r = client.post(f"/_sim{C}/sms/keyword", json={"mdn": "2135550000", "keyword": "J" * 5000})
    assert_envelope(r, 413, 6)


# -- ids and encoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", P + "/" + LONG),
        ("GET", P + "/external/" + LONG),
        ("DELETE", P + "/{key}/subscriptions/" + LONG),
        ("GET", C + "/mobiledb/subscription_lists/" + LONG),
        ("GET", C + "/campaigns/acquisition/" + LONG),
        ("POST", C + "/campaigns/acquisition/" + LONG + "/participants"),
        ("GET", "/companies/" + LONG + "/mobiledb/subscription_lists"),
        ("POST", "/_sim/companies/" + LONG + "/reset"),
    ],
)
def test_overlong_ids_are_400(
    client: TestClient, seeded: dict[str, Any], unchanged: None, method: str, path: str
) -> None:
    path = path.format(key=seeded["person_key"])
    r = client.request(method, path, json={"mobile_phone": {"mdn": "2135550000"}} if method == "POST" else None)
    assert_envelope(r, 400, 2)


@pytest.mark.parametrize(
    "path",
    [
        P + "?mdn=%ZZ",
        P + "?mdn=%",
        P + "?mdn=%E2%82",
        P + "?mdn=%00",
        C + "/mobiledb/subscription_lists/1001/subscribers?mdn=%G1",
    ],
)
def test_invalid_percent_encoding_in_queries_is_400(client: TestClient, unchanged: None, path: str) -> None:
    assert_envelope(client.get(path), 400, 40)


@pytest.mark.parametrize("segment", ["%ZZ", "%", "%E2%82", "%00", "%C2%B2", "%FF%FE"])
def test_invalid_percent_encoding_in_paths_is_404(client: TestClient, unchanged: None, segment: str) -> None:
    assert_envelope(client.get(f"{P}/{segment}"), 404, 20)
    assert_envelope(client.get(f"{P}/external/{segment}/subscriptions"), 404, 20)
    assert_envelope(client.put(f"{P}/{segment}", json={"timezone": "UTC"}), 404, 20)


@pytest.mark.parametrize("raw", [b'{"external_person_id": NaN}', b'{"custom_fields": {"first_name": -Infinity}}'])
def test_non_standard_json_constants_are_malformed(client: TestClient, unchanged: None, raw: bytes) -> None:
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})  # not JSON (RFC 8259)
    assert_envelope(r, 400, 4)
