"""The schemas themselves: valid 2020-12, documented, with examples that pass, and used by the routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from catapult_sim import openapi, schemas
from catapult_sim.routes import all_ops
from catapult_sim.testing.payloads import CALLBACK_TYPES

ROOT = Path(__file__).resolve().parent.parent
ALL = schemas.all_schemas()
NAMES = sorted(ALL)
# What the simulator reads (Catapult requests, control bodies, seed files): strict, an unknown field is
# refused (a 422 in a request).
REQUESTS = [n for n in NAMES if n.endswith("-request")]
INPUTS = [*REQUESTS, "sim-seed"]
CATAPULT_REQUESTS = [
    "person-request",
    "participant-request",
    "callback-registration-request",
    "test-callback-request",
]
DEFINITIONS = ("common", "sim-common")  # shared $defs, no document of their own
REQUIRED = [
    "common", "error-envelope", "person-request", "person-response", "subscription", "subscription-list",
    "acquisition-campaign", "participant-request", "participant-response", "callback-registration-request",
    "callback-registration", "test-callback-request", "test-callback-response",
    *(f"callback-{t}" for t in CALLBACK_TYPES),
]  # fmt: skip


def _examples() -> list[tuple[str, str, Any]]:
    """(schema, where, example) for every top-level example and every $defs example."""
    out = []
    for name, schema in ALL.items():
        out += [(name, f"examples[{i}]", ex) for i, ex in enumerate(schema.get("examples", []))]
        for key, sub in schema.get("$defs", {}).items():
            out += [(name, f"$defs/{key}", ex) for ex in sub.get("examples", [])]
    return out


@pytest.mark.parametrize("name", REQUIRED)
def test_every_wire_shape_has_a_schema(name: str) -> None:
    assert name in ALL


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_valid_documented_and_identified(name: str) -> None:
    schema = ALL[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{schemas.BASE_URI}{name}.json"
    assert schema.get("description") and schema.get("title")
    assert schema.get("examples") or name in DEFINITIONS, "at least one example"


EXAMPLES = _examples()


@pytest.mark.parametrize(("name", "where", "example"), EXAMPLES, ids=[f"{n}:{w}" for n, w, _ in EXAMPLES])
def test_example_validates(name: str, where: str, example: Any) -> None:
    if where.startswith("$defs/"):
        ref = {"$ref": f"{schemas.BASE_URI}{name}.json#/{where}"}
        validator = Draft202012Validator(ref, registry=schemas._registry())
        assert [e.message for e in validator.iter_errors(example)] == []
    else:
        assert schemas.problems(name, example) == []


def test_every_catapult_request_has_a_schema() -> None:
    assert set(CATAPULT_REQUESTS) <= set(REQUESTS)


@pytest.mark.parametrize("name", INPUTS)
def test_input_schemas_reject_unknown_fields(name: str) -> None:
    example = ALL[name]["examples"][0]
    found = [p.message for p in schemas.problems(name, {**example, "surprise": 1})]
    if ALL[name].get("additionalProperties") is False:
        assert found == ["surprise is not a known field"]
    else:  # a choice of shapes (sim-fault-rules-request): strict in each
        assert found and "surprise" in " ".join(found)


def test_request_schemas_accept_system_fields() -> None:
    system = {"person_id": "1", "person_key": "k", "created_at": "x", "updated_at": "y", "url": "/z"}
    assert schemas.problems("person-request", {"external_person_id": "A", **system}) == []


@pytest.mark.parametrize("name", [n for n in NAMES if n not in INPUTS and n not in DEFINITIONS])
def test_responses_and_callbacks_allow_extra_fields(name: str) -> None:
    """Receivers must ignore unknown fields (fact sheet §1.7)."""
    example = dict(ALL[name]["examples"][0])
    example["added_in_a_later_version"] = {"anything": True}
    assert schemas.problems(name, example) == []


def test_callback_bodies_pin_their_type() -> None:
    body = dict(ALL["callback-person_added"]["examples"][0])
    body["callback_type"] = "person_updated"
    assert schemas.problems("callback-person_added", body)


@pytest.mark.parametrize("type_key", ["callback_type", "event_type"])
def test_registration_request_needs_the_selector_of_its_type(type_key: str) -> None:
    body = {type_key: "subscription_removed", "destination": {"url": "https://crm.example.com/hook"}}
    assert [p.message for p in schemas.problems("callback-registration-request", body)] == [
        "subscription_removed is required"
    ]
    body["subscription_removed"] = {"list_id": "1001"}
    assert schemas.problems("callback-registration-request", body) == []


def test_registration_request_needs_a_type_and_an_http_destination() -> None:
    found = schemas.problems("callback-registration-request", {"destination": {"url": "ftp://x.example"}})
    messages = " | ".join(p.message for p in found)
    assert "callback_type" in messages and "destination.url" in messages


def test_subscription_removed_needs_its_opt_out_fields() -> None:
    body = json.loads(json.dumps(ALL["callback-subscription_removed"]["examples"][0]))
    del body["subscription"]["opt_out_reason"]
    assert [p.message for p in schemas.problems("callback-subscription_removed", body)] == [
        "subscription.opt_out_reason is required"
    ]


def test_every_route_names_existing_schemas() -> None:
    for op in all_ops():
        for name, _many in openapi.shapes(op.returns):
            assert name in ALL, f"{op.method} {op.path} returns unknown schema {name!r}"
        assert op.body in ("", openapi.ANY_OBJECT) or op.body in ALL, f"{op.method} {op.path}: {op.body!r}"
        if op.path.startswith("/companies/"):
            assert op.returns, f"{op.method} {op.path} names no response schema"


def test_no_schema_exists_twice() -> None:
    """JSON Schema documents live only in catapult_sim/schemas (fixtures and docs hold data, not schemas)."""
    ids = [schema["$id"] for schema in ALL.values()]
    assert len(ids) == len(set(ids))
    elsewhere = [
        path
        for path in ROOT.rglob("*.json")
        if ".venv" not in path.parts
        and "schemas" not in path.parts
        and '"$schema"' in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert elsewhere == []
