"""The Persons pages: search (MDN in either form, external id, person_key) or newest first, and one person."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import sim_of
from catapult_sim.core import mdn as mdns
from catapult_sim.core.models import Person
from catapult_sim.ui import people
from catapult_sim.ui.queries import PAGE, company_or_default
from catapult_sim.ui.render import html


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "")
    return min(int(raw), 10**9) if raw.isascii() and raw.isdigit() and len(raw) < 12 else 0


async def listing(request: Request) -> Response:
    sim = sim_of(request)
    company = company_or_default(sim, request.query_params.get("company"))
    q = request.query_params.get("q", "").strip()[:256]
    offset, more, read_as = _offset(request), False, ""
    found: list[Person] = []
    if company is not None and q:
        found, read_as = people.search(sim.store, company, q)
    elif company is not None:
        found, more = people.newest(sim.store, company, offset)
    rows = [
        {
            "person_key": p.person_key,
            "person_id": p.person_id,
            "external_person_id": p.external_person_id,
            "mdn": p.mdn,
            "mdn_v1": mdns.render_callback(p.mdn, 1) if p.mdn else None,
            "created_at": p.created_at,
            "custom_fields": p.custom_fields,
        }
        for p in found
    ]
    older = urlencode({"company": company or "", "offset": offset + PAGE}) if more else None
    template = "persons_body.html" if request.query_params.get("partial") == "1" else "persons.html"
    return html(request, template, company=company, q=q, rows=rows, read_as=read_as, older=older)


async def detail(request: Request) -> Response:
    sim = sim_of(request)
    company, key = request.path_params["company"], request.path_params["person_key"]
    found = people.dossier(sim, company, key)
    if found is None:
        answer = {"errors": [{"code": 20, "message": "no such person in this company"}]}
        return html(request, "missing.html", status=404, what=f"person {key}", answer=answer)
    template = "person_body.html" if request.query_params.get("partial") == "1" else "person.html"
    return html(request, template, company=company, d=found)
