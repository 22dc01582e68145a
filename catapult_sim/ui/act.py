"""The Act page: cause platform-side events, move the clock, reset a company, register a callback URL.

Each form is turned into the JSON body a client would send and handed to the control API's own
endpoint function (:mod:`catapult_sim.ui.bridge`), so the page can do nothing the API cannot, and
says exactly what the API answered (errors included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import sim_of
from catapult_sim.control import admin, platform
from catapult_sim.control import callbacks as control_callbacks
from catapult_sim.core import repo
from catapult_sim.ui import bridge
from catapult_sim.ui.bridge import Endpoint
from catapult_sim.ui.guard import form
from catapult_sim.ui.queries import company_or_default
from catapult_sim.ui.render import html


@dataclass(frozen=True, slots=True)
class Action:
    """One button: the control endpoint it calls, the form fields that become its body, and how."""

    title: str
    endpoint: Endpoint
    fields: tuple[str, ...] = ()
    fixed: tuple[tuple[str, Any], ...] = ()  # body fields the button itself sets (text "STOP", say)
    per_company: bool = True


ACTIONS: dict[str, Action] = {
    "keyword": Action("SMS keyword opt-in", platform.sms_keyword, ("mdn", "keyword")),
    "reply": Action("SMS reply", platform.sms_reply, ("mdn", "text")),
    "stop": Action("STOP", platform.sms_reply, ("mdn",), (("text", "STOP"),)),
    "disconnect": Action("Carrier disconnect", platform.disconnect, ("mdn",)),
    "callbacks": Action("Register a callback URL for every type", control_callbacks.register, ("url",)),
    "advance": Action("Advance the clock", admin.clock_advance, ("by",), per_company=False),
    "clock": Action("Switch the clock", admin.clock_set, ("mode", "now"), per_company=False),
    "reset": Action("Reset the company", admin.reset_company),
}


def _context(request: Request, company: str | None) -> dict[str, Any]:
    sim = sim_of(request)
    keywords: list[str] = []
    if company is not None:
        with sim.store.read() as tx:
            keywords = sorted({k for c in repo.all_campaigns(tx, company) for k in c.keywords})
    return {
        "company": company,
        "keywords": keywords,
        "mdn": request.query_params.get("mdn", "")[:32],
        "clock_mode": "manual" if sim.clock.manual else "system",
        "result": None,
    }


async def page(request: Request) -> Response:
    company = company_or_default(sim_of(request), request.query_params.get("company"))
    return html(request, "act.html", **_context(request, company))


async def act(request: Request) -> Response:
    """Run one action; htmx gets the result panel, a plain form post gets the whole page with it."""
    action = ACTIONS.get(request.path_params["action"])
    fields = await form(request)
    company = company_or_default(sim_of(request), fields.get("company"))
    status: int = 404
    result: dict[str, Any] = {"title": "unknown action", "status": status, "answer": None, "sent": {}}
    if action is not None:
        body = {k: fields[k].strip() for k in action.fields if fields.get(k, "").strip()} | dict(action.fixed)
        params = {"company_key": company or ""} if action.per_company else {}
        wants_body = bool(action.fields or action.fixed)
        status, answer = await bridge.call(
            request, action.endpoint, method="POST", path_params=params, body=body if wants_body else None
        )
        result = {"title": action.title, "status": status, "answer": answer, "sent": body}
    if request.headers.get("hx-request") == "true":
        return html(request, "act_result.html", result=result)
    context = _context(request, company) | {"result": result, "mdn": fields.get("mdn", "")[:32]}
    return html(request, "act.html", status=200 if status < 400 else 400, **context)
