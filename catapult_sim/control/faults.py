"""/_sim/faults and /_sim/rate-limits: make the Catapult surface misbehave on purpose."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response, read_json, sim_of
from catapult_sim.control._common import body
from catapult_sim.control.journal import table_of
from catapult_sim.errors import BadRequest, Code, NotFound, Problem, Unprocessable
from catapult_sim.surface.faults import FaultSpecError
from catapult_sim.surface.ratelimit import RateLimitError, check_limit

MAX_RULES_PER_CALL = 100


def _company_param(request: Request) -> str | None:
    unknown = [k for k in request.query_params if k != "company"]
    if unknown:
        raise BadRequest(problems=[Problem(Code.UNKNOWN_FIELD, f"{k} is not a known parameter") for k in unknown])
    company = request.query_params.get("company")
    if company is not None and (not company or len(company) > 256):
        raise BadRequest("company must be a company key", code=Code.INVALID)
    return company


async def faults_list(request: Request) -> Response:
    sim = sim_of(request)
    return json_response({"faults": [r.as_dict() for r in sim.faults.rules(_company_param(request))]})


async def faults_add(request: Request) -> Response:
    """Add one rule (an object) or several (``{"faults": [...]}``); all are checked before any is added."""
    sim = sim_of(request)
    data = await read_json(request, sim.settings.max_body_bytes)
    if not isinstance(data, dict):
        raise BadRequest('the body must be a fault rule object or {"faults": [...]}', code=Code.MALFORMED_BODY)
    specs = data.get("faults", [data])
    if "faults" in data and (len(data) > 1 or not isinstance(specs, list)):
        raise Unprocessable("faults must be an array of rules, alone in the body", code=Code.INVALID)
    if not specs or len(specs) > MAX_RULES_PER_CALL:
        raise BadRequest(f"send one rule or an array of 1 to {MAX_RULES_PER_CALL} rules", code=Code.INVALID)
    try:
        added = sim.faults.add_all(specs, table_of(request))
    except FaultSpecError as exc:
        raise Unprocessable(problems=[_problem(p) for p in exc.problems]) from None
    return json_response({"faults": [r.as_dict() for r in added]}, status=201)


def _problem(text: str) -> Problem:
    code = Code.UNKNOWN_FIELD if text.endswith("is not a known field") else Code.INVALID
    return Problem(code, text.removeprefix("[0] ") if text.startswith("[0] ") else text)


async def faults_clear(request: Request) -> Response:
    """Remove every rule (or one company's). Company data is not touched."""
    sim = sim_of(request)
    return json_response({"cleared": sim.faults.clear(_company_param(request))})


async def fault_delete(request: Request) -> Response:
    sim = sim_of(request)
    raw = request.path_params["rule_id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise BadRequest("a fault rule id is a whole number", code=Code.INVALID)
    if not sim.faults.remove(int(raw)):
        raise NotFound(f"no fault rule {raw}")
    return json_response({"cleared": 1})


async def rate_limits_get(request: Request) -> Response:
    sim = sim_of(request)
    companies = [c.key for c in sim.db.companies.all()]
    return json_response(sim.rate_limits.snapshot(companies))


async def rate_limits_set(request: Request) -> Response:
    """Set ``limit`` (requests/second; 0 = off; null = back to the default) for ``company`` or for all."""
    sim = sim_of(request)
    data = await body(request, "sim-rate-limit-request")
    problems = []
    if "limit" not in data:
        problems.append(Problem(Code.REQUIRED, "limit is required (a whole number, 0 for off, or null)"))
    company = data.get("company")
    if company is not None and (not isinstance(company, str) or not company or len(company) > 256):
        problems.append(Problem(Code.INVALID, "company must be a company key"))
    retry_after = data.get("retry_after")
    if retry_after is not None and not isinstance(retry_after, bool):
        problems.append(Problem(Code.INVALID, "retry_after must be true or false"))
    try:
        limit = check_limit(data.get("limit"), "limit")
    except RateLimitError as exc:
        problems.append(Problem(Code.INVALID, str(exc)))
    if problems:
        raise Unprocessable(problems=problems)
    sim.rate_limits.configure(company, limit, retry_after)
    return await rate_limits_get(request)
