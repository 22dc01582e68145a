"""The shortcuts on the request path give what the general code they stand in for gives.

Each test names the shortcut: the JSON body parser (orjson, with the standard parser as the
judge), the JSON answer's headers, ``Person.copy`` and the next ``person_id`` kept in memory.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from catapult_sim._http import json_response
from catapult_sim.core.models import Person
from catapult_sim.core.persons import parse_patch
from catapult_sim.errors import Conflict
from catapult_sim.sim import Simulator

P = "/companies/demo/mobiledb/persons"


def add(client: TestClient, mdn: str, **more: Any) -> Any:
    return client.post(P, json={"mobile_phone": {"mdn": mdn}, **more})


# -- JSON bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["12345678901234567890123", "-9223372036854775809", "18446744073709551616", "1e300", "0.1", "-0"],
)
def test_numbers_in_a_body_keep_the_standard_parsers_value(client: TestClient, number: str) -> None:
    """Integers past 64 bits stay exact (orjson would make them floats); the rest parse the same."""
    raw = '{"mobile_phone":{"mdn":"2135550101"},"custom_fields":{"first_name":' + number + "}}"
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    expected = str(json.loads(raw)["custom_fields"]["first_name"])  # a string field keeps str(value)
    assert r.json()["custom_fields"]["first_name"] == expected


def test_a_repeated_key_keeps_its_last_value_and_escapes_decode(client: TestClient) -> None:
    raw = '{"mobile_phone":{"mdn":"2135550102"},"custom_fields":{"first_name":"A","first_name":"\\u00c9va"}}'
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert r.json()["custom_fields"]["first_name"] == "Éva"


def test_a_body_orjson_refuses_is_still_read_as_the_standard_parser_reads_it(client: TestClient) -> None:
    """A long integer is JSON the standard parser reads exactly; orjson does not. (A UTF-16 body is
    refused: JSON travels in UTF-8, tests/api/test_http_bad_input.py.)"""
    raw = '{"mobile_phone":{"mdn":"2135550103"},"custom_fields":{"first_name":123456789012345678901234567890}}'
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["custom_fields"]["first_name"] == "123456789012345678901234567890"


def test_an_escaped_surrogate_pair_is_one_character(client: TestClient) -> None:
    raw = '{"mobile_phone":{"mdn":"2135550105"},"custom_fields":{"first_name":"x\\ud83d\\ude00"}}'
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["custom_fields"]["first_name"] == "x\U0001f600"


@pytest.mark.parametrize(
    "raw",
    [
        '{"mobile_phone":{"mdn":"2135550106"},"external_person_id":"x\\ud800"}',  # a text column
        '{"mobile_phone":{"mdn":"2135550106"},"custom_fields":{"x\\udc00":"a"}}',  # a key
        '{"mobile_phone":{"mdn":"2135550106"},"custom_fields":{"first_name":"\\ud800"}}',  # a value
        '{"mobile_phone":{"mdn":"2135550106"},"custom_fields":{"first_name":"\\udc00\\ud800"}}',  # reversed
    ],
)
def test_a_lone_surrogate_is_a_400_and_writes_nothing(client: TestClient, raw: str) -> None:
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["code"] == 4
    assert "lone UTF-16 surrogate" in r.json()["errors"][0]["message"]
    assert client.get(P, params={"mdn": "2135550106"}).status_code == 404


def test_a_lone_surrogate_sent_as_raw_bytes_is_a_400(client: TestClient) -> None:
    raw = b'{"mobile_phone":{"mdn":"2135550107"},"external_person_id":"x\xed\xa0\x80"}'
    r = client.post(P, content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert client.get(P, params={"mdn": "2135550107"}).status_code == 404


def test_a_lone_surrogate_in_a_callback_registration_is_a_400(client: TestClient) -> None:
    raw = '{"callback_type":"person_added","destination":{"url":"http://127.0.0.1:9/\\ud800","method":"POST"}}'
    r = client.post("/companies/demo/config/callbacks", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert client.get("/companies/demo/config/callbacks").json() == []


# -- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 201, 204, 304, 404])
def test_a_json_answer_has_the_headers_and_bytes_starlette_would_send(status: int) -> None:
    body = {"a": [1, "é", None, True], "b": {"c": 1.5}}
    ours, theirs = json_response(body, status), JSONResponse(body, status_code=status)
    assert ours.status_code == theirs.status_code
    assert sorted(ours.raw_headers) == sorted(theirs.raw_headers)
    assert ours.body == theirs.body
    assert ours.headers["content-type"] == "application/json"


# -- records -------------------------------------------------------------------------------------


def test_person_copy_is_a_shallow_copy_of_every_field() -> None:
    fields = dataclasses.fields(Person)
    original = Person(*(f"value-{f.name}" for f in fields))  # type: ignore[arg-type]
    copied = original.copy()
    assert copied is not original
    assert dataclasses.astuple(copied) == dataclasses.astuple(original)
    assert all(getattr(copied, f.name) is getattr(original, f.name) for f in fields)


# -- person_id -----------------------------------------------------------------------------------


def test_person_ids_follow_on_after_a_reset(client: TestClient) -> None:
    assert [add(client, f"213555020{i}").json()["person_id"] for i in range(3)] == ["1", "2", "3"]
    assert client.post("/_sim/companies/demo/reset", json={}).status_code == 200
    # A person_id is never handed out twice in the life of a store, a reset included.
    assert add(client, "2135550210").json()["person_id"] == "4"
    assert add(client, "2135550211").json()["person_id"] == "5"


def test_a_rolled_back_create_does_not_use_up_its_person_id(sim: Simulator) -> None:
    def create(mdn: str) -> Person:
        patch = parse_patch(sim.db.env, "demo", {"mobile_phone": {"mdn": mdn}}, 1)
        return sim.db.persons.add(tx, "demo", patch)[1]

    with sim.store.transaction() as tx:
        assert create("2135550220").person_id == 1
    with pytest.raises(Conflict), sim.store.transaction() as tx:
        assert create("2135550221").person_id == 2
        raise Conflict("rolled back after the create")
    with sim.store.transaction() as tx:
        assert create("2135550222").person_id == 2


def test_person_ids_of_two_companies_are_counted_apart(client: TestClient) -> None:
    other = "/companies/acme/mobiledb/persons"
    assert add(client, "2135550230").json()["person_id"] == "1"
    assert client.post(other, json={"mobile_phone": {"mdn": "2135550231"}}).json()["person_id"] == "1"
    assert add(client, "2135550232").json()["person_id"] == "2"
