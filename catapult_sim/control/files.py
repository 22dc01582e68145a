"""/_sim endpoints for the files a CRM syncs through: the daily extracts and the opt-out import
(docs/extracts.md, docs/imports.md)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response, read_body
from catapult_sim.control._common import company
from catapult_sim.core import extracts, optout_import
from catapult_sim.errors import BadRequest, Code, NotFound

# The path names both spellings of an extract: the file name's (underscore) and a URL's (hyphen).
EXTRACT_KINDS = {"subscriptions": "subscriptions", "current_subscribers": "current_subscribers",
                 "current-subscribers": "current_subscribers"}  # fmt: skip


def _day(raw: str | None, today: date) -> date:
    if raw is None:
        return today
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else date.fromisoformat("invalid")
    except ValueError:
        raise BadRequest(f"date must be YYYY-MM-DD, not {raw!r}", code=Code.INVALID) from None


async def extract(request: Request) -> Response:
    """One extract file for a company and a day (default: the simulator clock's day): its Vibes file
    name and its TSV text (``content``), which ``catapult-sim extract`` writes out byte for byte."""
    sim, key = company(request)
    kind = EXTRACT_KINDS.get(request.path_params["kind"])
    if kind is None:
        raise NotFound(f"no extract {request.path_params['kind']!r}; choose subscriptions or current_subscribers")
    day = _day(request.query_params.get("date"), sim.clock.now().date())
    with sim.store.read() as tx:
        made = extracts.build(tx, kind, key, day, sim.db.companies.carriers(key))
    return json_response(
        {
            "kind": made.kind,
            "company": key,
            "date": day.isoformat(),
            "file_name": made.name,
            "rows": made.rows,
            "content": made.text,
        }
    )


async def received_events(request: Request) -> Response:
    """The events a CRM pushed with the Event API, oldest first (``event_type`` filters, any case)."""
    sim, key = company(request)
    wanted = request.query_params.get("event_type")
    if wanted is not None and not wanted:
        raise BadRequest("event_type must not be empty", code=Code.INVALID)
    with sim.store.read() as tx:
        found = sim.db.crm_events.listing(tx, key, event_type=wanted)
    return json_response([e.as_json() for e in found])


async def opt_out_import(request: Request) -> Response:
    """Apply a Subscriber Opt-Out Import file (the raw file is the body); per-row results.

    A file whose layout is wrong is refused (4xx) and changes nothing; rows that cannot be applied
    are reported and the others still apply, in one transaction.
    """
    sim, key = company(request)
    raw = await read_body(request, sim.settings.max_body_bytes)
    with sim.store.transaction() as tx:
        results = optout_import.apply(tx, sim.db.subs, key, raw)
        events = [e.type for e in tx.events]
    counts = {s: sum(1 for r in results if r.status == s) for s in optout_import.STATUSES}
    return json_response(
        {"rows": len(results), **counts, "events": len(events), "results": [r.as_json() for r in results]}
    )
