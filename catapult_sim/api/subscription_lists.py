"""Subscription list endpoints (fact sheet §4; OAS /mobiledb/subscription_lists)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import call, json_response
from catapult_sim.core import mdn as mdns
from catapult_sim.core import repo, views
from catapult_sim.core.selector import select
from catapult_sim.errors import BadRequest, Code, NotFound

_SEARCH_KEYS = ("mdn", "person_key", "external_person_id", "person_id")


async def list_lists(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        out = [views.subscription_list(sl) for sl in c.sim.db.subs.lists(tx, c.company)]
    return json_response(out)


async def get_list(request: Request) -> Response:
    c = call(request)
    with c.read() as tx:
        out = views.subscription_list(c.sim.db.subs.get_list(tx, c.company, c.path("subscription_list_id")))
    return json_response(out)


async def search_subscriber(request: Request) -> Response:
    """The person, when actively subscribed to the list; 404 otherwise (OAS). Every parameter given
    must name the same person; ``person_id`` is also accepted (fact sheet §4.3, RB)."""
    c = call(request)
    given = {k: v for k in _SEARCH_KEYS if (v := c.query(k))}
    if not given:
        raise BadRequest(
            "one of the query parameters mdn, person_key, external_person_id or person_id is required",
            code=Code.REQUIRED,
        )
    list_id = c.path("subscription_list_id")
    with c.read() as tx:
        c.sim.db.subs.get_list(tx, c.company, list_id)
        if "mdn" in given:
            given["mdn"] = mdns.parse_query(given["mdn"], c.version)
        sel = select(tx, c.company, given)
        if sel.unknown:
            raise NotFound(f"no subscriber with {sel.unknown[0]} {sel.given[sel.unknown[0]]!r}")
        person = sel.person
        if person is None:
            raise NotFound("the query parameters name different persons")
        if repo.active_subscription(tx, c.company, person.person_key, list_id) is None:
            raise NotFound(f"the person is not subscribed to list {list_id!r}")
        out = c.person(person)
    return json_response(out)


async def list_campaigns(request: Request) -> Response:
    """The active acquisition campaigns that feed the list (W-slmeth, OAS)."""
    c = call(request)
    with c.read() as tx:
        found = c.sim.db.acq.campaigns_of_list(tx, c.company, c.path("subscription_list_id"))
        out = [views.campaign(x) for x in found]
    return json_response(out)
