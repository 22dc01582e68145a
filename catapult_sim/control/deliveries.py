"""/_sim endpoints for the delivery log: list, show, replay one or all failed, follow new attempts."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response, sim_of
from catapult_sim.control._common import MAX_PAGE, body, whole
from catapult_sim.core.callbacks import log as delivery_log
from catapult_sim.core.callbacks.log import Filters
from catapult_sim.core.callbacks.outbox import STATES
from catapult_sim.core.callbacks.specs import CALLBACK_TYPES
from catapult_sim.core.clock import parse_iso, stamp
from catapult_sim.errors import BadRequest, Code, NotFound, Problem

FILTER_FIELDS = ("company", "type", "status", "destination", "since", "callback_id", "event_id")


async def list_deliveries(request: Request) -> Response:
    """Deliveries, newest first; filters: company, type, status, destination, since, callback_id, event_id."""
    sim = sim_of(request)
    q = request.query_params
    filters = filters_from(dict(q))
    limit = whole(q.get("limit"), "limit", 100, 1, MAX_PAGE)
    before = whole(q.get("before"), "before", 0) or None
    return json_response(delivery_log.listing(sim.store, filters, limit=limit, before=before))


async def show_delivery(request: Request) -> Response:
    """One delivery with its body and every attempt (request, response, latency, error, next attempt)."""
    sim = sim_of(request)
    found = delivery_log.show(sim.store, _delivery_id(request))
    if found is None:
        raise NotFound("no such delivery (it may have been pruned from the log)")
    return json_response(found)


async def replay_delivery(request: Request) -> Response:
    """Send a delivery again as a new one (same body and event_id); 201 with the new delivery."""
    sim = sim_of(request)
    await body(request, "sim-empty-request")  # required: a bare POST changes nothing
    ids = sim.callbacks.replay([_delivery_id(request)])
    if not ids:
        raise NotFound("no such delivery (it may have been pruned from the log)")
    return json_response(delivery_log.show(sim.store, ids[0]), 201)


async def replay_failed(request: Request) -> Response:
    """Replay every failed delivery matching the body's filters (``since`` counts from creation)."""
    sim = sim_of(request)
    data = await body(request, "sim-replay-failed-request")  # required: a bare POST changes nothing
    ids = sim.callbacks.replay_failed(filters_from(data))
    return json_response({"replayed": ids, "count": len(ids)})


async def attempts(request: Request) -> Response:
    """Attempts after attempt id ``after`` (oldest first): what ``deliveries tail`` polls."""
    sim = sim_of(request)
    after = whole(request.query_params.get("after"), "after", 0)
    limit = whole(request.query_params.get("limit"), "limit", 200, 1, MAX_PAGE)
    return json_response(delivery_log.attempts_after(sim.store, after, limit=limit))


async def destinations(request: Request) -> Response:
    """Each destination's queue and health (consecutive failures, downed until), and the retry policy."""
    return json_response(sim_of(request).callbacks.dispatcher.status())


def filters_from(data: dict[str, Any]) -> Filters:
    """Filters from query parameters or a body; bad values are a 400 listing each."""
    problems: list[Problem] = []
    values = {k: data.get(k) for k in FILTER_FIELDS}
    for key, value in values.items():
        if value is not None and (not isinstance(value, str) or not value or len(value) > 1024):
            problems.append(Problem(Code.INVALID, f"{key} must be a non-empty string"))
    if isinstance(values["type"], str) and values["type"] not in CALLBACK_TYPES:
        problems.append(Problem(Code.INVALID, f"type must be one of {', '.join(CALLBACK_TYPES)}"))
    if isinstance(values["status"], str) and values["status"] not in STATES:
        problems.append(Problem(Code.INVALID, f"status must be one of {', '.join(STATES)}"))
    since = None
    if isinstance(values["since"], str):
        try:
            since = stamp(parse_iso(values["since"]))
        except (ValueError, OverflowError):
            problems.append(Problem(Code.INVALID, f"since must be an ISO-8601 time, not {values['since']!r}"))
    if problems:
        raise BadRequest(problems=problems)
    return Filters(
        company=values["company"],
        callback_type=values["type"],
        state=values["status"],
        destination=values["destination"],
        since=since,
        callback_id=values["callback_id"],
        event_id=values["event_id"],
    )


def _delivery_id(request: Request) -> int:
    raw = str(request.path_params["delivery_id"])
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise NotFound(f"no delivery {raw!r}: delivery ids are numbers")
    return int(raw)
