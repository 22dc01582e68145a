"""Acquisition campaign and participant endpoints (fact sheet §5; OAS /campaigns/acquisition)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import call, json_response
from catapult_sim.core import mdn as mdns
from catapult_sim.core import views
from catapult_sim.core.selector import select
from catapult_sim.errors import BadRequest, Code


async def list_campaigns(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        out = [views.campaign(x) for x in c.sim.db.acq.campaigns(tx, c.company)]
    return json_response(out)


async def get_campaign(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        out = views.campaign(c.sim.db.acq.campaign(tx, c.company, c.path("acquisition_id")))
    return json_response(out)


async def add_participant(request: Request) -> Response:
    """201 PENDING or SUBSCRIBED, 200 already pending, 400 bad MDN, 409 subscribed, 422 (P-addpart)."""
    c = call(request)
    data = await c.body("participant-request")
    with c.tx() as tx:
        status, part, person = c.sim.db.acq.add_participant(tx, c.company, c.path("acquisition_id"), data, c.version)
        out = views.participant(part, person)
    return json_response(out, status)


async def pending_participants(request: Request) -> Response:
    """Pending participations of one person: 200 with an array, empty when none; 400 bad MDN (OAS)."""
    c = call(request)
    mdn_raw, pid, ext = c.query("mdn"), c.query("person_id"), c.query("external_person_id")
    key = c.query("person_key")
    if not any((mdn_raw, pid, ext, key)):
        raise BadRequest(
            "one of the query parameters mdn, person_id or external_person_id is required", code=Code.REQUIRED
        )
    mdn = mdns.parse_query(mdn_raw, c.version) if mdn_raw else None
    ids = {"mdn": mdn, "person_id": pid, "external_person_id": ext, "person_key": key}
    with c.tx() as tx:
        # Identifiers naming nobody, or different persons, name no participant: an empty array.
        person = select(tx, c.company, ids).exact
        parts = c.sim.db.acq.pending(tx, c.company, c.path("acquisition_id"), person)
        out = [views.participant(p, person) for p in parts] if person else []
    return json_response(out)
