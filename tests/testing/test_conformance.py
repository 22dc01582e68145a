"""The suite-wide checks themselves (tests/conformance.py and tests/conftest.py): they find drift,
cover every TestClient a test makes and every callback the receiver gets, and can be turned off."""

from __future__ import annotations

import json

import conformance
import httpx2 as httpx
import pytest
from conftest import AUTH, callback_problems
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.settings import Settings
from catapult_sim.testing.receiver import Received


def _response(method: str, path: str, status: int, content: bytes, content_type: str) -> httpx.Response:
    request = httpx.Request(method, "http://testserver" + path)
    return httpx.Response(status, content=content, headers={"content-type": content_type}, request=request)


def test_broken_answers_are_reported() -> None:
    clock = "/_sim/clock"
    good = json.dumps({"mode": "manual", "now": "2030-01-01T09:00:00Z"}).encode()
    assert conformance.problems(_response("GET", clock, 200, good, "application/json")) == []
    assert conformance.problems(_response("GET", clock, 200, b"", "application/json")) == [
        "an empty body, expected sim-clock"
    ]
    assert conformance.problems(_response("GET", clock, 200, good[:10], "application/json"))[0].startswith(
        "the body is not JSON"
    )
    assert conformance.problems(_response("GET", clock, 200, good, "text/plain"))[0].startswith("content type")
    assert conformance.problems(_response("GET", clock, 404, b'{"error": "x"}', "application/json"))
    assert conformance.problems(_response("HEAD", clock, 200, b"", "application/json")) == []


def test_a_literal_route_is_not_taken_for_a_parameter() -> None:
    op = conformance.route_of("GET", "/_sim/journal/count/")
    assert op is not None and op.returns == "sim-journal-count"
    assert conformance.schema_for("POST", "/_sim/journal/verify", 200) == "sim-journal-verification"


def test_every_test_client_is_checked() -> None:
    with TestClient(create_app(Settings(random_seed=3)), headers=AUTH) as client:
        assert getattr(client, conformance._ATTACHED) is True
        hooks = len(client.event_hooks["response"])
        conformance.attach(client)  # once is enough
        assert len(client.event_hooks["response"]) == hooks


@pytest.mark.nonconforming("shows that the marker turns the check off")
def test_the_marker_turns_the_check_off(client: TestClient) -> None:
    assert not getattr(client, conformance._ATTACHED, False)
    with TestClient(create_app(Settings(random_seed=3))) as other:
        assert not getattr(other, conformance._ATTACHED, False)


def _received(body: object) -> Received:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Received("POST", "/hook", {"Content-Type": "application/json"}, raw, 0.0)


def test_callbacks_are_checked_against_their_type() -> None:
    good = schemas.schema("callback-subscription_removed")["examples"][0]
    assert callback_problems(_received(good)) == []
    drifted = json.loads(json.dumps(good))
    del drifted["subscription"]["opt_out_reason"]
    assert callback_problems(_received(drifted)) == [
        "POST /hook callback-subscription_removed: subscription.opt_out_reason is required"
    ]
    assert callback_problems(_received({**good, "callback_type": "person_deleted"})) == [
        "POST /hook: no schema for callback_type 'person_deleted'"
    ]
    assert callback_problems(_received(b"not json"))[0].startswith("POST /hook: the body is not a JSON object")
