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
    [b"{", b"{'a': 1}", b"", b"   ", b"[1, 2]", b'"text"', b"null", b"\xff\xfe{}"],
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


@pytest.mark.parametrize("segment", ["%ZZ", "%", "%E2%82", "%C2%B2", "%FF%FE"])  # %00: a control character, 400
def test_invalid_percent_encoding_in_paths_is_404(client: TestClient, unchanged: None, segment: str) -> None:
    assert_envelope(client.get(f"{P}/{segment}"), 404, 20)
    assert_envelope(client.get(f"{P}/external/{segment}/subscriptions"), 404, 20)
    assert_envelope(client.put(f"{P}/{segment}", json={"timezone": "UTC"}), 404, 20)


@pytest.mark.parametrize("raw", [b'{"external_person_id": NaN}', b'{"custom_fields": {"first_name": -Infinity}}'])
def test_non_standard_json_constants_are_malformed(client: TestClient, unchanged: None, raw: bytes) -> None:
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})  # not JSON (RFC 8259)
    assert_envelope(r, 400, 4)


# -- hostile bodies and ids: each a 4xx in the envelope, never a 500 -------------------------------

HUGE_INT = b"9" * 4301  # past Python's 4,300-digit limit for int("...")
HOSTILE = {
    "huge integer": (b'{"external_person_id": "X", "custom_fields": {"n": ' + HUGE_INT + b"}}", 4),
    "huge negative integer": (b'{"timezone": -' + HUGE_INT + b"}", 4),
    "infinite number": (b'{"custom_fields": {"n": 1e400}}', 4),
    "negative infinity": (b'{"custom_fields": {"n": -1e999}}', 4),
    "a mantissa past a double": (b'{"custom_fields": {"n": 1' + b"0" * 400 + b".5}}", 4),
    "UTF-16": ('{"external_person_id": "U16"}'.encode("utf-16"), 4),
    "UTF-16 without a BOM": ('{"external_person_id": "U16"}'.encode("utf-16-le"), 4),
    "UTF-32": ('{"external_person_id": "U32"}'.encode("utf-32"), 4),
    "Latin-1": ('{"external_person_id": "Ren\u00e9"}'.encode("latin-1"), 4),
    "nested 33 deep": (b'{"custom_fields": ' + b"[" * 32 + b"]" * 32 + b"}", 7),
    "nested 1,000 deep": (b"[" * 1000 + b"]" * 1000, 7),
    "nested 1,023 deep in an object": (b'{"a":' * 1023 + b"1" + b"}" * 1023, 7),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, 7),
}


@pytest.fixture
def roomy() -> Settings:
    return Settings(random_seed=9)  # the default 1 MiB cap, so the deepest bodies reach the parser


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", P), ("PUT", P + "/external/H1"), ("POST", "/_sim/faults"), ("POST", "/_sim/companies/demo/opt-in")],
)
def test_hostile_bodies_are_400(roomy: Settings, name: str, method: str, path: str) -> None:
    raw, code = HOSTILE[name]
    with TestClient(create_app(roomy), headers=AUTH) as client:
        before = client.get(f"/_sim{C}/state").json()["persons"]
        r = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
        assert_envelope(r, 400, code)
        assert client.get(f"/_sim{C}/state").json()["persons"] == before
        assert client.get("/_sim/faults").json()["faults"] == []


def test_a_utf8_body_with_a_byte_order_mark_is_accepted(client: TestClient) -> None:
    raw = b"\xef\xbb\xbf" + b'{"external_person_id": "BOM"}'  # RFC 8259 lets a parser ignore it
    assert client.post(P, content=raw, headers={"Content-Type": "application/json"}).status_code == 201


def test_nesting_up_to_the_limit_is_not_refused_for_its_depth(client: TestClient) -> None:
    raw = b'{"custom_fields": {"first_name": ' + b"[" * 30 + b"]" * 30 + b"}}"
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert_envelope(r, 422)  # the schema's answer (not a list of strings), not the depth limit's


@pytest.mark.parametrize(
    "path",
    [
        "/companies/%2E%2E/mobiledb/persons",
        "/companies/%2E/mobiledb/subscription_lists",
        "/companies/a%0Db/mobiledb/persons",
        "/companies/a%0Ab/mobiledb/persons",
        "/companies/a%00b/mobiledb/persons",
        "/companies/a%7Fb/mobiledb/persons",
        "/companies/demo/mobiledb/persons/external/%2E%2E",
        "/companies/demo/mobiledb/persons/external/x%0D%0ASet-Cookie:%20a",
        "/_sim/companies/%2E%2E/state",
        "/_sim/companies/a%0Ab/reset",
    ],
)
def test_ids_with_control_characters_or_dot_segments_are_400(client: TestClient, unchanged: None, path: str) -> None:
    method = "POST" if path.endswith("/reset") else "GET"
    r = client.request(method, path, json={} if method == "POST" else None)
    assert_envelope(r, 400, 2)
    assert [c["key"] for c in client.get("/_sim/companies").json()] == ["demo"]


@pytest.mark.parametrize("ext", ["a\rb", "a\nb", "a\u0000b", "a\u007fb"])
def test_external_ids_with_control_characters_are_refused(client: TestClient, unchanged: None, ext: str) -> None:
    assert_envelope(client.post(P, json={"external_person_id": ext}), 422, 2)
