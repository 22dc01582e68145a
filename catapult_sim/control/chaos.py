"""/_sim/chaos: duplicates, latency with jitter, reordering and drop-then-retry toward receivers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response, sim_of
from catapult_sim.control._common import body, text_param


async def chaos_get(request: Request) -> Response:
    """The seed, the global rule and the per-destination rules."""
    return json_response(sim_of(request).callbacks.chaos.describe())


async def chaos_set(request: Request) -> Response:
    """Set the seed and/or one rule: global, or for ``destination`` (a rule replaces the old one)."""
    sim = sim_of(request)
    data = await body(request, "sim-chaos-request")
    sim.callbacks.chaos.set(data)
    return json_response(sim.callbacks.chaos.describe())


async def chaos_clear(request: Request) -> Response:
    """Remove every rule, or only ``?destination=URL``'s (the seed stays)."""
    sim = sim_of(request)
    sim.callbacks.chaos.clear(text_param(request, "destination"))
    return json_response(sim.callbacks.chaos.describe())
