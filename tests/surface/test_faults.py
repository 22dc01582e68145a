"""Fault and latency rules in-process: validation, scoping, counting, seeding, the seed file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.seed import SeedError
from catapult_sim.routes import catapult_paths as path_table
from catapult_sim.settings import Settings
from catapult_sim.surface.faults import Faults

PERSONS = "/companies/{}/mobiledb/persons"


def add_person(client: TestClient, company: str = "demo", mdn: str = "2135551234") -> Any:
    return client.post(PERSONS.format(company), json={"mobile_phone": {"mdn": mdn}})


def add_rule(client: TestClient, **rule: Any) -> dict[str, Any]:
    r = client.post("/_sim/faults", json=rule)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()["faults"][0]
    return created


def test_the_next_two_posts_fail_with_503_then_calls_go_through(client: TestClient) -> None:
    rule = add_rule(client, company="demo", method="POST", path="/mobiledb/persons", status=503, count=2)
    statuses = [add_person(client).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    listed = client.get("/_sim/faults").json()["faults"][0]
    assert (listed["id"], listed["fired"], listed["remaining"], listed["active"]) == (rule["id"], 2, 0, False)
    journal = client.get("/_sim/journal").json()["requests"]
    assert [e["fault"] for e in journal] == [
        {"rule": rule["id"], "kind": "status", "status": 503},
        {"rule": rule["id"], "kind": "status", "status": 503},
        None,
    ]
    assert all(e["body"] == {"mobile_phone": {"mdn": "2135551234"}} for e in journal)


def test_a_forced_status_answers_in_the_catapult_envelope(client: TestClient) -> None:
    participants = "/campaigns/acquisition/{acquisition_id}/participants"
    add_rule(client, path=participants, method="POST", status=422, code="MDNHASCONFIRMATIONBLOCK")
    body = {"mobile_phone": {"mdn": "2135551234"}}
    r = client.post("/companies/demo/campaigns/acquisition/DemoDOI1/participants", json=body)
    assert r.status_code == 422
    (err,) = r.json()["errors"]
    assert err["code"] == 50 and err["message"].startswith("MDNHASCONFIRMATIONBLOCK: ")
    client.delete("/_sim/faults")
    add_rule(client, status=500, message="database on fire", code=7)
    r = client.get(PERSONS.format("demo") + "/x")
    assert r.status_code == 500 and r.json() == {"errors": [{"code": 7, "message": "database on fire"}]}


def test_a_forced_429_uses_the_rate_limit_code(client: TestClient) -> None:
    add_rule(client, status=429)
    r = client.get(PERSONS.format("demo") + "/x")
    assert r.status_code == 429 and r.json()["errors"][0]["code"] == 60


@pytest.mark.nonconforming("an injected empty fault answers a 200 and a 502 with no body")
def test_an_empty_fault_answers_no_body(client: TestClient) -> None:
    add_rule(client, fault="empty", count=1)
    r = add_person(client)
    assert (r.status_code, r.content) == (200, b"")
    add_rule(client, fault="empty", status=502, count=1)
    assert (add_person(client).status_code, add_person(client).status_code) == (502, 201)


@pytest.mark.nonconforming("an injected truncated fault cuts the JSON body short")
def test_in_process_a_reset_raises_and_a_truncated_body_arrives_short(client: TestClient) -> None:
    add_rule(client, fault="reset", count=1)
    with pytest.raises(ConnectionResetError):
        add_person(client)
    add_rule(client, fault="truncated", count=1)
    r = add_person(client, mdn="2135550001")
    assert r.status_code == 201 and 0 < len(r.content) < int(r.headers["content-length"])
    assert [e["fault"]["kind"] for e in client.get("/_sim/journal").json()["requests"]] == [
        "reset",
        "truncated",
    ]


def test_a_fault_never_leaks_to_another_company(client: TestClient) -> None:
    add_rule(client, company="acme", status=503)
    assert add_person(client, "demo").status_code == 201
    assert add_person(client, "acme").status_code == 503
    assert client.get(PERSONS.format("other") + "/x").status_code == 404


def test_scoping_by_method_and_template(client: TestClient) -> None:
    add_rule(client, method="GET", path="/mobiledb/persons/{person_key}", status=503)
    key = add_person(client).json()["person_key"]
    assert client.get(PERSONS.format("demo") + f"/{key}").status_code == 503
    assert client.get(PERSONS.format("demo") + f"/{key}/").status_code == 503
    assert client.get(PERSONS.format("demo") + f"/{key}/subscriptions").status_code == 200
    assert client.put(PERSONS.format("demo") + f"/{key}", json={"external_person_id": "E1"}).status_code == 200


def test_a_company_rule_comes_before_a_rule_for_everyone(client: TestClient) -> None:
    add_rule(client, status=500)
    add_rule(client, company="demo", status=502)
    assert add_person(client, "demo").status_code == 502
    assert add_person(client, "acme").status_code == 500


def test_probability_is_seeded_so_runs_reproduce() -> None:
    def run(seed: int) -> list[int]:
        app = create_app(Settings(random_seed=seed))
        with TestClient(app, headers=AUTH) as client:
            add_rule(client, status=503, probability=0.5)
            return [client.get(PERSONS.format("demo") + "/x").status_code for _ in range(40)]

    first, again, other = run(11), run(11), run(12)
    assert first == again
    assert first != other
    assert 5 < first.count(503) < 35


def test_a_rule_seed_overrides_the_simulator_seed() -> None:
    table = path_table()
    a, b = Faults(seed=1), Faults(seed=2)
    ra = a.add({"status": 503, "probability": 0.3, "seed": 99}, table)
    rb = b.add({"status": 503, "probability": 0.3, "seed": 99}, table)
    assert [ra.fires() for _ in range(50)] == [rb.fires() for _ in range(50)]


def test_jitter_stays_within_bounds_and_reproduces() -> None:
    table = path_table()
    rule = Faults(seed=5).add({"latency_ms": 200, "jitter_ms": 50}, table)
    twin = Faults(seed=5).add({"latency_ms": 200, "jitter_ms": 50}, table)
    delays = [rule.delay_ms() for _ in range(200)]
    assert delays == [twin.delay_ms() for _ in range(200)]
    assert all(150 <= d <= 250 for d in delays) and len(set(delays)) > 100


def test_list_clear_and_remove(client: TestClient) -> None:
    key = add_person(client).json()["person_key"]
    first = add_rule(client, company="acme", status=503)
    add_rule(client, company="demo", latency_ms=1)
    add_rule(client, fault="reset", company="demo", method="DELETE")
    assert [r["company"] for r in client.get("/_sim/faults", params={"company": "demo"}).json()["faults"]] == [
        "demo",
        "demo",
    ]
    assert client.delete(f"/_sim/faults/{first['id']}").json() == {"cleared": 1}
    assert client.delete(f"/_sim/faults/{first['id']}").status_code == 404
    assert client.delete("/_sim/faults/x").status_code == 400
    assert client.delete("/_sim/faults", params={"company": "demo"}).json() == {"cleared": 2}
    assert client.get("/_sim/faults").json() == {"faults": []}
    assert client.get(PERSONS.format("demo") + f"/{key}").status_code == 200  # persons untouched


def test_several_rules_at_once_all_or_nothing(client: TestClient) -> None:
    r = client.post("/_sim/faults", json={"faults": [{"status": 503}, {"status": 99}]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"].startswith("[1] status")
    assert client.get("/_sim/faults").json() == {"faults": []}
    r = client.post("/_sim/faults", json={"faults": [{"status": 503, "count": 1}, {"latency_ms": 5}]})
    assert r.status_code == 201 and [f["fault"] for f in r.json()["faults"]] == ["status", "latency"]


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"status": 503, "colour": "red"}, "colour is not a known field"),
        ({"status": 503, "probability": 1.5}, "probability: must be a number greater than 0"),
        ({"status": 503, "probability": 0}, "probability: must be a number greater than 0"),
        ({"status": 503, "probability": "often"}, "probability:"),
        ({"status": 503, "count": 0}, "count: must be a whole number"),
        ({"status": 200}, "must be an error status"),
        ({"status": 503, "path": "/mobiledb/people"}, "not a Catapult path template"),
        ({"status": 503, "method": "PATCH"}, "method: must be one of"),
        ({"status": 503, "method": "DELETE", "path": "/mobiledb/persons"}, "no Catapult operation DELETE"),
        ({"fault": "explode"}, "fault: must be one of"),
        ({}, "fault is required"),
        ({"fault": "status"}, "status is required"),
        ({"fault": "reset", "status": 503}, "status does not apply"),
        ({"fault": "reset", "code": 1}, "code applies only to a status fault"),
        ({"fault": "latency"}, "latency_ms (more than 0) is required"),
        ({"latency_ms": 10, "jitter_ms": 20}, "jitter_ms cannot be larger"),
        ({"latency_ms": -1}, "latency_ms: must be a number"),
        ({"status": 503, "code": "NOPE"}, "code: must be"),
        ({"status": 503, "company": "a/b"}, "company: must be a company key"),
    ],
)
def test_bad_rules_are_422_and_add_nothing(client: TestClient, rule: dict[str, Any], fragment: str) -> None:
    r = client.post("/_sim/faults", json=rule)
    assert r.status_code == 422
    assert any(fragment in e["message"] for e in r.json()["errors"]), r.json()
    assert client.get("/_sim/faults").json() == {"faults": []}


def test_a_body_that_is_no_rule_object_is_a_4xx(client: TestClient) -> None:
    assert client.post("/_sim/faults", json=[{"status": 503}]).status_code == 400
    assert client.post("/_sim/faults", json={"faults": {"status": 503}}).status_code == 422
    assert client.post("/_sim/faults", json={"faults": []}).status_code == 400
    assert client.post("/_sim/faults", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    assert client.get("/_sim/faults", params={"kind": "x"}).status_code == 400


def test_every_problem_is_listed_at_once(client: TestClient) -> None:
    r = client.post("/_sim/faults", json={"status": 99, "count": -1, "colour": 1})
    assert r.status_code == 422
    assert [e["code"] for e in r.json()["errors"]].count(3) == 1  # the unknown field
    assert len(r.json()["errors"]) >= 3


def _seed_file(tmp_path: Path, faults: Any) -> str:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"companies": [{"key": "acme"}], "faults": faults}), encoding="utf-8")
    return str(path)


def test_rules_load_from_the_seed_file(tmp_path: Path) -> None:
    seed = _seed_file(tmp_path, [{"company": "acme", "method": "POST", "path": "/mobiledb/persons", "status": 503}])
    app = create_app(Settings(seed_file=seed, random_seed=1, auto_companies=True))
    with TestClient(app, headers=AUTH) as client:
        assert add_person(client, "acme").status_code == 503
        assert add_person(client, "demo").status_code == 201
        assert client.get("/_sim/faults").json()["faults"][0]["company"] == "acme"


@pytest.mark.parametrize("faults", [{"status": 503}, [{"status": 1}], [{"fault": "sometimes"}]])
def test_bad_seed_file_rules_stop_the_start(tmp_path: Path, faults: Any) -> None:
    with pytest.raises(SeedError, match="faults"):
        create_app(Settings(seed_file=_seed_file(tmp_path, faults)))
