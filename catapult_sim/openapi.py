"""The OpenAPI 3.1 document, built from the operations of the routing table and ``catapult_sim/schemas``.

A pure builder: :func:`build` takes the operations (``routes.all_ops()``) and imports nothing above
it, so the routing table can serve the document without an import cycle.

Every schema file becomes one entry of ``components/schemas`` under its file name, and every
operation refers to those entries, so the document, the request validation, the generators and the
contract tests all read the same files. The callback bodies are described under ``webhooks``.

Each :class:`~catapult_sim.routes.Op` names its response schemas in ``returns`` with a tiny notation:
``"person-response"`` (one object), ``"subscription[]"`` (an array of them) and ``"a|b"`` (either).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any, Protocol

from catapult_sim import __version__, schemas
from catapult_sim.core.acquisition import PARTICIPANT_ACTIONS
from catapult_sim.core.callbacks.log import MAX_LIMIT as MAX_PAGE
from catapult_sim.core.callbacks.outbox import STATES
from catapult_sim.core.ids import MAX_WHOLE


class Op(Protocol):
    """What the builder reads of one operation (``catapult_sim.routes.Op`` has these fields)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def endpoint(self) -> Any: ...
    @property
    def summary(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def returns(self) -> str: ...
    @property
    def ok(self) -> tuple[int, ...]: ...
    @property
    def body(self) -> str: ...
    @property
    def query(self) -> tuple[str, ...]: ...
    @property
    def optional_body(self) -> bool: ...


OPENAPI_VERSION = "3.1.0"
COMPONENTS = "#/components/schemas/"
CALLBACK_PREFIX = "callback-"
ANY_OBJECT = "object"  # Op.body for a free-form JSON object
_PATH_PARAM = re.compile(r"{([^}]+)}")
# Op.query "name:kind": the schema of each kind of query parameter (plain "name" is a string).
QUERY_KINDS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer", "minimum": 0, "maximum": MAX_WHOLE},
    "positive": {"type": "integer", "minimum": 1, "maximum": MAX_WHOLE},
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "event_type": {"$ref": COMPONENTS + "sim-common/$defs/event_type"},
    "callback_type": {"$ref": COMPONENTS + "common/$defs/callback_type"},
    "delivery_state": {"enum": list(STATES)},
    "persons_format": {"enum": ["jsonl", "csv"]},
    "time": {"$ref": COMPONENTS + "common/$defs/date_input"},
    "method": {"type": "string", "pattern": "^[A-Za-z]{1,10}$"},
    "status_filter": {
        "type": "string",
        "pattern": "^([1-5][0-9][0-9]|[1-5][xX][xX]|[nN][oO][nN][eE])$",
        "description": "A status (503), a class (5xx) or none (no answer was sent).",
    },
}
# Path parameters that are not plain non-empty strings (control API ids and actions).
PATH_KINDS: dict[str, dict[str, Any]] = {
    "entry_id": QUERY_KINDS["integer"],
    "rule_id": QUERY_KINDS["integer"],
    "delivery_id": QUERY_KINDS["integer"],
    "action": {"enum": list(PARTICIPANT_ACTIONS)},
}


def build(ops: Sequence[Op]) -> dict[str, Any]:
    """The whole document for ``ops`` (the routing table's: ``routes.all_ops()``)."""
    catapult = [o for o in ops if _is_catapult(o)]
    control = [o for o in ops if not _is_catapult(o)]
    return {
        "openapi": OPENAPI_VERSION,
        "info": _info(),
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "tags": [
            {"name": "Catapult", "description": "The simulated Vibes Platform API (HTTP Basic auth)."},
            {
                "name": "Simulator control",
                "description": "The simulator's own /_sim API: platform side, state, clock.",
            },
            {"name": "Callbacks", "description": "Bodies the simulator sends to registered callback URLs."},
        ],
        "paths": _paths(catapult, control),
        "webhooks": webhooks(),
        "components": {
            "schemas": components(),
            "securitySchemes": {"basicAuth": {"type": "http", "scheme": "basic"}},
        },
    }


def _info() -> dict[str, Any]:
    return {
        "title": "catapult-sim",
        "version": __version__,
        "summary": "A stateful local simulator of the Vibes Platform (Catapult) API.",
        "description": (
            "Catapult routes answer with and without a trailing slash. Errors use the envelope "
            '{"errors": [{"code": int, "message": str}, ...]}. MDNs follow X-API-Version: 1 (default, '
            "10 national digits) or 2 (E.164)."
        ),
    }


def _is_catapult(op: Op) -> bool:
    return op.path.startswith("/companies/")


# -- components --------------------------------------------------------------------------------


def components() -> dict[str, Any]:
    """Every schema file as a component, its references rewritten to point inside the document."""
    return {name: embed(name, schema) for name, schema in schemas.all_schemas().items()}


def embed(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A schema as it sits in ``components/schemas``: ``$id`` kept as ``x-schema-id``, refs made local.

    A component that kept its ``$id`` would change the base URI of the references inside it, so
    the id moves to an annotation and ``common.json#/$defs/mdn`` becomes
    ``#/components/schemas/common/$defs/mdn`` (tools need no access to the schema host).
    """
    out = _rewrite(copy.deepcopy(schema), name)
    out.pop("$schema", None)
    schema_id = out.pop("$id", None)
    if schema_id:
        out["x-schema-id"] = schema_id
    return out


def _rewrite(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                node[key] = local_ref(value, name)
            else:
                _rewrite(value, name)
    elif isinstance(node, list):
        for item in node:
            _rewrite(item, name)
    return node


def local_ref(ref: str, within: str) -> str:
    """``#/$defs/x`` in ``within`` or ``other.json#/$defs/x`` → a pointer into the components."""
    target, _, pointer = ref.partition("#")
    if not target:
        return COMPONENTS + within + pointer
    file = target.rsplit("/", 1)[-1]
    return COMPONENTS + file.removesuffix(".json") + pointer


def component_ref(name: str) -> dict[str, Any]:
    if name not in schemas.all_schemas():
        raise KeyError(f"no schema named {name!r} in catapult_sim/schemas")
    return {"$ref": COMPONENTS + name}


# -- response notation -------------------------------------------------------------------------


def shapes(returns: str) -> list[tuple[str, bool]]:
    """``"a|b[]"`` → ``[("a", False), ("b", True)]``: schema names, and whether each is an array."""
    out = []
    for part in filter(None, (p.strip() for p in returns.split("|"))):
        out.append((part.removesuffix("[]"), part.endswith("[]")))
    return out


def response_schema(returns: str) -> dict[str, Any] | None:
    """The OpenAPI schema of a success body, or None when the route does not name one."""
    alternatives = [
        {"type": "array", "items": component_ref(name)} if many else component_ref(name)
        for name, many in shapes(returns)
    ]
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives}


def body_problems(returns: str, body: Any) -> list[str]:
    """Why ``body`` matches none of the shapes ``returns`` names ([] when it matches one)."""
    found: list[str] = []
    for name, many in shapes(returns):
        items = body if many else [body]
        if many and not isinstance(body, list):
            found.append(f"{name}[]: not an array")
            continue
        mine = [f"{name}: {p.message}" for item in items for p in schemas.problems(name, item)]
        if not mine:
            return []
        found.extend(mine)
    return found


# -- paths -------------------------------------------------------------------------------------


def _paths(catapult: list[Op], control: list[Op]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    used: set[str] = set()
    for op in catapult + control:
        item = paths.setdefault(op.path, {})
        item[op.method.lower()] = _operation(op, _is_catapult(op), used)
    return paths


def _operation(op: Op, catapult: bool, used: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": _operation_id(op, used),
        "summary": op.summary,
        "tags": ["Catapult" if catapult else "Simulator control"],
        "parameters": _parameters(op, catapult),
        "responses": _responses(op),
        "security": [{"basicAuth": []}] if catapult else [],
    }
    if op.status != "implemented":
        out["x-fidelity"] = op.status
    body = _request_body(op)
    if body is not None:
        out["requestBody"] = body
    return out


def _operation_id(op: Op, used: set[str]) -> str:
    base = getattr(op.endpoint, "__name__", "operation")
    if "/external/" in op.path:
        base += "_by_external_id"
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate


def _parameters(op: Op, catapult: bool) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": dict(PATH_KINDS.get(name, {"type": "string", "minLength": 1})),
        }
        for name in _PATH_PARAM.findall(op.path)
    ]
    for spec in op.query:
        name, _, kind = spec.partition(":")
        schema = dict(QUERY_KINDS[kind or "string"])
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
        if not catapult:
            # The control API answers a blank value (?after=) with a 400, like any other bad value.
            if schema.get("type") == "string":
                schema["minLength"] = 1
            param["description"] = "A blank value is a 400."
        params.append(param)
    if catapult:
        params.append(
            {
                "name": "X-API-Version",
                "in": "header",
                "required": False,
                "description": "1 (default, also when blank): national MDNs; 2: E.164 (fact sheet §1.3).",
                "schema": {
                    "type": "string",
                    "pattern": "^[ \\t]*[12]?[ \\t]*$",
                    "default": "1",
                    "examples": ["2"],
                },
            }
        )
    return params


def _request_body(op: Op) -> dict[str, Any] | None:
    if not op.body:
        return None
    schema = {"type": "object"} if op.body == ANY_OBJECT else component_ref(op.body)
    return {"required": not op.optional_body, "content": {"application/json": {"schema": schema}}}


def _responses(op: Op) -> dict[str, Any]:
    schema = response_schema(op.returns)
    content = {"application/json": {"schema": schema if schema is not None else {}}}
    out: dict[str, Any] = {str(code): {"description": _describe(code), "content": content} for code in op.ok}
    envelope = {"application/json": {"schema": component_ref("error-envelope")}}
    out["4XX"] = {"description": "Every problem of the request, in the error envelope.", "content": envelope}
    out["5XX"] = {
        "description": "An injected fault, in the error envelope (never expected).",
        "content": envelope,
    }
    return out


def _describe(code: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}.get(code, str(code))


# -- webhooks ----------------------------------------------------------------------------------


def webhooks() -> dict[str, Any]:
    """One webhook per callback body schema (``callback-<type>``), sent with POST or PUT."""
    out: dict[str, Any] = {}
    for name, schema in schemas.all_schemas().items():
        if not name.startswith(CALLBACK_PREFIX) or name == "callback-registration" or "-request" in name:
            continue
        callback_type = name.removeprefix(CALLBACK_PREFIX)
        out[callback_type] = {
            "post": {
                "operationId": f"callback_{callback_type}",
                "summary": schema.get("title", callback_type),
                "description": schema.get("description", "")
                + " Sent with the registration's method (POST or PUT) and content type.",
                "tags": ["Callbacks"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": component_ref(name)}},
                },
                "responses": {
                    "2XX": {"description": "Accepted."},
                    "4XX": {"description": "Permanent failure: not retried (fact sheet §7.7)."},
                    "5XX": {"description": "Transient failure: retried, as are 3XX answers (fact sheet §7.7)."},
                },
            }
        }
    return out


def callback_types() -> list[str]:
    """Every callback type that has a body schema."""
    return sorted(webhooks())


def render(ops: Sequence[Op]) -> bytes:
    """The document for ``ops`` as JSON bytes."""
    return json.dumps(build(ops), ensure_ascii=False, indent=2).encode("utf-8")
