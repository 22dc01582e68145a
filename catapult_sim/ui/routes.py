"""The inspector's routes, mounted by the routing table under ``/_sim/ui`` (and ``/`` redirecting there).

Every page goes through :func:`guarded`: the control token when one is set, and for POSTs the
cross-site request check. The pages are not API operations, so they are not in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from catapult_sim.errors import Code
from catapult_sim.ui import act, deliveries, files, overview, persons, records
from catapult_sim.ui.guard import CSRF_FIELD, csrf_ok, form, token_ok
from catapult_sim.ui.render import BASE

Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """``handler`` behind the control token (pages) and the cross-site check (POSTs)."""

    async def endpoint(request: Request) -> Response:
        if not token_ok(request):
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse(f"{BASE}/login?next={quote(request.url.path)}", status_code=303)
            return _refusal(401, Code.UNAUTHORIZED, "the control token is required (Authorization: Bearer)")
        if request.method == "POST":
            fields = await form(request)
            if not csrf_ok(request, fields.get(CSRF_FIELD)):
                return _refusal(403, Code.INVALID, "cross-site request refused: a missing or wrong CSRF token")
        return await handler(request)

    return endpoint


def _refusal(status: int, code: Code, message: str) -> Response:
    """A refusal in the envelope every other answer of the simulator uses."""
    return JSONResponse({"errors": [{"code": int(code), "message": message}]}, status_code=status)


def _page(path: str, handler: Handler, methods: tuple[str, ...] = ("GET",)) -> Route:
    return Route(BASE + path, guarded(handler), methods=list(methods), include_in_schema=False)


def routes(document: Callable[[], bytes]) -> list[BaseRoute]:
    """The inspector's routes; ``document`` builds the simulator's whole OpenAPI document (the routing
    table hands it down), which the docs page reads behind the inspector's own guard, so a browser
    logged in with the control token sees the control part too."""
    static = StaticFiles(directory=str(resources.files("catapult_sim.ui") / "static"))

    async def openapi_json(request: Request) -> Response:
        return Response(document(), media_type="application/json")

    return [
        Route("/", overview.home, methods=["GET"], include_in_schema=False),
        Route(BASE, guarded(overview.overview), methods=["GET"], include_in_schema=False),
        _page("/feed", overview.feed),
        _page("/docs", overview.docs),
        _page("/openapi.json", openapi_json),
        Route(BASE + "/login", overview.login, methods=["GET", "POST"], include_in_schema=False),
        _page("/deliveries", deliveries.listing),
        _page("/deliveries/replay-failed", deliveries.replay_failed, ("POST",)),
        _page("/deliveries/{delivery_id:int}", deliveries.detail),
        _page("/deliveries/{delivery_id:int}/replay", deliveries.replay, ("POST",)),
        _page("/persons", persons.listing),
        _page("/persons/{company}/{person_key}", persons.detail),
        _page("/requests", records.requests_list),
        _page("/requests/{entry_id:int}", records.request_detail),
        _page("/events", records.events_list),
        _page("/extracts/{company}/{kind}", files.extract),
        _page("/act", act.page),
        _page("/act/{action}", act.act, ("POST",)),
        Mount(BASE + "/static", app=static, name="ui-static"),
    ]
