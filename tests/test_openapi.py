"""The OpenAPI document: served, valid 3.1, built from the routing table and the schema files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from starlette.testclient import TestClient

from catapult_sim import openapi, schemas
from catapult_sim.cli.main import main
from catapult_sim.routes import all_ops
from catapult_sim.testing.payloads import CALLBACK_TYPES


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_served_document_is_the_built_one(client: TestClient) -> None:
    response = client.get("/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == openapi.build(all_ops())
    assert client.get("/openapi.json/").json()["openapi"] == "3.1.0"


def test_document_is_valid_openapi_3_1() -> None:
    loaded = schemathesis.openapi.from_dict(openapi.build(all_ops()))
    loaded.validate()  # raises on any violation of the OpenAPI 3.1 meta-schema


def test_components_are_the_schema_files_not_copies() -> None:
    components = openapi.build(all_ops())["components"]["schemas"]
    assert set(components) == set(schemas.all_schemas())
    for name, schema in schemas.all_schemas().items():
        assert components[name] == openapi.embed(name, schema)
        assert components[name]["x-schema-id"] == schema["$id"]


def test_every_reference_resolves_inside_the_document() -> None:
    doc = openapi.build(all_ops())
    refs = _refs(doc)
    assert refs
    for ref in set(refs):
        assert _resolve(doc, ref) is not None


def test_every_route_is_an_operation() -> None:
    paths = openapi.build(all_ops())["paths"]
    for op in all_ops():
        operation = paths[op.path][op.method.lower()]
        assert operation["summary"] == op.summary
        for code in op.ok:
            assert str(code) in operation["responses"]
        assert "4XX" in operation["responses"]
        if op.path.startswith("/companies/"):
            assert operation["security"] == [{"basicAuth": []}]
            assert any(p["name"] == "X-API-Version" for p in operation["parameters"])
    ids = [o["operationId"] for item in paths.values() for o in item.values()]
    assert len(ids) == len(set(ids))


def test_success_bodies_reference_the_routing_table_schemas() -> None:
    add = openapi.build(all_ops())["paths"]["/companies/{company_key}/mobiledb/persons"]["post"]
    assert add["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/person-request"
    }
    assert add["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/person-response"
    }
    found = openapi.build(all_ops())["paths"]["/companies/{company_key}/mobiledb/persons"]["get"]
    assert len(found["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]) == 2


def test_webhooks_describe_every_callback_body() -> None:
    hooks = openapi.build(all_ops())["webhooks"]
    assert set(hooks) == set(CALLBACK_TYPES)
    body = hooks["subscription_removed"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/callback-subscription_removed"}


def test_local_refs_are_rewritten() -> None:
    assert openapi.local_ref("common.json#/$defs/mdn", "person-response") == "#/components/schemas/common/$defs/mdn"
    assert openapi.local_ref("#/$defs/mdn_v1", "common") == "#/components/schemas/common/$defs/mdn_v1"
    assert openapi.local_ref("person-response.json", "x") == "#/components/schemas/person-response"


def test_cli_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    assert main(["openapi", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == openapi.build(all_ops())


def test_control_operations_reference_their_schemas() -> None:
    paths = openapi.build(all_ops())["paths"]
    verify = paths["/_sim/journal/verify"]["post"]
    assert verify["requestBody"] == {
        "required": False,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/sim-journal-verify-request"}}},
    }
    assert verify["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/sim-journal-verification"
    }
    keyword = paths["/_sim/companies/{company_key}/sms/keyword"]["post"]
    assert keyword["requestBody"]["required"] is True
    listing = paths["/_sim/deliveries"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing == {"type": "array", "items": {"$ref": "#/components/schemas/sim-delivery"}}


def test_control_query_parameters_carry_their_bounds_and_refuse_blanks() -> None:
    params = {p["name"]: p for p in openapi.build(all_ops())["paths"]["/_sim/journal"]["get"]["parameters"]}
    assert params["after"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
    assert params["limit"]["schema"]["minimum"] == 1
    assert params["company"]["schema"] == {"type": "string", "minLength": 1}
    assert all(p["description"] == "A blank value is a 400." for p in params.values() if p["in"] == "query")
    entry = openapi.build(all_ops())["paths"]["/_sim/journal/{entry_id}"]["get"]["parameters"][0]
    assert entry["schema"]["type"] == "integer"
    catapult = openapi.build(all_ops())["paths"]["/companies/{company_key}/mobiledb/persons"]["get"]["parameters"]
    assert {"name": "mdn", "in": "query", "required": False, "schema": {"type": "string"}} in catapult
