"""Callback API endpoints (fact sheet §6.1): register, list, get, replace, cancel, and test events.

Bodies are checked against their schema first (every violation listed), then by the core rules.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import call, json_response
from catapult_sim.core.callbacks import specs as callback_specs
from catapult_sim.core.callbacks.registrations import render

REQUEST_SCHEMA = "callback-registration-request"
TEST_SCHEMA = "test-callback-request"


async def create_callback(request: Request) -> Response:
    """POST /config/callbacks: 201 Created with the registration (fact sheet §6.1 [W-cbmeth])."""
    c = call(request)
    spec = callback_specs.parse(await c.body(REQUEST_SCHEMA))
    with c.tx() as tx:
        reg = c.sim.callbacks.registrations.create(tx, c.company, spec, c.version)
    return json_response(render(reg), 201)


async def list_callbacks(request: Request) -> Response:
    """GET /config/callbacks: active and future-dated registrations [W-cbmeth]."""
    c = call(request)
    with c.read() as tx:
        regs = c.sim.callbacks.registrations.listing(tx, c.company)
    return json_response([render(r) for r in regs])


async def get_callback(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        reg = c.sim.callbacks.registrations.get(tx, c.company, c.path("callback_id"))
    return json_response(render(reg))


async def update_callback(request: Request) -> Response:
    """PUT: the same body as POST; the registration takes this request's X-API-Version (§1.3)."""
    c = call(request)
    callback_id = c.path("callback_id")
    spec = callback_specs.parse(await c.body(REQUEST_SCHEMA))
    with c.tx() as tx:
        reg = c.sim.callbacks.registrations.replace(tx, c.company, callback_id, spec, c.version)
    return json_response(render(reg))


async def delete_callback(request: Request) -> Response:
    """DELETE: 200 with the cancelled registration (fact sheet §6.1)."""
    c = call(request)
    with c.tx() as tx:
        reg = c.sim.callbacks.registrations.cancel(tx, c.company, c.path("callback_id"))
    return json_response(render(reg))


async def test_callback(request: Request) -> Response:
    """POST /config/callback_events/test: 200 ``{message, event_id}``; 404 without a registration (§6.3)."""
    c = call(request)
    answer = c.sim.callbacks.events.test_event(c.company, await c.body(TEST_SCHEMA), c.version)
    return json_response(answer)
