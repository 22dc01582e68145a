"""Helpers for control endpoints: bodies, query values, companies and the person a body names."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from catapult_sim import schemas
from catapult_sim._http import check_id, read_json, sim_of
from catapult_sim.core import mdn as mdns
from catapult_sim.core.callbacks.log import MAX_LIMIT
from catapult_sim.core.ids import MAX_WHOLE
from catapult_sim.core.models import Person
from catapult_sim.core.selector import select
from catapult_sim.core.store import Tx
from catapult_sim.errors import BadRequest, Code, NotFound, Unprocessable
from catapult_sim.sim import Simulator

MAX_PAGE = MAX_LIMIT  # the largest ``limit`` of the delivery log's pages


async def body(request: Request, schema: str, *, required: bool = True) -> dict[str, Any]:
    """A JSON object body valid against ``schema`` (catapult_sim/schemas), answered like the Catapult
    API: a 422 listing every problem at once (unknown fields, wrong types, values out of range).

    A missing or malformed body is a 400, as on the Catapult API; what a schema cannot say (an MDN
    that does not parse, a company that does not exist) each endpoint checks after this.
    """
    sim = sim_of(request)
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if not has_body:
        if required:
            raise BadRequest("a JSON body is required", code=Code.MALFORMED_BODY)
        return {}
    data = await read_json(request, sim.settings.max_body_bytes)
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object", code=Code.MALFORMED_BODY)
    found = schemas.problems(schema, data)
    if found:
        raise Unprocessable(problems=found)
    return data


def company(request: Request) -> tuple[Simulator, str]:
    """The simulator and the company in the path; an unknown key is provisioned unless strict."""
    sim = sim_of(request)
    key = check_id(request.path_params["company_key"], "company_key")
    if sim.db.companies.provision(key) is None:
        raise NotFound(f"company {key!r} does not exist (the simulator runs with --strict-companies)")
    return sim, key


def any_mdn(raw: Any, field: str = "mdn") -> str:
    """An MDN in either form (E.164, or 10 national digits taken as +1)."""
    if not isinstance(raw, str) or not raw:
        raise BadRequest(f"{field} must be a non-empty string", code=Code.REQUIRED)
    try:
        return mdns.parse_any(raw)
    except mdns.MdnError as exc:
        raise BadRequest(f"{field}: {exc}", code=Code.INVALID_MDN) from None


def whole(raw: str | None, name: str, default: int, low: int = 0, high: int = MAX_WHOLE) -> int:
    """A whole-number query value from ``low`` to ``high``; absent: ``default``; blank or bad: a 400."""
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}", code=Code.INVALID)
    return int(raw)


def text_param(request: Request, name: str) -> str | None:
    """An optional text query value; blank is a 400 (absent is None)."""
    raw = request.query_params.get(name)
    if raw is not None and (not raw or len(raw) > 1024):
        raise BadRequest(f"{name} must not be blank (leave it out instead)", code=Code.INVALID)
    return raw


def string(data: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None:
        if required:
            raise BadRequest(f"{field} is required", code=Code.REQUIRED)
        return None
    if not isinstance(value, str) or not value or len(value) > 256:
        raise BadRequest(f"{field} must be a non-empty string of at most 256 characters", code=Code.INVALID)
    return value


PERSON_KEYS = {"mdn", "person_key", "external_person_id"}


def person(tx: Tx, sim: Simulator, key: str, data: dict[str, Any]) -> Person:
    """The person a control body names by mdn, person_key or external_person_id (core.selector's rule)."""
    ids = {name: string(data, name, required=False) for name in ("person_key", "external_person_id")}
    ids["mdn"] = any_mdn(data["mdn"]) if data.get("mdn") is not None else None
    sel = select(tx, key, ids)
    if not sel.given:
        raise BadRequest("name the person with mdn, person_key or external_person_id", code=Code.REQUIRED)
    if sel.unknown:
        raise NotFound(f"no person with {sel.unknown[0]} {sel.given[sel.unknown[0]]!r} in this company")
    if sel.person is None:
        raise NotFound("the identifiers name different persons")
    return sel.person
