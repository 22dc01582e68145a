"""Verification over the journal: counts, JSON-subset bodies, near misses, and bad patterns."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim.surface.verify import Expectation, subset_differences

PERSONS = "/companies/demo/mobiledb/persons"


def verify(client: TestClient, **pattern: Any) -> dict[str, Any]:
    r = client.post("/_sim/journal/verify", json=pattern)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def add(client: TestClient, company: str, body: dict[str, Any]) -> None:
    client.post(f"/companies/{company}/mobiledb/persons", json=body)


def crm_calls(client: TestClient) -> None:
    add(client, "demo", {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})
    add(client, "demo", {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})
    add(client, "demo", {"external_person_id": "CRM-2", "mobile_phone": {"mdn": "2135551235"}})
    add(client, "acme", {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}})
    client.get(PERSONS + "/external/CRM-1")


def test_counts_by_method_template_company_and_body_subset(client: TestClient) -> None:
    crm_calls(client)
    base = {"method": "POST", "path": "/mobiledb/persons", "company": "demo"}
    assert verify(client, **base, body={"external_person_id": "CRM-1"}, times=2)["ok"] is True
    assert verify(client, **base, times=3)["ok"] is True
    assert verify(client, method="POST", path="/companies/{company_key}/mobiledb/persons", times=4)["ok"]
    assert verify(client, **base, body={"mobile_phone": {"mdn": "2135551235"}})["count"] == 1
    assert verify(client, path="/mobiledb/persons/external/{external_person_id}", times=1)["ok"]
    assert verify(client, **base, at_least=2, at_most=3)["ok"] is True
    assert verify(client, **base, at_most=2)["ok"] is False


def test_at_least_once_when_no_count_is_given(client: TestClient) -> None:
    assert verify(client, method="POST")["ok"] is False
    add(client, "demo", {"mobile_phone": {"mdn": "2135551234"}})
    result = verify(client, method="POST")
    assert result["ok"] is True and result["expected"] == "at least 1"
    assert result["near_misses"] == []


def test_matching_requests_come_back(client: TestClient) -> None:
    crm_calls(client)
    result = verify(client, company="acme")
    assert [r["body"]["external_person_id"] for r in result["requests"]] == ["CRM-1"]


def test_a_wrong_count_lists_the_nearest_misses_first(client: TestClient) -> None:
    crm_calls(client)
    result = verify(
        client,
        method="POST",
        path="/mobiledb/persons",
        company="demo",
        body={"external_person_id": "CRM-3", "mobile_phone": {"mdn": "2135551235"}},
        times=1,
    )
    assert result["ok"] is False and result["count"] == 0
    assert "expected exactly 1 request(s) POST /mobiledb/persons for company demo" in result["message"]
    nearest = result["near_misses"][0]
    # CRM-2's call differs in one body field of two: nearer than anything else.
    assert nearest["request"]["body"]["external_person_id"] == "CRM-2"
    assert nearest["differences"] == ['body.external_person_id: expected "CRM-3", got "CRM-2"']
    assert len(result["near_misses"]) == 3
    assert all(m["request"]["method"] == "POST" for m in result["near_misses"])


def test_near_misses_name_each_difference(client: TestClient) -> None:
    add(client, "acme", {"mobile_phone": {"mdn": "2135551234"}})
    result = verify(client, method="PUT", path="/mobiledb/persons", company="demo", body={"external_person_id": "X"})
    (miss,) = result["near_misses"]
    assert miss["differences"] == [
        "method: expected PUT, got POST",
        "company: expected demo, got acme",
        'body.external_person_id: missing (expected "X")',
    ]


def test_near_misses_can_be_limited(client: TestClient) -> None:
    crm_calls(client)
    assert verify(client, method="DELETE", near_misses=1)["near_misses"][0]["request"]["method"] in (
        "POST",
        "GET",
    )
    assert len(verify(client, method="DELETE", near_misses=1)["near_misses"]) == 1
    assert verify(client, method="DELETE", near_misses=0)["near_misses"] == []


def test_query_subset(client: TestClient) -> None:
    client.get(PERSONS, params={"mdn": "+12135551234"})
    assert verify(client, query={"mdn": "+12135551234"}, times=1)["ok"]
    miss = verify(client, query={"mdn": "+12135550000"})["near_misses"][0]
    assert miss["differences"] == ['query.mdn: expected "+12135550000", got "+12135551234"']


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ({"times": 2, "at_least": 1}, "not both"),
        ({"at_least": 3, "at_most": 1}, "at_least cannot be more than at_most"),
        ({"times": -1}, "times: -1 is less than the minimum of 0"),
        ({"times": True}, "times: True is not of type"),
        ({"path": "/mobiledb/persons/{nobody}"}, "not a Catapult path template"),
        ({"method": 7}, "method: 7 is not of type 'string'"),
        ({"query": ["mdn"]}, "query: ['mdn'] is not of type 'object'"),
        ({"colour": "red"}, "colour is not a known field"),
    ],
)
def test_bad_patterns_are_4xx_in_the_envelope(client: TestClient, pattern: dict[str, Any], fragment: str) -> None:
    r = client.post("/_sim/journal/verify", json=pattern)
    assert 400 <= r.status_code < 500
    assert any(fragment in e["message"] for e in r.json()["errors"]), r.json()


def test_json_subset_rules() -> None:
    assert subset_differences({"a": 1}, {"a": 1, "b": 2}, "body") == []
    assert subset_differences({"a": {"b": [1, {"c": 2}]}}, {"a": {"b": [1, {"c": 2, "d": 3}]}}, "body") == []
    assert subset_differences({"a": [1]}, {"a": [1, 2]}, "body") == [(1, "body.a: expected [1], got [1, 2]")]
    assert subset_differences({"a": 1}, {"a": 1.0}, "body") == []
    assert subset_differences({"a": 1}, {"a": True}, "body") == [(1, "body.a: expected 1, got true")]
    assert subset_differences({"a": "1"}, {"a": 1}, "body") == [(1, 'body.a: expected "1", got 1')]
    assert subset_differences({"a": None}, {}, "body") == [(1, "body.a: missing (expected nothing)")]
    assert subset_differences({"a": {"x": 1, "y": 2}}, "text", "body")[0][0] == 2


def test_expectations() -> None:
    assert Expectation().holds(1) and not Expectation().holds(0)
    assert Expectation(times=0).holds(0) and not Expectation(times=0).holds(1)
    assert Expectation(at_most=1).holds(0) and not Expectation(at_most=1).holds(2)
    assert Expectation(at_least=2, at_most=2).describe() == "between 2 and 2"
