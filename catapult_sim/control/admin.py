"""/_sim endpoints for inspection and test control: health, reset, state, events, clock."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim import __version__, schemas
from catapult_sim._http import json_response, sim_of
from catapult_sim.control._common import body, company, text_param, whole
from catapult_sim.core.clock import duration_seconds, iso, parse_iso
from catapult_sim.errors import BadRequest, Code

# The domain event types, as sim-common.json lists them (the events endpoint's ``type`` filter).
EVENT_TYPES: tuple[str, ...] = tuple(schemas.schema("sim-common")["$defs"]["event_type"]["enum"])


async def health(request: Request) -> Response:
    sim = sim_of(request)
    clock = "manual" if sim.clock.manual else "system"
    return json_response({"status": "ok", "version": __version__, "clock": clock, "now": iso(sim.clock.now())})


async def reset(request: Request) -> Response:
    """Reset every company (or the one named in the body) to its seed; ``seed`` reseeds the ids."""
    sim = sim_of(request)
    data = await body(request, "sim-reset-request")  # required: a bare POST changes nothing
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise BadRequest("seed must be an integer", code=Code.INVALID)
    target = data.get("company")
    if target is not None and (not isinstance(target, str) or sim.db.companies.get(target) is None):
        raise BadRequest(f"unknown company {target!r}", code=Code.INVALID)
    return json_response({"reset": sim.reset(target, seed=seed)})


async def reset_company(request: Request) -> Response:
    sim, key = company(request)
    await body(request, "sim-empty-request")  # required: a bare POST changes nothing
    return json_response({"reset": sim.reset(key)})


async def companies(request: Request) -> Response:
    sim = sim_of(request)
    return json_response([{"key": c.key, "username": c.username} for c in sim.db.companies.all()])


async def state(request: Request) -> Response:
    """A dump of one company: persons, subscriptions (with history), participants, lists, campaigns."""
    sim, key = company(request)
    return json_response(sim.db.state(key))


async def events(request: Request) -> Response:
    """The company's domain events, oldest first; ``after`` (an event id) and ``type`` filter."""
    sim, key = company(request)
    after = whole(request.query_params.get("after"), "after (an event id)", 0)
    type_ = text_param(request, "type")
    if type_ is not None and type_ not in EVENT_TYPES:
        raise BadRequest(f"type must be one of {', '.join(EVENT_TYPES)}", code=Code.INVALID)
    return json_response(sim.db.events(key, after=after, type_=type_))


async def clock_get(request: Request) -> Response:
    sim = sim_of(request)
    return json_response({"mode": "manual" if sim.clock.manual else "system", "now": iso(sim.clock.now())})


async def clock_set(request: Request) -> Response:
    """Switch the clock (``mode``: manual or system) and, in manual mode, set ``now``."""
    sim = sim_of(request)
    data = await body(request, "sim-clock-request")
    now = data.get("now")
    try:
        sim.db.clock_set(data.get("mode"), _when(now) if now is not None else None)
    except ValueError as exc:
        raise BadRequest(str(exc), code=Code.INVALID) from None
    return await clock_get(request)


async def clock_advance(request: Request) -> Response:
    """Move a manual clock forward by ``seconds`` (a number) or ``by`` (like "90s", "15m", "2h", "1d")."""
    sim = sim_of(request)
    data = await body(request, "sim-clock-advance-request")
    seconds = data.get("seconds")
    if "by" in data:
        seconds = parse_duration(data["by"])
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 10 * 365 * 86400:
        raise BadRequest("give seconds (a number from 0 to ten years) or by (such as '15m')", code=Code.INVALID)
    try:
        sim.db.clock_advance(float(seconds))
    except ValueError as exc:
        raise BadRequest(str(exc), code=Code.INVALID) from None
    return await clock_get(request)


def parse_duration(text: object) -> float:
    """'90s', '15m', '2h', '1d', '250ms' or a bare number of seconds."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("a duration looks like 90s, 15m, 2h or 1d", code=Code.INVALID)
    try:
        return duration_seconds(text)
    except ValueError:
        raise BadRequest(f"not a duration: {text!r} (use 90s, 15m, 2h or 1d)", code=Code.INVALID) from None


def _when(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise BadRequest("now must be an ISO-8601 time", code=Code.INVALID)
    try:
        return parse_iso(raw)
    except ValueError:
        raise BadRequest(f"now is not an ISO-8601 time: {raw!r}", code=Code.INVALID) from None
