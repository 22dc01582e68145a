"""The Requests pages (the request journal) and the Events page (a company's domain events), newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import sim_of
from catapult_sim.control import admin
from catapult_sim.control import journal as control_journal
from catapult_sim.ui import bridge
from catapult_sim.ui.queries import PAGE, company_or_default
from catapult_sim.ui.render import html, partial

JOURNAL_FILTERS = ("method", "path", "company", "status")
MAX_OFFSET = 100_000


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "")
    return min(int(raw), MAX_OFFSET) if raw.isascii() and raw.isdigit() and len(raw) < 12 else 0


def _given(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip()[:1024] for k in names}


async def requests_list(request: Request) -> Response:
    """The journal through the control API's own filters: the newest ``offset + PAGE`` matches, newest first."""
    given = _given(request, JOURNAL_FILTERS)
    chosen = {k: v for k, v in given.items() if v}
    offset = _offset(request)
    status, answer = await bridge.call(
        request, control_journal.journal_list, query={**chosen, "limit": str(offset + PAGE + 1)}
    )
    error, rows, more = None, [], False
    if status != 200:
        error = "; ".join(e["message"] for e in answer["errors"])
    else:
        newest = list(reversed(answer["requests"]))
        rows, more = newest[offset : offset + PAGE], len(newest) > offset + PAGE
    older = urlencode({**chosen, "offset": offset + PAGE}) if more else None
    context: dict[str, Any] = {
        "filters": given,
        "query": urlencode(chosen),
        "rows": rows,
        "error": error,
        "older": older,
        "live": offset == 0,
        "journal": answer if status == 200 else None,
    }
    return html(request, "requests_body.html" if partial(request) else "requests.html", **context)


async def request_detail(request: Request) -> Response:
    entry_id = str(request.path_params["entry_id"])
    status, answer = await bridge.call(request, control_journal.journal_entry, path_params={"entry_id": entry_id})
    if status != 200:
        return html(request, "missing.html", status=404, what=f"request {entry_id}", answer=answer)
    return html(request, "request.html", r=answer)


async def events_list(request: Request) -> Response:
    """A company's domain events, newest first, through the control API's own filter of ``type``."""
    sim = sim_of(request)
    company = company_or_default(sim, request.query_params.get("company"))
    type_ = request.query_params.get("type", "").strip()[:64]
    offset = _offset(request)
    error, rows, more = None, [], False
    if company is not None:
        query = {"type": type_} if type_ else {}
        status, answer = await bridge.call(
            request, admin.events, path_params={"company_key": company}, query=query
        )  # validates the filter; the page itself reads the newest events below
        if status != 200:
            error = "; ".join(e["message"] for e in answer["errors"])
        else:
            newest = list(reversed(sim.db.events(company, type_=type_ or None, limit=sim.settings.event_log_cap)))
            rows, more = newest[offset : offset + PAGE], len(newest) > offset + PAGE
    older = urlencode({"company": company or "", "type": type_, "offset": offset + PAGE}) if more else None
    context: dict[str, Any] = {"company": company, "type": type_, "types": admin.EVENT_TYPES, "rows": rows,
                               "error": error, "older": older, "live": offset == 0}  # fmt: skip
    return html(request, "events_body.html" if partial(request) else "events.html", **context)
