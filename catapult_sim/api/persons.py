"""Person API endpoints (fact sheet §2; OAS /mobiledb/persons)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import call, json_response
from catapult_sim.core import mdn as mdns
from catapult_sim.core.persons import parse_patch, patch_problems
from catapult_sim.errors import NotFound


async def add_person(request: Request) -> Response:
    """POST /persons: 201 created, 200 merged into an existing person, 409, 422 (P-addp, OAS)."""
    c = call(request)
    body = await c.body("person-request", also=lambda b: patch_problems(c.sim.db.env, c.company, b, c.version))
    with c.tx() as tx:
        patch = parse_patch(c.sim.db.env, c.company, body, c.version)
        created, person = c.sim.db.persons.add(tx, c.company, patch)
        out = c.person(person)
    return json_response(out, 201 if created else 200)


async def find_by_mdn(request: Request) -> Response:
    """GET /persons?mdn=: 400 bad MDN (with the %2B hint), 404 missing or no match (OAS)."""
    c = call(request)
    raw = c.query("mdn")
    if raw is None or raw == "":
        raise NotFound("query parameter 'mdn' is required")  # OAS: 404 when mdn is missing
    mdn = mdns.parse_query(raw, c.version)
    with c.read() as tx:
        found = c.sim.db.persons.find_by_mdn(tx, c.company, mdn)
        rendered = [c.person(p) for p in found]
    if c.sim.settings.find_by_mdn_shape == "array":
        return json_response(rendered)
    return json_response(rendered[0])


async def get_person(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        person = c.sim.db.persons.get(tx, c.company, c.path("person_key"))
        out = c.person(person)
    return json_response(out)


async def get_person_external(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        person = c.sim.db.persons.get_external(tx, c.company, c.path("external_person_id"))
        out = c.person(person)
    return json_response(out)


async def update_person(request: Request) -> Response:
    """PUT /persons/{person_key}: partial update; 200 (OAS), 404, 409 MDN change, 422."""
    c = call(request)
    body = await c.body("person-request", also=lambda b: patch_problems(c.sim.db.env, c.company, b, c.version))
    with c.tx() as tx:
        person = c.sim.db.persons.get(tx, c.company, c.path("person_key"))
        patch = parse_patch(c.sim.db.env, c.company, body, c.version)
        out = c.person(c.sim.db.persons.update(tx, person, patch))
    return json_response(out)


async def upsert_person_external(request: Request) -> Response:
    """PUT /persons/external/{id}: add or update (P-pute): 201 created, 200 updated or merged."""
    c = call(request)
    body = await c.body("person-request", also=lambda b: patch_problems(c.sim.db.env, c.company, b, c.version))
    ext = c.path("external_person_id")
    with c.tx() as tx:
        patch = parse_patch(c.sim.db.env, c.company, body, c.version)
        created, person = c.sim.db.persons.upsert_external(tx, c.company, ext, patch)
        out = c.person(person)
    return json_response(out, 201 if created else 200)
