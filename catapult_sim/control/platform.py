"""/_sim endpoints that play the platform side: SMS keywords and replies, opt-outs, disconnects."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response
from catapult_sim.control._common import (
    PERSON_KEYS,
    any_mdn,
    body,
    company,
    person,
    string,
)
from catapult_sim.core import repo, views
from catapult_sim.core.acquisition import PARTICIPANT_ACTIONS
from catapult_sim.core.platform import Outcome
from catapult_sim.core.store import Tx
from catapult_sim.errors import BadRequest, Code, NotFound


def _answer(outcome: Outcome, events: list[str]) -> Response:
    return json_response(
        {"action": outcome.action, "person_key": outcome.person_key, **outcome.details, "events": events}
    )


async def sms_keyword(request: Request) -> Response:
    """The subscriber texts a campaign keyword."""
    sim, key = company(request)
    data = await body(request, "sim-sms-keyword-request")
    mdn, word = any_mdn(data.get("mdn")), string(data, "keyword")
    with sim.store.transaction() as tx:
        outcome = sim.db.platform.keyword(tx, key, mdn, str(word))
        events = [e.type for e in tx.events]
    return _answer(outcome, events)


async def sms_reply(request: Request) -> Response:
    """The subscriber replies Y, N or a STOP word."""
    sim, key = company(request)
    data = await body(request, "sim-sms-reply-request")
    mdn, text = any_mdn(data.get("mdn")), string(data, "text")
    with sim.store.transaction() as tx:
        outcome = sim.db.platform.reply(tx, key, mdn, str(text))
        events = [e.type for e in tx.events]
    return _answer(outcome, events)


async def opt_in(request: Request) -> Response:
    """Subscribe a person (created from the MDN when new) straight to a list."""
    sim, key = company(request)
    data = await body(request, "sim-opt-in-request")
    list_id = str(string(data, "list_id"))
    with sim.store.transaction() as tx:
        if data.get("mdn") is not None and not (data.keys() & {"person_key", "external_person_id"}):
            who = sim.db.platform.person_for_mdn(tx, key, any_mdn(data["mdn"]), create=True)
            assert who is not None
        else:
            who = person(tx, sim, key, data)
        outcome = sim.db.platform.opt_in(tx, key, who, list_id)
        events = [e.type for e in tx.events]
    return _answer(outcome, events)


async def opt_out(request: Request) -> Response:
    """End one subscription (``list_id``) or all, for any documented ``reason`` (default user_opt_out)."""
    sim, key = company(request)
    data = await body(request, "sim-opt-out-request")
    reason = string(data, "reason", required=False) or "user_opt_out"
    list_id = string(data, "list_id", required=False)
    with sim.store.transaction() as tx:
        who = person(tx, sim, key, data)
        if reason == "user_opt_out" and list_id is None:
            outcome = sim.db.platform.stop(tx, who)
        else:
            outcome = sim.db.platform.opt_out(tx, who, reason, list_id)
        events = [e.type for e in tx.events]
    return _answer(outcome, events)


async def disconnect(request: Request) -> Response:
    """The carrier reports the number disconnected."""
    sim, key = company(request)
    data = await body(request, "sim-person-selector-request")
    with sim.store.transaction() as tx:
        outcome = sim.db.platform.disconnect(tx, person(tx, sim, key, data))
        events = [e.type for e in tx.events]
    return _answer(outcome, events)


async def archive_list(request: Request) -> Response:
    """Archive a list: every subscriber is opted out with list_archived."""
    sim, key = company(request)
    await body(request, "sim-empty-request")  # required: a bare POST changes nothing
    list_id = request.path_params["list_id"]
    with sim.store.transaction() as tx:
        ended = sim.db.subs.archive_list(tx, key, list_id)
        events = [e.type for e in tx.events]
    return json_response({"action": "archived", "list_id": list_id, "opted_out": len(ended), "events": events})


async def create_list(request: Request) -> Response:
    """Create a list (as the platform UI does); sends subscription_list_added."""
    sim, key = company(request)
    data = await body(request, "sim-list-request")
    name = _list_name(data)
    list_id = data.get("id")  # the schema checked its type and length; its pattern's $ lets a final newline by
    if list_id is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", list_id):
        raise BadRequest("id must be 1-64 letters, digits, dashes or underscores", code=Code.INVALID)
    with sim.store.transaction() as tx:
        made = sim.db.subs.create_list(tx, key, list_id or _free_list_id(tx, key), name)
        events = [e.type for e in tx.events]
    out = {"action": "created", "subscription_list": views.subscription_list(made), "events": events}
    return json_response(out, status=201)


async def rename_list(request: Request) -> Response:
    """Rename a list; sends subscription_list_updated."""
    sim, key = company(request)
    data = await body(request, "sim-list-request")
    if "id" in data:
        raise BadRequest("id cannot change: the list is named in the path", code=Code.INVALID)
    with sim.store.transaction() as tx:
        changed = sim.db.subs.rename_list(tx, key, request.path_params["list_id"], _list_name(data))
        events = [e.type for e in tx.events]
    return json_response({"action": "renamed", "subscription_list": views.subscription_list(changed), "events": events})


def _list_name(data: dict[str, Any]) -> str:
    name: str = data["name"]  # a string of 1-255 characters (the schema); it must not be blank either
    if not name.strip():
        raise BadRequest("name must be a non-empty string of at most 255 characters", code=Code.REQUIRED)
    return name


def _free_list_id(tx: Tx, company_key: str) -> str:
    """The next numeric list id after the company's largest (Vibes' list ids are numeric)."""
    numbers = [int(sl.id) for sl in repo.all_lists(tx, company_key) if sl.id.isdigit()]
    return str(max(numbers, default=1000) + 1)


async def participant_action(request: Request) -> Response:
    """Confirm, decline or expire a person's pending participation in a campaign."""
    sim, key = company(request)
    action = request.path_params["action"]
    if action not in PARTICIPANT_ACTIONS:
        raise NotFound(f"unknown participant action {action!r}: use confirm, decline or expire")
    data = await body(request, "sim-person-selector-request")
    with sim.store.transaction() as tx:
        who = person(tx, sim, key, data)
        part = sim.db.acq.act(tx, key, request.path_params["acquisition_id"], who, action)
        events = [e.type for e in tx.events]
    result: dict[str, Any] = {"action": action, "person_key": who.person_key, "status": part.status}
    return json_response({**result, "acquisition_id": part.acquisition_id, "events": events})


async def person_state(request: Request) -> Response:
    """Everything the simulator holds about one person (by the query's mdn/person_key/external id)."""
    sim, key = company(request)
    data = {k: v for k, v in request.query_params.items() if k in PERSON_KEYS}
    with sim.store.read() as tx:
        who = person(tx, sim, key, data)
        subs = repo.subscriptions_of(tx, key, who.person_key, active_only=False)
    # The stored carrier_code is the one the CRM sent; carrier_lookup is what the lookup finds for
    # the number (what the API shows when none was sent; core/carriers.py).
    looked_up = sim.db.companies.carriers(key).code(who.mdn) if who.mdn is not None else None
    return json_response(
        {"person": repo.snapshot(who), "carrier_lookup": looked_up, "subscriptions": [repo.snapshot(s) for s in subs]}
    )
