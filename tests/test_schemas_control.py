"""The /_sim control API against its schemas: every operation answers a body its sim-* schema
describes, and the endpoints take their body fields from the same schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conformance import attach, problems
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.delivery.chaos import Rule
from catapult_sim.routes import CONTROL_OPS, Op
from catapult_sim.settings import Settings
from catapult_sim.testing.inbox import CallbackInbox

S = "/_sim"
SC = "/_sim/companies/demo"
Seen = set[tuple[str, str, int]]
CONTROL = [op for op in CONTROL_OPS if op.path.startswith(S)]


@pytest.fixture
def checked(receiver: CallbackInbox) -> Iterator[tuple[TestClient, Seen, CallbackInbox]]:
    seen: Seen = set()
    settings = Settings(random_seed=7, clock="manual", start_time="2030-01-01T09:00:00Z")
    with TestClient(create_app(settings), headers=AUTH) as client:
        attach(client, seen)
        yield client, seen, receiver


def _platform(c: TestClient, hook: str) -> None:
    c.post(SC + "/callbacks", json={"url": hook, "types": ["person_added", "subscription_removed"]})
    c.get(SC + "/callbacks")
    c.post(
        "/companies/demo/mobiledb/persons",
        json={"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135551234"}},
    )
    for mdn, word in (
        ("2135551234", "JOIN"),
        ("2135551234", "PROMO"),
        ("2135551234", "PROMO"),
        ("2135550001", "ALERTS"),
    ):
        assert c.post(SC + "/sms/keyword", json={"mdn": mdn, "keyword": word}).status_code == 200
    for mdn, text in (("2135551234", "Y"), ("2135550001", "N")):
        assert c.post(SC + "/sms/reply", json={"mdn": mdn, "text": text}).status_code == 200
    assert c.post(SC + "/opt-in", json={"mdn": "2135550002", "list_id": "1003"}).status_code == 200
    body = {"external_person_id": "CRM-1", "list_id": "1001", "reason": "keyword_opt_out"}
    assert c.post(SC + "/opt-out", json=body).status_code == 200
    assert c.post(SC + "/sms/reply", json={"mdn": "+12135551234", "text": "STOP"}).status_code == 200
    assert c.post(SC + "/disconnect", json={"mdn": "2135550002"}).status_code == 200
    c.post(SC + "/opt-in", json={"mdn": "2135550003", "list_id": "1001"})
    assert c.post(SC + "/lists/1001/archive", json={}).status_code == 200
    assert c.post(SC + "/lists", json={"name": "Spring Sale"}).status_code == 201
    assert c.post(SC + "/lists/1002/rename", json={"name": "Deals"}).status_code == 200
    for kind in ("subscriptions", "current_subscribers"):
        assert c.get(SC + f"/extracts/{kind}").status_code == 200
    optouts = "subscription_list_id,mdn\n1002,2135551234\n1002,2135559999\n"
    assert c.post(SC + "/imports/opt-outs", content=optouts).status_code == 200
    loaded = c.post(SC + "/persons/import", content=b'{"external_person_id": "BULK-1"}\n')
    assert loaded.status_code == 200
    event = {"event_type": "cart", "event_data": {"mdn": "2135551234"}}
    assert c.post("/companies/demo/events", json=event).status_code == 202
    assert c.get(SC + "/received-events").status_code == 200
    c.post(SC + "/sms/keyword", json={"mdn": "2135550004", "keyword": "PROMO"})
    assert c.post(SC + "/participants/DemoDOI1/expire", json={"mdn": "2135550004"}).status_code == 200
    c.get(SC + "/person", params={"mdn": "2135551234"})
    c.get(SC + "/events")
    c.get(SC + "/events", params={"type": "subscription_removed", "after": "2"})
    c.get(SC + "/state")


def _clock_journal_faults(c: TestClient) -> None:
    c.get(S + "/health")
    c.get(S + "/companies")
    c.get(S + "/clock")
    c.post(S + "/clock", json={"mode": "manual", "now": "2030-01-01T09:00:00Z"})
    c.post(S + "/clock/advance", json={"by": "2h"})
    c.get(S + "/journal", params={"limit": "1"})
    c.get(S + "/journal/count", params={"method": "POST"})
    c.get(S + "/journal/1")
    c.post(S + "/journal/verify", json={"method": "PUT", "path": "/mobiledb/persons/{person_key}", "times": 1})
    c.post(S + "/journal/verify", json={"method": "POST", "path": "/mobiledb/persons"})
    rule = {"company": "nobody", "method": "POST", "path": "/mobiledb/persons", "status": 503, "count": 1}
    c.post(S + "/faults", json=rule)
    c.post(S + "/faults", json={"faults": [{"company": "nobody", "latency_ms": 5, "jitter_ms": 1}]})
    c.get(S + "/faults")
    c.delete(S + "/faults/1")
    c.delete(S + "/faults", params={"company": "nobody"})
    c.get(S + "/rate-limits")
    c.post(S + "/rate-limits", json={"company": "demo", "limit": 100, "retry_after": True})
    c.post(S + "/rate-limits", json={"company": "demo", "limit": None})
    c.delete(S + "/journal", params={"company": "demo"})


def _deliveries(c: TestClient, rx: CallbackInbox) -> None:
    rx.wait_requests(3)
    listed = c.get(S + "/deliveries", params={"limit": "2"}).json()
    c.get(S + "/deliveries", params={"status": "delivered", "type": "person_added"})
    first = listed[-1]["id"]
    c.get(f"{S}/deliveries/{first}")
    c.post(f"{S}/deliveries/{first}/replay", json={})
    c.post(S + "/deliveries/replay-failed", json={"company": "demo"})
    c.get(S + "/deliveries/attempts", params={"after": "0", "limit": "5"})
    c.get(S + "/destinations")
    c.post(S + "/chaos", json={"seed": 3, "duplicate_probability": 0.2, "latency_ms": 100, "jitter_ms": 50})
    c.post(S + "/chaos", json={"destination": rx.url_for("/elsewhere"), "reorder_window": 3})
    c.get(S + "/chaos")
    c.delete(S + "/chaos")
    assert c.post(SC + "/reset", json={}).status_code == 200
    assert c.post(S + "/reset", json={"seed": 7}).status_code == 200


def test_every_control_answer_matches_its_schema(checked: tuple[TestClient, Seen, CallbackInbox]) -> None:
    client, seen, rx = checked
    _platform(client, rx.url_for("/hooks"))
    _clock_journal_faults(client)
    _deliveries(client, rx)
    succeeded = {(m, p) for m, p, status in seen if status < 400}
    missing = [f"{op.method} {op.path}" for op in CONTROL if (op.method, op.path) not in succeeded]
    assert missing == [], "control operations never answered with success in the walk"


def test_every_control_operation_names_its_schemas() -> None:
    for op in CONTROL:
        assert op.returns, f"{op.method} {op.path} names no response schema"
        assert op.body != "object", f"{op.method} {op.path} takes a body without a schema"


def test_a_drifted_control_answer_is_reported(client: TestClient) -> None:
    response = client.get(S + "/clock")
    assert problems(response) == []
    response._content = response.content.replace(b'"mode"', b'"clock_mode"')
    assert any("mode" in p for p in problems(response))


def _concrete(op: Op) -> str:
    fill = {"company_key": "demo", "action": "confirm", "acquisition_id": "DemoDOI1", "list_id": "1001"}
    return re.sub(r"\{(\w+)\}", lambda m: fill.get(m.group(1), "1"), op.path)


BODIES = [op for op in CONTROL if op.body and op.body != "sim-fault-rules-request"]


@pytest.mark.parametrize("op", BODIES, ids=[f"{op.method} {op.path}" for op in BODIES])
def test_control_bodies_take_the_fields_of_their_schema(client: TestClient, op: Op) -> None:
    """An unknown field is a 422 naming it: the endpoint reads its fields from the schema."""
    body: dict[str, Any] = {**schemas.schema(op.body)["examples"][0], "surprise": 1}
    r = client.request(op.method, _concrete(op), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"code": 3, "message": "surprise is not a known field"}]


def test_a_control_body_is_checked_against_its_schema_with_every_problem_listed(client: TestClient) -> None:
    """Like the Catapult API: one 422 that lists every problem of the body at once."""
    body = {"seconds": -5, "by": 7, "surprise": 1}
    r = client.post(S + "/clock/advance", json=body)
    assert r.status_code == 422, r.text
    messages = [e["message"] for e in r.json()["errors"]]
    assert len(messages) == 3 and any("surprise" in m for m in messages), messages
    assert any(m.startswith("seconds") for m in messages) and any(m.startswith("by") for m in messages)
    r = client.post(S + "/companies/demo/sms/reply", json={"mdn": 5})
    assert r.status_code == 422 and len(r.json()["errors"]) == 2, r.text  # mdn's type, text missing


def test_the_chaos_schema_names_every_rule_field() -> None:
    assert set(schemas.schema("sim-chaos-request")["properties"]) == set(Rule.__dataclass_fields__) | {
        "seed",
        "destination",
    }
    assert set(schemas.schema("sim-chaos")["$defs"]["rule"]["required"]) == set(Rule.__dataclass_fields__)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (f"{SC}/events", {"after": ""}),
        (f"{SC}/events", {"type": ""}),
        (f"{SC}/events", {"type": "person_deleted"}),
        (f"{S}/journal", {"after": ""}),
        (f"{S}/journal", {"limit": ""}),
        (f"{S}/journal", {"limit": "0"}),
        (f"{S}/journal/count", {"after": ""}),
        (f"{S}/deliveries", {"limit": ""}),
        (f"{S}/deliveries", {"before": ""}),
        (f"{S}/deliveries", {"limit": "1001"}),
        (f"{S}/deliveries/attempts", {"after": ""}),
        (f"{S}/deliveries/attempts", {"limit": ""}),
        (f"{S}/deliveries/attempts", {"after": "1000000000000000000"}),
    ],
)
def test_a_blank_or_out_of_range_query_value_is_a_400(client: TestClient, path: str, params: dict[str, str]) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["code"] == 2


def test_a_blank_chaos_destination_is_a_400(client: TestClient) -> None:
    assert client.delete(f"{S}/chaos", params={"destination": ""}).status_code == 400
    assert client.delete(f"{S}/chaos").status_code == 200


def test_the_control_api_docs_list_every_operations_schemas() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "control-api.md").read_text(encoding="utf-8")
    for op in CONTROL:
        body = f"`{op.body}`" + (" (optional)" if op.optional_body else "") if op.body else "—"
        answer = " ".join(f"`{name}`" for name in op.returns.split("|"))
        row = f"| {op.method} | `{op.path}` | {body} | {answer} |"
        assert row in docs, f"docs/control-api.md#schemas lacks {row}"
