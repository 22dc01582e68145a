"""Records → wire payloads, shared by the Hypothesis strategies and the Faker factories.

Nothing here invents a shape: persons, subscriptions, lists, campaigns and participants are rendered
by :mod:`catapult_sim.core.views`, callback bodies by :mod:`catapult_sim.core.callbacks.payloads` and
registrations by :func:`catapult_sim.core.callbacks.registrations.render`, exactly as the running simulator does.
"""

from __future__ import annotations

from typing import Any

from catapult_sim.core import views
from catapult_sim.core.callbacks import payloads as callback_payloads
from catapult_sim.core.callbacks.registrations import Registration, render
from catapult_sim.core.clock import wire
from catapult_sim.core.models import OPT_OUT_REASONS, Campaign, Participant, Person, Subscription, SubscriptionList
from catapult_sim.core.seed import DEMO_TEMPLATE, normalize_options

__all__ = ["CALLBACK_TYPES", "OPT_OUT_REASONS", "PAYLOAD_TYPES", "schema_of"]

PERSON_TYPES = ("person_added", "person_updated")
SUBSCRIPTION_TYPES = ("subscription_added", "subscription_removed")
PARTICIPANT_TYPES = (
    "ack_participant_added",
    "ack_participant_changed",
    "company_participant_added",
    "company_participant_changed",
)
LIST_TYPES = ("subscription_list_added", "subscription_list_updated")
CALLBACK_TYPES = PERSON_TYPES + SUBSCRIPTION_TYPES + PARTICIPANT_TYPES + LIST_TYPES
# The selector object a registration of each type carries (fact sheet §6.2).
SELECTOR_KEY = {
    "subscription_added": "list_id",
    "subscription_removed": "list_id",
    "ack_participant_added": "campaign_id",
    "ack_participant_changed": "campaign_id",
}
ADDED_STATUSES = ("PENDING", "SUBSCRIBED")  # fact sheet §5.5
CHANGED_STATUSES = ("CONFIRMED", "REJECTED")

# Every payload type: its name on the command line and in fixtures → its schema in catapult_sim/schemas.
PAYLOAD_TYPES: dict[str, str] = {
    "person-request": "person-request",
    "person-response": "person-response",
    "subscription": "subscription",
    "subscription-list": "subscription-list",
    "acquisition-campaign": "acquisition-campaign",
    "participant-request": "participant-request",
    "participant-response": "participant-response",
    "callback-registration-request": "callback-registration-request",
    "callback-registration": "callback-registration",
    "test-callback-request": "test-callback-request",
    "test-callback-response": "test-callback-response",
    "error-envelope": "error-envelope",
    "event-request": "event-request",
    "event-response": "event-response",
    **{t: f"callback-{t}" for t in CALLBACK_TYPES},
}


def schema_of(payload_type: str) -> str:
    """The schema name of a payload type (``subscription_removed`` and ``callback-...`` both work)."""
    name = payload_type.strip()
    if name in PAYLOAD_TYPES:
        return PAYLOAD_TYPES[name]
    if name.removeprefix("callback-") in CALLBACK_TYPES:
        return "callback-" + name.removeprefix("callback-")
    raise KeyError(f"unknown payload type {payload_type!r}; choose from: {', '.join(PAYLOAD_TYPES)}")


def canonical(payload_type: str) -> str:
    """The PAYLOAD_TYPES key naming the same payload."""
    schema = schema_of(payload_type)
    return next(k for k, v in PAYLOAD_TYPES.items() if v == schema)


# The demo company's custom fields, with select options as Vibes shows them (fact sheet §2.2).
CUSTOM_FIELDS: dict[str, dict[str, Any]] = DEMO_TEMPLATE["custom_fields"]
OPTIONS: dict[str, list[dict[str, Any]]] = {
    name: normalize_options(spec["options"]) for name, spec in CUSTOM_FIELDS.items() if "options" in spec
}


def stored_date(day: str) -> str:
    """A custom date field in stored form (what responses and callbacks show)."""
    return f"{day}T00:00:00Z"


def callback_body(
    callback_type: str,
    person: Person,
    version: int,
    *,
    event_id: str,
    callback_id: str,
    event_date: str | None = None,
    attempt: int = 1,
    subscription: Subscription | None = None,
    participant: Participant | None = None,
    campaign: Campaign | None = None,
    opt_out_form: str = "z",
    subscription_list: SubscriptionList | None = None,
) -> dict[str, Any]:
    """One callback body (fact sheet §7); ``event_date`` (stored form) defaults to the time of the
    change the callback reports: creation, update, opt-in, opt-out, participation or its outcome."""
    when = event_date or _occurred(callback_type, person, subscription, participant)
    body = callback_payloads.envelope(callback_type, event_id, wire(when) or "", callback_id)
    body["delivery_attempt"] = str(attempt)
    if callback_type in LIST_TYPES:
        assert subscription_list is not None, "list callbacks need a list"
        body["subscription_list"] = views.subscription_list(subscription_list)
    elif callback_type in PERSON_TYPES:
        body["person"] = views.person(person, version)
    elif callback_type in SUBSCRIPTION_TYPES:
        assert subscription is not None, "subscription callbacks need a subscription"
        body["subscription"] = callback_payloads.subscription(subscription, person, version, opt_out_form)
    else:
        assert participant is not None and campaign is not None, "participant callbacks need both"
        body.update(callback_payloads.participant(participant, person, campaign, version))
    return body


def registration(reg: Registration) -> dict[str, Any]:
    """A registration resource, rendered as GET .../config/callbacks/{id} does."""
    return render(reg)


def _occurred(callback_type: str, person: Person, sub: Subscription | None, part: Participant | None) -> str:
    if callback_type in PERSON_TYPES or callback_type in LIST_TYPES:
        return person.created_at if callback_type == "person_added" else person.updated_at
    if sub is not None:
        return sub.opt_out_date or sub.opt_in_date
    assert part is not None
    return part.participation_date if callback_type.endswith("_added") else part.updated_at
