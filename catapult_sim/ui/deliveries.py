"""The Deliveries pages: the list (with its two pictures), one delivery, replay one, replay failed since."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from catapult_sim._http import sim_of
from catapult_sim.control import deliveries as control
from catapult_sim.control.deliveries import FILTER_FIELDS
from catapult_sim.core.callbacks.outbox import STATES
from catapult_sim.core.callbacks.specs import CALLBACK_TYPES
from catapult_sim.errors import CatapultError
from catapult_sim.ui import bridge, charts
from catapult_sim.ui.guard import form
from catapult_sim.ui.queries import deliveries_page, recent_attempts
from catapult_sim.ui.render import BASE, html, partial

LIST_FILTERS = ("company", "type", "status", "destination", "since")


def _filters(request: Request) -> dict[str, str]:
    """The list's filters as given ("" for each one left blank, as a form sends them)."""
    return {k: request.query_params.get(k, "").strip()[:1024] for k in LIST_FILTERS}


def _before(request: Request) -> int | None:
    raw = request.query_params.get("before", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


async def listing(request: Request) -> Response:
    sim = sim_of(request)
    given = _filters(request)
    chosen = {k: v for k, v in given.items() if v}
    error = None
    try:
        page = deliveries_page(sim.store, control.filters_from(chosen), _before(request))
    except CatapultError as exc:  # a bad filter is said on the page, the list stays empty
        error, page = "; ".join(p.message for p in exc.problems), None
    now = sim.clock.now()
    attempts = recent_attempts(sim.store, charts.window_start(now))
    context: dict[str, Any] = {
        "filters": given,
        "page": page,
        "error": error,
        "types": CALLBACK_TYPES,
        "states": STATES,
        "rate": charts.per_second(attempts, now),
        "timeline": charts.timeline(attempts, now),
        "query": urlencode(chosen),
        "live": _before(request) is None,
    }
    return html(request, "deliveries_body.html" if partial(request) else "deliveries.html", **context)


async def detail(request: Request) -> Response:
    delivery_id = request.path_params["delivery_id"]
    status, found = await bridge.call(request, control.show_delivery, path_params={"delivery_id": delivery_id})
    if status != 200:
        return html(request, "missing.html", status=404, what=f"delivery {delivery_id}", answer=found)
    template = "delivery_body.html" if partial(request) else "delivery.html"
    return html(request, template, d=found)


async def replay(request: Request) -> Response:
    delivery_id = request.path_params["delivery_id"]
    params = {"delivery_id": delivery_id}
    status, answer = await bridge.call(request, control.replay_delivery, method="POST", path_params=params)
    if status != 201:
        return html(request, "missing.html", status=status, what=f"delivery {delivery_id}", answer=answer)
    notice = f"replayed delivery {delivery_id} as delivery {answer['id']}"
    return RedirectResponse(f"{BASE}/deliveries/{answer['id']}?{urlencode({'notice': notice})}", status_code=303)


async def replay_failed(request: Request) -> Response:
    fields = await form(request)
    body = {k: v.strip() for k, v in fields.items() if k in FILTER_FIELDS and v.strip()}
    status, answer = await bridge.call(request, control.replay_failed, method="POST", body=body)
    if status != 200:
        notice = "replay refused: " + "; ".join(e["message"] for e in answer["errors"])
    else:
        notice = f"replayed {answer['count']} failed deliveries"
    return RedirectResponse(f"{BASE}/deliveries?{urlencode({'notice': notice})}", status_code=303)
