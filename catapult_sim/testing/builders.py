"""One builder per payload type: a :class:`~catapult_sim.testing.factories.PayloadFactory` → a payload."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from catapult_sim.core import mdn as mdns
from catapult_sim.core import views
from catapult_sim.core.callbacks.registrations import Registration
from catapult_sim.core.clock import stamp
from catapult_sim.core.models import SubscriptionList
from catapult_sim.testing import payloads
from catapult_sim.testing.payloads import CALLBACK_TYPES, OPTIONS, SELECTOR_KEY

if TYPE_CHECKING:
    from catapult_sim.testing.factories import PayloadFactory

Builder = Callable[["PayloadFactory"], dict[str, Any]]
HOOK = "https://crm.example.com/hooks/vibes"
# Problems as the simulator words them (docs/errors.md): (code, message).
PROBLEMS = (
    (1, "mobile_phone.mdn or external_person_id is required"),
    (3, "nickname is not a known field"),
    (20, "no person with person_key 'ABC123'"),
    (30, "the MDN belongs to another person"),
    (40, "mobile_phone.mdn: invalid MDN format '555': expected E.164 such as +12135551234"),
    (41, "CountryNotSupported: this person's MDN has a country code other than +1; use X-API-Version: 2"),
    (50, "MDNHASCONFIRMATIONBLOCK: this MDN declined this campaign"),
)


def _type(f: PayloadFactory, among: tuple[str, ...] = CALLBACK_TYPES) -> str:
    return str(f.knobs.get("callback_type") or f.pick(among))


def _request_fields(f: PayloadFactory) -> dict[str, Any]:
    """Custom fields as a client writes them: option keys for selects, yyyy-mm-dd for dates."""
    stored = f.custom_fields()
    out: dict[str, Any] = {k: v for k, v in stored.items() if isinstance(v, str)}
    out["birthdate"] = stored["birthdate"][:10]
    out["gender"] = stored["gender"]["option_key"]
    out["loyalty_tier"] = stored["loyalty_tier"]["option_key"]
    out["favorite_stores"] = [o["option_key"] for o in stored["favorite_stores"]]
    return out


def person_request(f: PayloadFactory) -> dict[str, Any]:
    ext = f.external_id()
    body: dict[str, Any] = {} if ext is None else {"external_person_id": ext}
    body["mobile_phone"] = {"mdn": mdns.render(f.e164(), f.version)}
    body["custom_fields"] = _request_fields(f)
    return body


def participant_request(f: PayloadFactory) -> dict[str, Any]:
    body = person_request(f)
    body["custom_fields"] = {k: body["custom_fields"][k] for k in ("first_name", "last_name")}
    return body


def person_response(f: PayloadFactory) -> dict[str, Any]:
    return views.person(f.person(), f.version)


def subscription(f: PayloadFactory) -> dict[str, Any]:
    person = f.person()
    ended = "opt_out_reason" in f.knobs or f.rng.random() < 0.5
    return views.subscription(f.subscription(person, ended=ended), person, f.version)


def subscription_list(f: PayloadFactory) -> dict[str, Any]:
    list_id = str(f.knobs.get("list_id") or 1000 + f.serial)
    return views.subscription_list(SubscriptionList(f.company, list_id, f.pick(f.phrases), False))


def acquisition_campaign(f: PayloadFactory) -> dict[str, Any]:
    return views.campaign(f.campaign())


def participant_response(f: PayloadFactory) -> dict[str, Any]:
    person = f.person()
    part = f.participant(person, f.campaign(), payloads.ADDED_STATUSES + payloads.CHANGED_STATUSES)
    return views.participant(part, person)


def registration_record(f: PayloadFactory, callback_type: str) -> Registration:
    """A stored registration of ``callback_type``; its selector follows the knobs."""
    key = SELECTOR_KEY.get(callback_type)
    value = None
    if key is not None:
        value = str(f.knobs.get("list_id", "1001") if key == "list_id" else f.knobs.get("acquisition_id", "DemoDOI1"))
    created = stamp(f.when())
    return Registration(
        f.company, f.token(8, string.ascii_letters + string.digits), callback_type,
        {key: value} if key else None, value, HOOK, "POST", "application/json",
        created, None, f.version, created, created, False,
    )  # fmt: skip


def registration_request(f: PayloadFactory) -> dict[str, Any]:
    reg = registration_record(f, _type(f))
    body: dict[str, Any] = {"callback_type": reg.callback_type}
    if reg.selector is not None:
        body[reg.callback_type] = reg.selector
    body["destination"] = {"url": HOOK, "method": "POST", "content_type": "application/json"}
    return body


def registration(f: PayloadFactory) -> dict[str, Any]:
    return payloads.registration(registration_record(f, _type(f)))


def test_request(f: PayloadFactory) -> dict[str, Any]:
    kind = _type(f)
    body: dict[str, Any] = {"callback_type": kind}
    if kind in payloads.SUBSCRIPTION_TYPES:
        body["subscription"] = {"subscription_list": {"id": str(f.knobs.get("list_id", "1001"))}}
    elif kind in payloads.PARTICIPANT_TYPES:
        body["participant"] = {"acquisition_campaign": {"api_key": str(f.knobs.get("acquisition_id", "DemoDOI1"))}}
    elif kind in payloads.LIST_TYPES:
        body["subscription_list"] = {"id": str(f.knobs.get("list_id", "1001"))}
    return body


def test_response(f: PayloadFactory) -> dict[str, Any]:
    return {"message": f"test {_type(f)} callback queued", "event_id": f.token(12)}


def error_envelope(f: PayloadFactory) -> dict[str, Any]:
    picked = f.rng.sample(PROBLEMS, f.rng.randrange(1, 3))
    return {"errors": [{"code": code, "message": message} for code, message in picked]}


def event_request(f: PayloadFactory) -> dict[str, Any]:
    number = f.below(10**6)
    data = {"external_person_id": f.external_id() or "CRM-000001", "order_number": str(number)}
    return {"event_id": f"ORDER-{number}-SHIPPED", "event_type": "order_shipped", "event_data": data}


def event_response(f: PayloadFactory) -> dict[str, Any]:
    return {"event_id": f"ORDER-{f.below(10**6)}-SHIPPED"}


def callback(callback_type: str) -> Builder:
    def build(f: PayloadFactory) -> dict[str, Any]:
        person = f.person()
        extra: dict[str, Any] = {}
        if callback_type in payloads.LIST_TYPES:
            extra["subscription_list"] = SubscriptionList(
                f.company, str(f.knobs.get("list_id", "1001")), f.pick(f.phrases), False
            )
        elif callback_type in payloads.SUBSCRIPTION_TYPES:
            extra["subscription"] = f.subscription(person, ended=callback_type == "subscription_removed")
        elif callback_type in payloads.PARTICIPANT_TYPES:
            added = callback_type.endswith("_added")
            campaign = f.campaign()
            statuses = payloads.ADDED_STATUSES if added else payloads.CHANGED_STATUSES
            extra = {"campaign": campaign, "participant": f.participant(person, campaign, statuses)}
        return payloads.callback_body(
            callback_type, person, f.version, event_id=f.token(12),
            callback_id=f.token(8, string.ascii_letters + string.digits),
            opt_out_form=str(f.knobs.get("opt_out_date_form", "z")), **extra,
        )  # fmt: skip

    return build


BUILDERS: dict[str, Builder] = {
    "person-request": person_request,
    "person-response": person_response,
    "subscription": subscription,
    "subscription-list": subscription_list,
    "acquisition-campaign": acquisition_campaign,
    "participant-request": participant_request,
    "participant-response": participant_response,
    "callback-registration-request": registration_request,
    "callback-registration": registration,
    "test-callback-request": test_request,
    "test-callback-response": test_response,
    "error-envelope": error_envelope,
    "event-request": event_request,
    "event-response": event_response,
    **{t: callback(t) for t in CALLBACK_TYPES},
}
assert set(BUILDERS) == set(payloads.PAYLOAD_TYPES), "one builder per payload type"
assert OPTIONS  # the demo custom fields are known
