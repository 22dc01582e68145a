"""THE routing table: every Catapult and control route, in one place.

Vibes' own OpenAPI writes some paths with a trailing slash and some without (fact sheet §1.1);
each route here answers both forms, without redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, compile_path

from catapult_sim import openapi
from catapult_sim._http import BODY_KEY, control_authorized
from catapult_sim.api import acquisition, persons, subscription_lists, subscriptions
from catapult_sim.api import callbacks as api_callbacks
from catapult_sim.api import events as api_events
from catapult_sim.control import admin, platform
from catapult_sim.control import callbacks as control_callbacks
from catapult_sim.control import chaos as control_chaos
from catapult_sim.control import deliveries as control_deliveries
from catapult_sim.control import faults as control_faults
from catapult_sim.control import files as control_files
from catapult_sim.control import journal as control_journal
from catapult_sim.surface.journal import BODY_LIMIT, EXCERPT_LIMIT, Entry, PathTable
from catapult_sim.ui import routes as ui_routes

C = "/companies/{company_key}"
P = C + "/mobiledb/persons"
L = C + "/mobiledb/subscription_lists"
A = C + "/campaigns/acquisition"
CB = C + "/config/callbacks"
S = "/_sim"
D = S + "/deliveries"
SC = S + "/companies/{company_key}"


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: method, path, endpoint, and how faithful it is (for the docs' endpoint table)."""

    method: str
    path: str
    endpoint: Callable[..., Any]
    summary: str
    status: str = "implemented"
    # Schemas (catapult_sim/schemas) of the success body: "name", "name[]" (an array), "a|b" (either);
    # the OpenAPI document and the response-conformance tests read them from here.
    returns: str = ""
    ok: tuple[int, ...] = (200,)  # success statuses
    body: str = ""  # schema of the JSON request body; "object" = any JSON object
    # Query parameters: "name" is a string, "name:kind" picks a kind of openapi.QUERY_KINDS.
    query: tuple[str, ...] = ()
    optional_body: bool = False  # the body may be left out (then every field takes its default)


@cache
def openapi_document(control: bool = True) -> bytes:
    """The OpenAPI document of this routing table, built once per process (the table does not change);
    without ``control``, the Catapult operations only."""
    return openapi.render(all_ops() if control else [op for op in all_ops() if not op.path.startswith(S)])


async def openapi_json(request: Request) -> Response:
    """GET /openapi.json: the control part only with the control token, when the simulator has one."""
    return Response(openapi_document(control_authorized(request)), media_type="application/json")


CATAPULT_OPS: list[Op] = [
    Op("POST", P, persons.add_person, "Add a person", returns="person-response", ok=(200, 201), body="person-request"),
    Op("GET", P, persons.find_by_mdn, "Find a person by MDN", returns="person-response|person-response[]", query=("mdn",)),
    Op("GET", P + "/external/{external_person_id}", persons.get_person_external, "Get a person by external id", returns="person-response"),
    Op("PUT", P + "/external/{external_person_id}", persons.upsert_person_external, "Add or update a person by external id", returns="person-response", ok=(200, 201), body="person-request"),
    Op("GET", P + "/external/{external_person_id}/subscriptions", subscriptions.list_subscriptions, "List a person's subscriptions (external id)", returns="subscription[]", query=("active_only:boolean",)),
    Op("GET", P + "/external/{external_person_id}/subscriptions/{subscription_list_id}", subscriptions.get_subscription, "Get a person's subscription to a list (external id)", returns="subscription[]", query=("active_only:boolean",)),
    Op("DELETE", P + "/external/{external_person_id}/subscriptions/{subscription_list_id}", subscriptions.unsubscribe, "Unsubscribe a person from a list (external id)", returns="subscription"),
    Op("GET", P + "/{person_key}", persons.get_person, "Get a person", returns="person-response"),
    Op("PUT", P + "/{person_key}", persons.update_person, "Update a person", returns="person-response", body="person-request"),
    Op("GET", P + "/{person_key}/subscriptions", subscriptions.list_subscriptions, "List a person's subscriptions", returns="subscription[]", query=("active_only:boolean",)),
    Op("GET", P + "/{person_key}/subscriptions/{subscription_list_id}", subscriptions.get_subscription, "Get a person's subscription to a list", returns="subscription[]", query=("active_only:boolean",)),
    Op("DELETE", P + "/{person_key}/subscriptions/{subscription_list_id}", subscriptions.unsubscribe, "Unsubscribe a person from a list", returns="subscription"),
    Op("GET", L, subscription_lists.list_lists, "List subscription lists", returns="subscription-list[]"),
    Op("GET", L + "/{subscription_list_id}", subscription_lists.get_list, "Get a subscription list", returns="subscription-list"),
    Op("GET", L + "/{subscription_list_id}/subscribers", subscription_lists.search_subscriber, "Find a subscriber of a list", returns="person-response", query=("mdn", "person_key", "external_person_id", "person_id")),
    Op("GET", L + "/{subscription_list_id}/acquisition_campaigns", subscription_lists.list_campaigns, "List the campaigns that feed a list", returns="acquisition-campaign[]"),
    Op("GET", A, acquisition.list_campaigns, "List active acquisition campaigns", returns="acquisition-campaign[]"),
    Op("GET", A + "/{acquisition_id}", acquisition.get_campaign, "Get an acquisition campaign", returns="acquisition-campaign"),
    Op("POST", A + "/{acquisition_id}/participants", acquisition.add_participant, "Add a participant (mobile sign-up)", returns="participant-response", ok=(200, 201), body="participant-request"),
    Op("GET", A + "/{acquisition_id}/participants", acquisition.pending_participants, "List a person's pending participations", returns="participant-response[]", query=("mdn", "person_id", "external_person_id", "person_key")),
    Op("POST", CB, api_callbacks.create_callback, "Register a callback", returns="callback-registration", ok=(201,), body="callback-registration-request"),
    Op("GET", CB, api_callbacks.list_callbacks, "List active and future callback registrations", returns="callback-registration[]"),
    Op("GET", CB + "/{callback_id}", api_callbacks.get_callback, "Get a callback registration", returns="callback-registration"),
    Op("PUT", CB + "/{callback_id}", api_callbacks.update_callback, "Replace a callback registration", returns="callback-registration", body="callback-registration-request"),
    Op("DELETE", CB + "/{callback_id}", api_callbacks.delete_callback, "Cancel a callback registration", returns="callback-registration"),
    Op("POST", C + "/config/callback_events/test", api_callbacks.test_callback, "Send a test callback event", returns="test-callback-response", body="test-callback-request"),
    Op("POST", C + "/events", api_events.create_event, "Create an event (Event API): stored, no message sent", returns="event-response", ok=(202,), body="event-request"),
]  # fmt: skip

CONTROL_OPS: list[Op] = [
    Op("GET", S + "/health", admin.health, "Readiness check", returns="sim-health"),
    Op("POST", S + "/reset", admin.reset, "Reset every company (or one) to its seed", returns="sim-reset", body="sim-reset-request"),
    Op("GET", S + "/companies", admin.companies, "List companies", returns="sim-company[]"),
    Op("POST", SC + "/reset", admin.reset_company, "Reset one company to its seed", returns="sim-reset", body="sim-empty-request"),
    Op("GET", SC + "/state", admin.state, "Dump a company's state", returns="sim-state"),
    Op("GET", SC + "/events", admin.events, "List a company's domain events", returns="sim-event[]", query=("after:integer", "type:event_type")),
    Op("GET", SC + "/person", platform.person_state, "Everything about one person", returns="sim-person-record", query=("mdn", "person_key", "external_person_id")),
    Op("POST", SC + "/sms/keyword", platform.sms_keyword, "Simulate an SMS keyword opt-in", returns="sim-platform-answer", body="sim-sms-keyword-request"),
    Op("POST", SC + "/sms/reply", platform.sms_reply, "Simulate an SMS reply (Y, N, STOP)", returns="sim-platform-answer", body="sim-sms-reply-request"),
    Op("POST", SC + "/opt-in", platform.opt_in, "Subscribe a person to a list from the platform side", returns="sim-platform-answer", body="sim-opt-in-request"),
    Op("POST", SC + "/opt-out", platform.opt_out, "Opt a person out for a given reason", returns="sim-platform-answer", body="sim-opt-out-request"),
    Op("POST", SC + "/disconnect", platform.disconnect, "Simulate a carrier disconnect", returns="sim-platform-answer", body="sim-person-selector-request"),
    Op("POST", SC + "/lists", platform.create_list, "Create a subscription list", returns="sim-list-changed", ok=(201,), body="sim-list-request"),
    Op("POST", SC + "/lists/{list_id}/rename", platform.rename_list, "Rename a subscription list", returns="sim-list-changed", body="sim-list-request"),
    Op("POST", SC + "/lists/{list_id}/archive", platform.archive_list, "Archive a list", returns="sim-list-archived", body="sim-empty-request"),
    Op("GET", SC + "/extracts/{kind}", control_files.extract, "A daily extract file (subscriptions or current_subscribers): name and TSV text", returns="sim-extract", query=("date",)),
    Op("POST", SC + "/imports/opt-outs", control_files.opt_out_import, "Apply a Subscriber Opt-Out Import file (the body)", returns="sim-opt-out-import"),
    Op("POST", SC + "/persons/import", control_files.persons_import, "Load a persons file (JSON Lines or CSV, the body) in one transaction: all rows or none", returns="sim-persons-import", query=("format:persons_format",)),
    Op("GET", SC + "/received-events", control_files.received_events, "The events a CRM pushed with the Event API", returns="sim-received-event[]", query=("event_type",)),
    Op("POST", SC + "/participants/{acquisition_id}/{action}", platform.participant_action, "Confirm, decline or expire a pending participant", returns="sim-participant-action", body="sim-person-selector-request"),
    Op("GET", S + "/clock", admin.clock_get, "Read the clock", returns="sim-clock"),
    Op("POST", S + "/clock", admin.clock_set, "Switch the clock between manual and system, or set it", returns="sim-clock", body="sim-clock-request"),
    Op("POST", S + "/clock/advance", admin.clock_advance, "Advance a manual clock", returns="sim-clock", body="sim-clock-advance-request"),
    Op("GET", S + "/journal", control_journal.journal_list, "List the Catapult requests received (filters: method, path, company, status, since, after, limit)", returns="sim-journal", query=("method:method", "path", "company", "status:status_filter", "since:time", "after:integer", "limit:positive")),
    Op("DELETE", S + "/journal", control_journal.journal_clear, "Clear the request journal (or one company's part)", returns="sim-cleared", query=("company",)),
    Op("GET", S + "/journal/count", control_journal.journal_count, "Count the Catapult requests received (same filters as the list)", returns="sim-journal-count", query=("method:method", "path", "company", "status:status_filter", "since:time", "after:integer")),
    Op("POST", S + "/journal/verify", control_journal.journal_verify, "Verify that matching requests were received N times, with near misses", returns="sim-journal-verification", body="sim-journal-verify-request", optional_body=True),
    Op("GET", S + "/journal/{entry_id}", control_journal.journal_entry, "One journal entry", returns="sim-journal-entry"),
    Op("GET", S + "/faults", control_faults.faults_list, "List fault and latency rules", returns="sim-faults", query=("company",)),
    Op("POST", S + "/faults", control_faults.faults_add, "Add one fault or latency rule, or several", returns="sim-faults", ok=(201,), body="sim-fault-rules-request"),
    Op("DELETE", S + "/faults", control_faults.faults_clear, "Remove every fault rule (or one company's)", returns="sim-cleared", query=("company",)),
    Op("DELETE", S + "/faults/{rule_id}", control_faults.fault_delete, "Remove one fault rule", returns="sim-cleared"),
    Op("GET", S + "/rate-limits", control_faults.rate_limits_get, "Read the per-company rate limits", returns="sim-rate-limits"),
    Op("POST", S + "/rate-limits", control_faults.rate_limits_set, "Set a company's (or the default) rate limit and Retry-After", returns="sim-rate-limits", body="sim-rate-limit-request"),
    Op("GET", D, control_deliveries.list_deliveries, "List callback deliveries, newest first (filters: company, type, status, destination, since, callback_id, event_id)", returns="sim-delivery[]", query=("company", "type:callback_type", "status:delivery_state", "destination", "since:time", "callback_id", "event_id", "limit:page", "before:integer")),
    Op("GET", D + "/attempts", control_deliveries.attempts, "Delivery attempts after an attempt id (what deliveries tail follows)", returns="sim-delivery-attempt[]", query=("after:integer", "limit:page")),
    Op("POST", D + "/replay-failed", control_deliveries.replay_failed, "Replay every failed delivery since a time (and other filters)", returns="sim-replay-failed", body="sim-replay-failed-request"),
    Op("GET", D + "/{delivery_id}", control_deliveries.show_delivery, "One delivery with every attempt", returns="sim-delivery-detail"),
    Op("POST", D + "/{delivery_id}/replay", control_deliveries.replay_delivery, "Send a delivery again (same body and event_id)", returns="sim-delivery-detail", ok=(201,), body="sim-empty-request"),
    Op("GET", S + "/destinations", control_deliveries.destinations, "Callback destinations: queues, failures, downed state; the retry policy", returns="sim-destinations"),
    Op("GET", S + "/chaos", control_chaos.chaos_get, "Read the callback chaos settings", returns="sim-chaos"),
    Op("POST", S + "/chaos", control_chaos.chaos_set, "Set the chaos seed and a global or per-destination rule", returns="sim-chaos", body="sim-chaos-request"),
    Op("DELETE", S + "/chaos", control_chaos.chaos_clear, "Clear every chaos rule (or one destination's)", returns="sim-chaos", query=("destination",)),
    Op("GET", SC + "/callbacks", control_callbacks.listing, "A company's callback registrations", returns="callback-registration[]"),
    Op("POST", SC + "/callbacks", control_callbacks.register, "Register a URL for every callback type", returns="sim-callbacks-registered", ok=(201,), body="sim-callbacks-register-request"),
    Op("GET", "/openapi.json", openapi_json, "This simulator's OpenAPI 3.1 document"),
]  # fmt: skip


def _routes(ops: list[Op]) -> list[Route]:
    """Group operations by path, one route each (the control middleware takes one trailing slash off).

    A literal path that a parameterised one also matches (``/_sim/journal/verify`` and
    ``/_sim/journal/{entry_id}``) takes every method and refuses the ones it does not serve with a
    405 naming its own (``Allow``); otherwise ``GET /_sim/journal/verify`` would reach the journal
    entry endpoint with the entry id ``verify``.
    """
    by_path = _by_path(ops)
    routes: list[Route] = []
    for path, handlers in by_path.items():
        refused = _shadowing_methods(path, by_path) - set(handlers) - _implied(handlers)
        endpoint = _dispatch(handlers, refused)
        route = Route(path, endpoint, methods=sorted(handlers), include_in_schema=False)
        if refused:
            route.methods = None  # every method reaches ``endpoint``, which refuses the others
        routes.append(route)
    return routes


def _by_path(ops: list[Op]) -> dict[str, dict[str, Callable[..., Any]]]:
    """Each path's endpoints by method, paths in table order."""
    by_path: dict[str, dict[str, Callable[..., Any]]] = {}
    for op in ops:
        by_path.setdefault(op.path, {})[op.method] = op.endpoint
    return by_path


def _shadowing_methods(path: str, by_path: dict[str, dict[str, Callable[..., Any]]]) -> set[str]:
    """The methods of the other paths whose pattern matches ``path`` taken as a literal URL."""
    out: set[str] = set()
    for other, handlers in by_path.items():
        if other != path and compile_path(other)[0].match(path):
            out |= set(handlers)
    return out


def _implied(handlers: dict[str, Callable[..., Any]]) -> set[str]:
    return {"HEAD"} if "GET" in handlers else set()  # Starlette routes HEAD wherever GET is allowed


def _dispatch(handlers: dict[str, Callable[..., Any]], refused: set[str]) -> Callable[..., Any]:
    if len(handlers) == 1 and not refused:
        return next(iter(handlers.values()))
    allow = ", ".join(sorted({*handlers, *_implied(handlers)}))

    async def endpoint(request: Any) -> Any:
        # HEAD is answered by the GET handler (and refused where GET is).
        method = "GET" if request.method == "HEAD" else request.method
        handler = handlers.get(method)
        if handler is None:
            raise HTTPException(405, headers={"Allow": allow})
        return await handler(request)

    return endpoint


class CatapultDispatch:
    """The Catapult surface served straight from the routing table, for the control middleware.

    One lookup in the path index (:class:`PathTable`, no scan of the routes), then the endpoint,
    whose answer goes to the server's own ``send``: none of the router's and exception layers'
    wrappers around ``receive`` and ``send``, and the journal entry is filled from the answer
    itself. Errors take the app's own exception handlers, as in the router. The first template in
    table order that matches is the router's choice too when it serves the method; anything else
    (a 404, a 405, HEAD) is left to the router (False), so every answer is the one it gives.
    """

    def __init__(self, app: Any, paths: PathTable) -> None:
        self.app = app
        self.paths = paths
        self.handlers = _by_path(CATAPULT_OPS)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any, entry: Entry) -> bool:
        found = self.paths.first(scope["path"]) if not scope.get("root_path") else None
        if found is None:
            return False
        template, params = found
        handler = self.handlers[template].get(scope["method"])
        if handler is None:
            return False
        scope["app"] = app = self.app
        scope["router"] = app.router
        scope["path_params"] = params
        entry.template = template
        request = Request(scope, receive)
        crashed: Exception | None = None
        try:
            response = await handler(request)
        except Exception as exc:
            handle, crashed = self._handler_for(exc)
            if handle is None:
                raise
            response = await handle(request, exc)
        finally:
            body = scope.get(BODY_KEY, b"")
            entry.body, entry.body_truncated = body[:BODY_LIMIT], len(body) > BODY_LIMIT
        entry.status = response.status_code
        entry.response = response.body[:EXCERPT_LIMIT]
        await response(scope, receive, send)
        if crashed is not None:
            raise crashed  # as Starlette's server-error layer does after its 500: the server logs it
        return True

    def _handler_for(self, exc: Exception) -> tuple[Callable[..., Any] | None, Exception | None]:
        """The app's handler for ``exc`` (its class's nearest), and ``exc`` again when that is the
        catch-all for bugs (Starlette answers those, then raises them again)."""
        handlers = self.app.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls], (exc if cls is Exception else None)
        return None, exc


def catapult_paths() -> PathTable:
    """The Catapult operations of this table, as the journal and fault rules name them."""
    return PathTable((op.method, op.path) for op in CATAPULT_OPS)


def all_ops() -> list[Op]:
    return CATAPULT_OPS + CONTROL_OPS


def build_routes() -> list[BaseRoute]:
    """The API operations, then the inspector's pages (``/`` and ``/_sim/ui/...``, not API operations)."""
    return [*_routes(CATAPULT_OPS), *_routes(CONTROL_OPS), *ui_routes.routes(openapi_document)]
