"""The only code that reads ``catapult_sim/schemas/``: load by name, validate, list problems.

Every wire shape has one JSON Schema (2020-12) file there; request validation, the OpenAPI document,
the generators and the contract tests all read them from here, so they cannot disagree.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from catapult_sim.errors import Code, Problem

if TYPE_CHECKING:  # jsonschema loads with the first rejected body: start-up does not pay for it
    from jsonschema import Draft202012Validator
    from referencing import Registry

BASE_URI = "https://catapult-sim.dev/schemas/"


@cache
def _registry() -> Registry:
    from referencing import Registry, Resource

    resources_ = []
    for name, schema in all_schemas().items():
        resources_.append((schema.get("$id", BASE_URI + name + ".json"), Resource.from_contents(schema)))
    return Registry().with_resources(resources_)


@cache
def all_schemas() -> dict[str, dict[str, Any]]:
    """Every schema by name (the file name without ``.json``)."""
    out: dict[str, dict[str, Any]] = {}
    folder = resources.files("catapult_sim") / "schemas"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            out[entry.name[: -len(".json")]] = json.loads(entry.read_text(encoding="utf-8"))
    return out


def schema(name: str) -> dict[str, Any]:
    return all_schemas()[name]


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name), registry=_registry())


@cache
def _fast_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(s.get("$id", BASE_URI + n + ".json"), s) for n, s in all_schemas().items()])


@cache
def fast_validator(name: str) -> Any:
    """A compiled (Rust) validator of the same schema: ~300x faster, used for the yes/no answer only.

    The messages of a rejected body always come from :func:`validator` (``jsonschema``), so an
    answer lists every problem the same way whichever validator said no first; tests check that the
    two agree on generated bodies (tests/test_schemas.py).
    """
    return jsonschema_rs.validator_for(schema(name), registry=_fast_registry())


def problems(name: str, instance: Any) -> list[Problem]:
    """Every way ``instance`` breaks schema ``name``, one problem each, naming the field."""
    if fast_validator(name).is_valid(instance):
        return []
    out = []
    for err in sorted(validator(name).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        out.extend(_describe(err))
    return out


def _describe(err: Any) -> list[Problem]:
    where = ".".join(str(p) for p in err.absolute_path) or "body"
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        field = f"{where}.{missing}" if where != "body" else missing
        return [Problem(Code.REQUIRED, f"{field} is required")]
    if err.validator in ("additionalProperties", "unevaluatedProperties"):
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        prefix = "" if where == "body" else where + "."
        return [Problem(Code.UNKNOWN_FIELD, f"{prefix}{name} is not a known field") for name in extra] or [
            Problem(Code.UNKNOWN_FIELD, f"{where}: {err.message}")
        ]
    if err.validator in ("anyOf", "oneOf") and err.context:
        from jsonschema.exceptions import best_match

        best = best_match(err.context)
        return [Problem(Code.INVALID, f"{where}: {best.message}")]
    return [Problem(Code.INVALID, f"{where}: {err.message}")]


def is_valid(name: str, instance: Any) -> bool:
    return bool(fast_validator(name).is_valid(instance)) or validator(name).is_valid(instance)
