"""Callback bodies: what a CRM receives for each callback type (fact sheet §7; schemas callback-<type>).

Every body starts with the common envelope (§7.1): ``event_id``, ``callback_type``, the deprecated
``event_type``, ``event_date``, and from the older documented form ``callback_id`` and
``delivery_attempt`` (a string, "1", "2", ...). MDNs follow the API version the registration was
created or last updated with (§1.3 [P-subcb] [P-personcb]); resource URLs are relative (§1.1).
"""

from __future__ import annotations

import copy
from typing import Any

from catapult_sim.core import mdn, views
from catapult_sim.core.carriers import OFF, CarrierLookup
from catapult_sim.core.clock import wire
from catapult_sim.core.models import Campaign, Participant, Person, Subscription, SubscriptionList, campaign_source
from catapult_sim.core.store import DomainEvent

# The stored body always says attempt "1"; the sender rewrites this (first) occurrence per attempt.
FIRST_ATTEMPT = '"delivery_attempt":"1"'
# How opt_out_date is written in subscription callbacks (docs/fidelity.md): "z" as every other time
# ("2017-02-18T15:34:52Z", the Subscription object of the current pages, fact sheet §3.3) or "offset"
# as the data-sync page's subscription_removed body shows it ("2017-02-18T15:34:52+0000" [W-sync]).
OPT_OUT_DATE_FORMS = ("z", "offset")
LIST_TYPES = ("subscription_list_added", "subscription_list_updated")


def envelope(callback_type: str, event_id: str, event_date: str, callback_id: str) -> dict[str, Any]:
    """The fields every callback body starts with; ``event_date`` is already in wire form."""
    return {
        "event_id": event_id,
        "callback_type": callback_type,
        "event_type": callback_type,
        "event_date": event_date,
        "callback_id": callback_id,
        "delivery_attempt": "1",
    }


def for_attempt(stored: str, attempt: int) -> str:
    """A stored body with ``delivery_attempt`` set to ``attempt`` (the envelope precedes the data)."""
    return stored.replace(FIRST_ATTEMPT, f'"delivery_attempt":"{attempt}"', 1)


def event_data(
    event: DomainEvent, version: int, opt_out_form: str = "z", carriers: CarrierLookup = OFF
) -> dict[str, Any]:
    """The type-specific part of a callback built from a domain event; ``carriers``: the company's
    carrier lookup, for the person resource of person callbacks (the only bodies with a carrier)."""
    if event.type in LIST_TYPES:  # §7.6: the list resource
        return {"subscription_list": views.subscription_list(SubscriptionList(**event.data["subscription_list"]))}
    person = Person(**event.data["person"])
    if event.type in ("person_added", "person_updated"):  # §7.2: the full person resource
        return {"person": views.person(person, version, callback=True, carriers=carriers)}
    if event.type in ("subscription_added", "subscription_removed"):
        sub = Subscription(**event.data["subscription"])
        return {"subscription": subscription(sub, person, version, opt_out_form)}
    campaign = Campaign(**event.data["campaign"])
    part = Participant(**event.data["participant"])
    return participant(part, person, campaign, version)


def subscription(sub: Subscription, person: Person, version: int, opt_out_form: str = "z") -> dict[str, Any]:
    """§7.3-7.4: the person block (with phone), the list, the dates; opt-out fields when removed;
    the campaign the subscription came through, if any, and the subscription's own url.

    Both bodies of the data-sync page carry ``acquisition_campaign`` {id, url} and ``url`` inside
    ``subscription`` [W-sync]; a subscription that came through no campaign (seeded, or opted in on
    the platform side) has no campaign to name, so the block is left out (docs/fidelity.md).
    """
    body: dict[str, Any] = {
        "person": views.person_ref(person, version, callback=True),
        "subscription_list": {"id": sub.list_id, "url": views.list_url(sub.company, sub.list_id)},
        "opt_in_date": wire(sub.opt_in_date),
    }
    if sub.opt_out_date is not None:
        body["opt_out_date"] = opt_out_date(sub.opt_out_date, opt_out_form)
        body["opt_out_reason"] = sub.opt_out_reason
    campaign_id = sub.campaign
    if campaign_id is not None:
        body["acquisition_campaign"] = {"id": campaign_id, "url": views.campaign_url(sub.company, campaign_id)}
    body["url"] = views.subscription_url(sub.company, sub.person_key, sub.list_id)
    return body


def opt_out_date(stored: str, form: str) -> str:
    """``opt_out_date`` in the chosen form (OPT_OUT_DATE_FORMS)."""
    text = str(wire(stored))
    return text[:-1] + "+0000" if form == "offset" and text.endswith("Z") else text


def participant(part: Participant, person: Person, campaign: Campaign, version: int) -> dict[str, Any]:
    """§7.5: the participant block and the campaign's list at the top level."""
    acq: dict[str, Any] = {"id": campaign.acquisition_id, "description": campaign.description}
    if campaign.keywords:
        acq["keyword"] = campaign.keywords[0]
    acq["url"] = views.campaign_url(campaign.company, campaign.acquisition_id)
    return {
        "participant": {
            "person": views.person_ref(person, version, callback=True),
            "acquisition_campaign": acq,
            "participation_date": wire(part.participation_date),
            "expire_date": wire(part.expire_date),
            "status": part.status,
        },
        "subscription_list": {
            "id": campaign.list_id,
            "url": views.list_url(campaign.company, campaign.list_id),
        },
    }


# -- test events (fact sheet §6.3 [P-test]) ---------------------------------------------------------

SAMPLE_LIST = "sample-list"
SAMPLE_CAMPAIGN = "SampleCampaign"


def sample(
    callback_type: str,
    company: str,
    now: str,
    version: int,
    person_key: str,
    selector_id: str | None,
    opt_out_form: str = "z",
    carriers: CarrierLookup = OFF,
) -> dict[str, Any]:
    """A sample body for a test event: made-up data that never touches the company's records.

    ``selector_id`` is the registration's list (subscription types) or campaign (participant types).
    """
    if callback_type in LIST_TYPES:
        return {
            "subscription_list": views.subscription_list(SubscriptionList(company, SAMPLE_LIST, "Sample list", False))
        }
    person = Person(company, person_key, 999999, "sample-external-id", "+12135550100", None, {}, None, None, now, now)
    if callback_type in ("person_added", "person_updated"):
        return {"person": views.person(person, version, callback=True, carriers=carriers)}
    if callback_type in ("subscription_added", "subscription_removed"):
        reason = "user_opt_out" if callback_type == "subscription_removed" else None
        list_id = selector_id or SAMPLE_LIST
        source = campaign_source(SAMPLE_CAMPAIGN)  # a sample shows every field of the documented bodies
        sub = Subscription(0, company, person_key, list_id, now, now if reason else None, reason, source)
        return {"subscription": subscription(sub, person, version, opt_out_form)}
    campaign = Campaign(
        company, selector_id or SAMPLE_CAMPAIGN, "Sample acquisition campaign", "active", SAMPLE_LIST,
        True, ["SAMPLE"], None, None, now, now, 24,
    )  # fmt: skip
    status = "PENDING" if callback_type.endswith("_added") else "CONFIRMED"
    part = Participant(0, company, campaign.acquisition_id, person_key, now, now, status, now)
    return participant(part, person, campaign, version)


def apply_overrides(
    body: dict[str, Any], company: str, overrides: dict[str, Any], carriers: CarrierLookup = OFF
) -> dict[str, Any]:
    """Merge the caller's test data into a sample body, mapping the documented request names; a
    number given without a carrier shows the company's lookup's code for that number."""
    out = copy.deepcopy(body)
    if isinstance(overrides.get("person"), dict) and "person" in out:
        person = dict(overrides["person"])
        if isinstance(person.get("mobile"), dict):  # the OAS test request says "mobile" [OAS]
            person.setdefault("mobile_phone", person.pop("mobile"))
        _merge(out["person"], person)
        _carrier_for_number(out["person"], person.get("mobile_phone"), carriers)
    if isinstance(overrides.get("subscription"), dict) and "subscription" in out:
        _merge(out["subscription"], overrides["subscription"])
        _relink(out["subscription"]["subscription_list"], views.list_url(company, "{}"))
    if isinstance(overrides.get("subscription_list"), dict) and "participant" not in out and "subscription_list" in out:
        _merge(out["subscription_list"], overrides["subscription_list"])  # [OAS testcallbackRequest-SubList]
        _relink_list(out["subscription_list"], company)
    if isinstance(overrides.get("participant"), dict) and "participant" in out:
        _participant_overrides(out, company, dict(overrides["participant"]))
    return out


def _carrier_for_number(shown: dict[str, Any], given: Any, carriers: CarrierLookup) -> None:
    """A test person's number given without a carrier: the carrier is looked up for that number."""
    phone = shown.get("mobile_phone")
    if not isinstance(given, dict) or "carrier_code" in given or not isinstance(phone, dict):
        return
    raw = given.get("mdn")
    try:
        code = carriers.code(mdn.parse_any(raw)) if isinstance(raw, str) else None
    except mdn.MdnError:
        code = None  # dummy data that is no number: no carrier either
    if code is None:
        phone.pop("carrier_code", None)
    else:
        phone["carrier_code"] = code


def _participant_overrides(out: dict[str, Any], company: str, part: dict[str, Any]) -> None:
    acq = dict(part.pop("acquisition_campaign", None) or {})
    if "api_key" in acq:  # the campaign's acquisition id travels as api_key [P-test]
        acq["id"] = acq.pop("api_key")
    if isinstance(part.get("subscription_list"), dict):
        _merge(out["subscription_list"], part.pop("subscription_list"))
        _relink(out["subscription_list"], views.list_url(company, "{}"))
    who = out["participant"]["person"]
    if isinstance(part.get("mobile_phone"), dict):
        _merge(who.setdefault("mobile_phone", {}), part.pop("mobile_phone"))
    if "id" in part:
        who["id"] = part.pop("id")
    _merge(out["participant"]["acquisition_campaign"], acq)
    _relink(out["participant"]["acquisition_campaign"], views.campaign_url(company, "{}"))
    _merge(out["participant"], part)


def mdns_for_version(body: dict[str, Any], version: int) -> dict[str, Any]:
    """Every ``mdn`` of a test body in the registration's form (§1.3): the caller may send either
    form as dummy data; a value that is no number at all is left as given."""
    for key, value in body.items():
        if key == "mdn" and isinstance(value, str):
            body[key] = _callback_mdn(value, version)
        elif isinstance(value, dict):
            mdns_for_version(value, version)
    return body


def _callback_mdn(raw: str, version: int) -> str:
    try:
        e164 = mdn.parse_any(raw)
    except mdn.MdnError:
        return raw
    return mdn.render_callback(e164, version)


def _relink_list(block: dict[str, Any], company: str) -> None:
    block.update(views.list_links(company, str(block.get("id"))))


def _relink(block: dict[str, Any], template: str) -> None:
    """Point a block's relative url at its (possibly overridden) id."""
    block["url"] = template.replace("{}", str(block.get("id")))


def _merge(target: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
