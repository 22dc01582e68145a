"""Jinja2 templates for the inspector, autoescaped: every value from a request, payload or seed is text."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from catapult_sim._http import sim_of
from catapult_sim.ui.guard import CSRF_FIELD, ui_of

BASE = "/_sim/ui"


def pretty(value: Any) -> str:
    """JSON indented for reading (the template escapes it)."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def compact(value: Any) -> str:
    """JSON on one line (a plain string, so the template escapes it like any other value)."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("catapult_sim.ui", "templates"),
        autoescape=True,  # always, whatever the file name: nothing from the outside is markup
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = pretty
    env.filters["compact"] = compact
    env.globals["base"] = BASE
    env.globals["csrf_field"] = CSRF_FIELD
    return env


def html(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the common context (csrf token, companies, current path)."""
    sim = sim_of(request)
    context.setdefault("notice", request.query_params.get("notice"))
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            csrf=ui_of(request).csrf,
            companies=[c.key for c in sim.db.companies.all()],
            path=request.url.path,
            **context,
        )
    )
    headers = {
        # Everything the pages need is on this origin; nothing may frame them.
        "content-security-policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        ),
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cache-control": "no-store",
    }
    return HTMLResponse(page, status_code=status, headers=headers)


def partial(request: Request) -> bool:
    """True when htmx asks for the live part of a page only."""
    return request.query_params.get("partial") == "1"
