"""Subscription endpoints under a person (fact sheet §3; OAS /persons/.../subscriptions)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import Call, bool_query, call, json_response
from catapult_sim.core import views
from catapult_sim.core.models import Person
from catapult_sim.core.store import Tx


def _person(c: Call, tx: Tx) -> Person:
    if "external_person_id" in c.request.path_params:
        return c.sim.db.persons.get_external(tx, c.company, c.path("external_person_id"))
    return c.sim.db.persons.get(tx, c.company, c.path("person_key"))


async def list_subscriptions(request: Request) -> Response:
    """Active subscriptions by default; ``active_only=false`` adds ended ones (W-smeth)."""
    c = call(request)
    active_only = bool_query(c.query("active_only"), "active_only", True)
    with c.read() as tx:
        person = _person(c, tx)
        subs = c.sim.db.subs.of_person(tx, person, active_only=active_only)
        out = [views.subscription(s, person, c.version) for s in subs]
    return json_response(out)


async def get_subscription(request: Request) -> Response:
    """The subscription to one list, as an array (OAS subscriptionsResponse); 404 when not subscribed."""
    c = call(request)
    active_only = bool_query(c.query("active_only"), "active_only", True)
    with c.read() as tx:
        person = _person(c, tx)
        subs = c.sim.db.subs.for_list(tx, person, c.path("subscription_list_id"), active_only=active_only)
        out = [views.subscription(s, person, c.version) for s in subs]
    return json_response(out)


async def unsubscribe(request: Request) -> Response:
    """DELETE: ends the subscription with opt_out_reason api_opt_out; 200 with the ended record."""
    c = call(request)
    with c.tx() as tx:
        person = _person(c, tx)
        ended = c.sim.db.subs.unsubscribe(tx, person, c.path("subscription_list_id"))
        out = views.subscription(ended, person, c.version)
    return json_response(out)
