"""The Event API: ``POST /companies/{company_key}/events`` (Vibes' Event API pages; OAS eventRequest)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import call, json_response, read_json


async def create_event(request: Request) -> Response:
    """Validate and store the event; 202 with its event_id ("submitted", no message promised) [P-event]."""
    c = call(request)
    data = await read_json(request, c.sim.settings.max_body_bytes)
    with c.tx() as tx:
        event = c.sim.db.crm_events.create(tx, c.company, data, c.version)
    return json_response({"event_id": event.event_id}, status=202)
