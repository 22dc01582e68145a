"""THE routing table: every Catapult and control route, in one place.

Vibes' own OpenAPI writes some paths with a trailing slash and some without (fact sheet §1.1);
each route here answers both forms, without redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from simulator.api import acquisition, persons, subscription_lists, subscriptions
from simulator.control import admin, platform

C = "/companies/{company_key}"
P = C + "/mobiledb/persons"
L = C + "/mobiledb/subscription_lists"
A = C + "/campaigns/acquisition"
S = "/_sim"
SC = S + "/companies/{company_key}"


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: method, path, endpoint, and how faithful it is (for the docs' endpoint table)."""

    method: str
    path: str
    endpoint: Callable[..., Any]
    summary: str
    status: str = "implemented"


CATAPULT_OPS: list[Op] = [
    Op("POST", P, persons.add_person, "Add a person"),
    Op("GET", P, persons.find_by_mdn, "Find a person by MDN"),
    Op("GET", P + "/external/{external_person_id}", persons.get_person_external, "Get a person by external id"),
    Op("PUT", P + "/external/{external_person_id}", persons.upsert_person_external, "Add or update a person by external id"),
    Op("GET", P + "/external/{external_person_id}/subscriptions", subscriptions.list_subscriptions, "List a person's subscriptions (external id)"),
    Op("GET", P + "/external/{external_person_id}/subscriptions/{subscription_list_id}", subscriptions.get_subscription, "Get a person's subscription to a list (external id)"),
    Op("DELETE", P + "/external/{external_person_id}/subscriptions/{subscription_list_id}", subscriptions.unsubscribe, "Unsubscribe a person from a list (external id)"),
    Op("GET", P + "/{person_key}", persons.get_person, "Get a person"),
    Op("PUT", P + "/{person_key}", persons.update_person, "Update a person"),
    Op("GET", P + "/{person_key}/subscriptions", subscriptions.list_subscriptions, "List a person's subscriptions"),
    Op("GET", P + "/{person_key}/subscriptions/{subscription_list_id}", subscriptions.get_subscription, "Get a person's subscription to a list"),
    Op("DELETE", P + "/{person_key}/subscriptions/{subscription_list_id}", subscriptions.unsubscribe, "Unsubscribe a person from a list"),
    Op("GET", L, subscription_lists.list_lists, "List subscription lists"),
    Op("GET", L + "/{subscription_list_id}", subscription_lists.get_list, "Get a subscription list"),
    Op("GET", L + "/{subscription_list_id}/subscribers", subscription_lists.search_subscriber, "Find a subscriber of a list"),
    Op("GET", L + "/{subscription_list_id}/acquisition_campaigns", subscription_lists.list_campaigns, "List the campaigns that feed a list"),
    Op("GET", A, acquisition.list_campaigns, "List active acquisition campaigns"),
    Op("GET", A + "/{acquisition_id}", acquisition.get_campaign, "Get an acquisition campaign"),
    Op("POST", A + "/{acquisition_id}/participants", acquisition.add_participant, "Add a participant (mobile sign-up)"),
    Op("GET", A + "/{acquisition_id}/participants", acquisition.pending_participants, "List a person's pending participations"),
]  # fmt: skip

CONTROL_OPS: list[Op] = [
    Op("GET", S + "/health", admin.health, "Readiness check"),
    Op("POST", S + "/reset", admin.reset, "Reset every company (or one) to its seed"),
    Op("GET", S + "/companies", admin.companies, "List companies"),
    Op("POST", SC + "/reset", admin.reset_company, "Reset one company to its seed"),
    Op("GET", SC + "/state", admin.state, "Dump a company's state"),
    Op("GET", SC + "/events", admin.events, "List a company's domain events"),
    Op("GET", SC + "/person", platform.person_state, "Everything about one person"),
    Op("POST", SC + "/sms/keyword", platform.sms_keyword, "Simulate an SMS keyword opt-in"),
    Op("POST", SC + "/sms/reply", platform.sms_reply, "Simulate an SMS reply (Y, N, STOP)"),
    Op("POST", SC + "/opt-in", platform.opt_in, "Subscribe a person to a list from the platform side"),
    Op("POST", SC + "/opt-out", platform.opt_out, "Opt a person out for a given reason"),
    Op("POST", SC + "/disconnect", platform.disconnect, "Simulate a carrier disconnect"),
    Op("POST", SC + "/lists/{list_id}/archive", platform.archive_list, "Archive a list"),
    Op("POST", SC + "/participants/{acquisition_id}/{action}", platform.participant_action, "Confirm, decline or expire a pending participant"),
    Op("GET", S + "/clock", admin.clock_get, "Read the clock"),
    Op("POST", S + "/clock", admin.clock_set, "Switch the clock between manual and system, or set it"),
    Op("POST", S + "/clock/advance", admin.clock_advance, "Advance a manual clock"),
]  # fmt: skip


def _routes(ops: list[Op]) -> list[Route]:
    """Group operations by path; register each path with and without a trailing slash."""
    by_path: dict[str, list[Op]] = {}
    for op in ops:
        by_path.setdefault(op.path, []).append(op)
    routes: list[Route] = []
    for path, group in by_path.items():
        handlers = {op.method: op.endpoint for op in group}
        endpoint = _dispatch(handlers)
        for variant in (path, path + "/"):
            routes.append(Route(variant, endpoint, methods=sorted(handlers), include_in_schema=False))
    return routes


def _dispatch(handlers: dict[str, Callable[..., Any]]) -> Callable[..., Any]:
    if len(handlers) == 1:
        return next(iter(handlers.values()))

    async def endpoint(request: Any) -> Any:
        return await handlers[request.method](request)

    return endpoint


def all_ops() -> list[Op]:
    return CATAPULT_OPS + CONTROL_OPS


def build_routes() -> list[Route]:
    return _routes(CATAPULT_OPS) + _routes(CONTROL_OPS)
