"""Schemathesis against the in-process simulator, driven by its own /openapi.json.

Positive and negative data for every operation; the checks require no server error and that every
status, content type and body the simulator answers is declared by the document (so by schemas/),
and that the Catapult routes reject every request that breaks the document.
Random identifiers mostly name nothing, so two in three positive cases are aimed at resources that
exist (a seeded person, list 1001, campaign DemoDOI1) to reach the success paths too.
"""

from __future__ import annotations

import zlib
from typing import Any

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

from simulator.app import create_app
from simulator.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from simulator.settings import Settings

MAX_EXAMPLES = 15
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
        "auth": {"basic": {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}},
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "seed": 20240601,
    }
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The Catapult surface must also reject every schema-violating request; the /_sim control API is
# the simulator's own and may read a blank query value as absent.
CATAPULT_CHECKS = [*CHECKS, negative_data_rejection]


def _seeded_app() -> tuple[Any, dict[str, str]]:
    """A simulator with one subscribed person and one pending participant in company demo."""
    app = create_app(Settings(random_seed=99, clock="manual", start_time="2024-06-01T12:00:00Z"))
    client = TestClient(app, headers=AUTH)  # no lifespan needed for setup requests
    person = {"external_person_id": "CRM-SCHEMA-1", "mobile_phone": {"mdn": "2135550101"}}
    key = client.post("/companies/demo/mobiledb/persons", json=person).json()["person_key"]
    client.post("/_sim/companies/demo/opt-in", json={"person_key": key, "list_id": "1001"})
    pending = {"mobile_phone": {"mdn": "2135550102"}}
    client.post("/companies/demo/campaigns/acquisition/DemoDOI1/participants", json=pending)
    known = {
        "company_key": "demo",
        "person_key": key,
        "external_person_id": "CRM-SCHEMA-1",
        "subscription_list_id": "1001",
        "list_id": "1001",
        "acquisition_id": "DemoDOI1",
        "action": "confirm",
    }
    return app, known


# One simulator for the whole module: Schemathesis loads the document from it at import time.
APP, KNOWN = _seeded_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


def _aim(case: schemathesis.Case) -> None:
    """Point two in three positive cases at existing resources (deterministic per case)."""
    params = case.path_parameters or {}
    if case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    if zlib.crc32(repr(sorted(params.items())).encode()) % 3 == 0:
        return
    for name in params:
        if name in KNOWN:
            params[name] = KNOWN[name]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation(case: schemathesis.Case) -> None:
    _aim(case)
    catapult = case.operation.path.startswith("/companies/")
    case.call_and_validate(checks=CATAPULT_CHECKS if catapult else CHECKS)
