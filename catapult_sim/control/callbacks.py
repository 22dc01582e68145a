"""/_sim shortcuts for callback registrations: register a URL for every type, list them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response
from catapult_sim.control._common import body, company
from catapult_sim.core.callbacks import specs as callback_specs
from catapult_sim.core.callbacks.events import SHORTCUT_TYPES
from catapult_sim.core.callbacks.registrations import render
from catapult_sim.errors import BadRequest, Code, Problem, Unprocessable


async def register(request: Request) -> Response:
    """Register ``url`` for every simulated type (or ``types``), one per list or campaign where a
    type needs one; existing identical registrations are kept. ``api_version`` (default 2) sets the
    MDN format of the callbacks."""
    sim, key = company(request)
    data = await body(request, "sim-callbacks-register-request")
    url, types, version = _shortcut(data)
    made = sim.callbacks.events.register_all(key, url, types=types, version=version)
    return json_response({"registered": [render(r) for r in made], "count": len(made)}, 201)


async def listing(request: Request) -> Response:
    """The company's active and future-dated registrations (as GET /config/callbacks answers)."""
    sim, key = company(request)
    with sim.store.read() as tx:
        regs = sim.callbacks.registrations.listing(tx, key)
    return json_response([render(r) for r in regs])


def _shortcut(data: dict[str, object]) -> tuple[str, tuple[str, ...], int]:
    problems: list[Problem] = []
    url = data.get("url")
    if not isinstance(url, str):
        raise BadRequest("url is required", code=Code.REQUIRED)
    callback_specs.parse({"callback_type": "person_added", "destination": {"url": url}})  # checks the URL
    types = data.get("types", list(SHORTCUT_TYPES))
    if not isinstance(types, list) or not types:
        problems.append(Problem(Code.INVALID, "types must be a non-empty list of callback types"))
        types = []
    for t in types:
        if t not in callback_specs.CALLBACK_TYPES:
            problems.append(
                Problem(Code.INVALID, f"types: {t!r} is not one of {', '.join(callback_specs.CALLBACK_TYPES)}")
            )
    version = data.get("api_version", 2)
    if not isinstance(version, int) or isinstance(version, bool) or version not in (1, 2):
        problems.append(Problem(Code.INVALID, "api_version must be 1 or 2"))
        version = 2
    if problems:
        raise Unprocessable(problems=problems)
    return url, tuple(str(t) for t in types), version
