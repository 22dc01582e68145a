"""Schemathesis against the in-process simulator, driven by its own /openapi.json.

Positive and negative data for every operation, Catapult and /_sim control alike; the checks require
no server error and that every status, content type and body the simulator answers is declared by
the document (so by catapult_sim/schemas), and that every request that breaks the document is refused.

Deterministic: Hypothesis is derandomized with no example database, and every operation runs
against a fresh simulator seeded the same way, so neither the order nor the split of operations
between workers changes what any of them sees. Random identifiers mostly name nothing, so two in
three positive cases are aimed at resources that exist (a seeded person, list 1001, campaign
DemoDOI1, journal entry 1, fault rule 1, delivery 1) to reach the success paths too.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from conftest import AUTH
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from catapult_sim.settings import Settings

MAX_EXAMPLES = 15
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "auth": {"basic": {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "seed": 20240601,
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MDN, EXTERNAL_ID, PENDING = "2135550101", "CRM-SCHEMA-1", "2135550102"


def _seeded_app() -> tuple[Any, dict[str, str]]:
    """A simulator with a subscribed person, a pending participant, a journal entry, a fault rule
    that touches nobody and an undelivered callback, in company demo; the clock stands still."""
    app = create_app(Settings(random_seed=99, clock="manual", start_time="2024-06-01T12:00:00Z"))
    client = TestClient(app, headers=AUTH)  # no lifespan: the callback stays in the log, unsent
    person = {"external_person_id": EXTERNAL_ID, "mobile_phone": {"mdn": MDN}}
    key = client.post("/companies/demo/mobiledb/persons", json=person).json()["person_key"]
    hook = {"url": "http://127.0.0.1:9/hook", "types": ["subscription_added"]}
    registered = client.post("/_sim/companies/demo/callbacks", json=hook).json()["registered"]
    client.post("/_sim/companies/demo/opt-in", json={"person_key": key, "list_id": "1001"})
    pending = {"mobile_phone": {"mdn": PENDING}}
    client.post("/companies/demo/campaigns/acquisition/DemoDOI1/participants", json=pending)
    client.post("/_sim/faults", json={"company": "nobody", "status": 503})
    known = {
        "company_key": "demo",
        "person_key": key,
        "external_person_id": EXTERNAL_ID,
        "subscription_list_id": "1001",
        "list_id": "1001",
        "acquisition_id": "DemoDOI1",
        "action": "confirm",
        "entry_id": "1",
        "rule_id": "1",
        "delivery_id": "1",
        "callback_id": registered[0]["callback_id"],
    }
    return app, known


# Schemathesis reads the document from this one; each operation then runs against a fresh simulator.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Settings(random_seed=1)), config=CONFIG)


@pytest.fixture
def seeded() -> Iterator[tuple[Any, dict[str, str]]]:
    yield _seeded_app()


def _aim(case: schemathesis.Case, known: dict[str, str]) -> None:
    """Point two in three positive cases at existing resources (deterministic per case)."""
    if case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    params = case.path_parameters or {}
    if zlib.crc32(repr((case.method, case.path, sorted(params.items()))).encode()) % 3 == 0:
        return
    for name in params:
        if name in known:
            params[name] = known[name]
    by_value = {"mdn": MDN, "person_key": known["person_key"], "external_person_id": EXTERNAL_ID}
    for name in set(case.query or {}) & set(by_value):
        case.query[name] = by_value[name]
    body = case.body
    if isinstance(body, dict) and case.operation.path.startswith("/_sim/"):
        # Control bodies name the person and list by value; the pending participant answers Y.
        pending = "/sms/reply" in case.path or "/participants/" in case.path
        for name, value in {**by_value, "mdn": PENDING if pending else MDN, "list_id": "1001"}.items():
            if name in body:
                body[name] = value
        if "text" in body:
            body["text"] = "Y"


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case: schemathesis.Case, seeded: tuple[Any, dict[str, str]]) -> None:
    app, known = seeded
    _aim(case, known)
    case.call_and_validate(checks=CHECKS, app=app)
