"""The served OpenAPI's own request examples are accepted as they stand, under the default API version
(version 1: 10-digit MDNs), on a fresh simulator."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AUTH
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

C = "/companies/demo"
TARGETS = {
    "person-request": ("POST", C + "/mobiledb/persons"),
    "participant-request": ("POST", C + "/campaigns/acquisition/DemoSOI1/participants"),
    "callback-registration-request": ("POST", C + "/config/callbacks"),
}


def _examples(document: dict[str, Any], name: str) -> list[Any]:
    examples: list[Any] = document["components"]["schemas"][name].get("examples", [])
    return examples


@pytest.mark.parametrize("name", list(TARGETS))
def test_the_documents_request_examples_are_accepted(name: str) -> None:
    with TestClient(create_app(Settings(random_seed=2)), headers=AUTH) as client:
        document = client.get("/openapi.json").json()
        examples = _examples(document, name)
        assert examples, f"{name} has no example in the served document"
        method, path = TARGETS[name]
        for example in examples:
            r = client.request(method, path, json=example)
            assert r.status_code in (200, 201), (name, example, r.text)
