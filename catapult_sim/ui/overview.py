"""The Overview page, the live feed endpoint, the login page (with a control token) and the docs page."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from catapult_sim._http import sim_of
from catapult_sim.control import admin, chaos, deliveries, faults
from catapult_sim.core.clock import iso
from catapult_sim.ui import bridge
from catapult_sim.ui.guard import TOKEN_COOKIE, control_token, form, token_ok, ui_of
from catapult_sim.ui.queries import company_counts
from catapult_sim.ui.render import BASE, html, partial


async def home(request: Request) -> Response:
    """``/`` has nothing of its own to say: the inspector does."""
    return RedirectResponse(BASE + "/", status_code=307)


async def overview(request: Request) -> Response:
    sim = sim_of(request)
    _, dest = await bridge.call(request, deliveries.destinations)
    _, chaos_now = await bridge.call(request, chaos.chaos_get)
    _, fault_rules = await bridge.call(request, faults.faults_list)
    _, limits = await bridge.call(request, faults.rate_limits_get)
    _, health = await bridge.call(request, admin.health)
    context = {
        "counts": [company_counts(sim.store, c.key) for c in sim.db.companies.all()],
        "clock": {"mode": "manual" if sim.clock.manual else "system", "now": iso(sim.clock.now())},
        "health": health,
        "retry": dest["retry"],
        "destinations": dest["destinations"],
        "running": dest["running"],
        "chaos": chaos_now,
        "faults": fault_rules["faults"],
        "limits": limits,
        "listeners": len(ui_of(request).feed.listeners),
    }
    return html(request, "overview_body.html" if partial(request) else "overview.html", **context)


async def feed(request: Request) -> Response:
    """Server-sent events: ``deliveries``, ``journal`` and ``state`` when those change."""
    state = ui_of(request).feed
    listener = state.subscribe()
    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(state.stream(listener), media_type="text/event-stream", headers=headers)


async def docs(request: Request) -> Response:
    return html(request, "docs.html")


async def login(request: Request) -> Response:
    """With a control token set, the browser asks for it once; it is kept in an HttpOnly cookie."""
    token = control_token(request)
    if request.method == "GET":
        return html(request, "login.html", status=401 if token and not token_ok(request) else 200, failed=False)
    given = (await form(request)).get("token", "")
    if token is None:
        return RedirectResponse(BASE + "/", status_code=303)
    if not hmac.compare_digest(given.encode(), token.encode()):
        return html(request, "login.html", status=401, failed=True)
    response = RedirectResponse(BASE + "/", status_code=303)
    response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="strict", path="/_sim")
    return response
