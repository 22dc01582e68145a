"""Wire shapes: records rendered the way the Catapult API (and its callbacks) show them.

Resource URLs are relative (fact sheet §1.1: clients follow them rather than build paths).
MDNs follow the API version of the request, or of the callback registration (fact sheet §1.3).
Absent optional fields are left out rather than sent as ``null`` (docs/fidelity.md).
A person's ``carrier_code`` is the one the CRM sent, else the company's carrier lookup's
(core/carriers.py); ``carriers`` defaults to no lookup.
"""

from __future__ import annotations

from typing import Any

from catapult_sim.core import mdn as mdns
from catapult_sim.core.carriers import OFF, CarrierLookup
from catapult_sim.core.clock import wire
from catapult_sim.core.models import Campaign, Participant, Person, Subscription, SubscriptionList


def company_path(company: str) -> str:
    return f"/companies/{company}"


def person_url(company: str, person_key: str) -> str:
    return f"/companies/{company}/mobiledb/persons/{person_key}"


def list_url(company: str, list_id: str) -> str:
    return f"/companies/{company}/mobiledb/subscription_lists/{list_id}"


def subscription_url(company: str, person_key: str, list_id: str) -> str:
    return f"{person_url(company, person_key)}/subscriptions/{list_id}"


def campaign_url(company: str, acquisition_id: str) -> str:
    return f"/companies/{company}/campaigns/acquisition/{acquisition_id}"


def render_mdn(e164: str, version: int, callback: bool) -> str:
    """An API answer raises CountryNotSupported under version 1; a callback body never does."""
    return mdns.render_callback(e164, version) if callback else mdns.render(e164, version)


def mobile_phone(
    p: Person, version: int, *, callback: bool = False, carriers: CarrierLookup = OFF
) -> dict[str, Any] | None:
    """``{mdn, carrier_code}``: the carrier the CRM sent, else the looked-up one (fact sheet §2.2)."""
    carrier = carriers.reported(p)
    if p.mdn is None and carrier is None:
        return None
    phone: dict[str, Any] = {}
    if p.mdn is not None:
        phone["mdn"] = render_mdn(p.mdn, version, callback)
    if carrier is not None:
        phone["carrier_code"] = carrier
    return phone


def person(p: Person, version: int, *, callback: bool = False, carriers: CarrierLookup = OFF) -> dict[str, Any]:
    """The person resource (OAS personResponse, plus the fields the doc examples show)."""
    body: dict[str, Any] = {"person_key": p.person_key, "person_id": str(p.person_id)}
    if p.external_person_id is not None:
        body["external_person_id"] = p.external_person_id
    phone = mobile_phone(p, version, callback=callback, carriers=carriers)
    if phone is not None:
        body["mobile_phone"] = phone
    body["custom_fields"] = dict(p.custom_fields)
    if p.timezone is not None:
        body["timezone"] = p.timezone
        body["timezone_source"] = p.timezone_source or "api"
    body["created_at"] = wire(p.created_at)
    body["updated_at"] = wire(p.updated_at)
    body["url"] = person_url(p.company, p.person_key)
    return body


def person_ref(p: Person, version: int, *, with_phone: bool = True, callback: bool = False) -> dict[str, Any]:
    """The short person block inside subscriptions and callbacks (fact sheet §3.3, §7.3)."""
    ref: dict[str, Any] = {"id": p.person_key, "person_key": p.person_key}
    if p.external_person_id is not None:
        # Both names carry the same value in the documented subscription callbacks (fact sheet §7.3).
        ref["external_id"] = p.external_person_id
        ref["external_person_id"] = p.external_person_id
    ref["url"] = person_url(p.company, p.person_key)
    if with_phone and p.mdn is not None:
        ref["mobile_phone"] = {"mdn": render_mdn(p.mdn, version, callback)}
    return ref


def subscription(s: Subscription, p: Person, version: int) -> dict[str, Any]:
    """A subscription record (fact sheet §3.3); opt-out fields only on ended ones."""
    body: dict[str, Any] = {
        "person": person_ref(p, version, with_phone=False),
        "subscription_list": {"id": s.list_id, "url": list_url(s.company, s.list_id)},
        "opt_in_date": wire(s.opt_in_date),
    }
    if s.opt_out_date is not None:
        body["opt_out_date"] = wire(s.opt_out_date)
        body["opt_out_reason"] = s.opt_out_reason
    body["url"] = subscription_url(s.company, s.person_key, s.list_id)
    return body


def subscription_list(sl: SubscriptionList) -> dict[str, Any]:
    return {"id": sl.id, "name": sl.name, **list_links(sl.company, sl.id)}


def list_links(company: str, list_id: str) -> dict[str, str]:
    """A subscription list's own url and those of its subscribers and campaigns."""
    url = list_url(company, list_id)
    return {
        "url": url,
        "subscribers_url": f"{url}/subscribers",
        "acquisition_campaigns_url": f"{url}/acquisition_campaigns",
    }


def campaign(c: Campaign) -> dict[str, Any]:
    """An acquisition campaign (fact sheet §5.2)."""
    body: dict[str, Any] = {
        "acquisition_id": c.acquisition_id,
        "description": c.description,
        "campaign_type": {"code": "ACQUISITION"},
        "status": c.status,
    }
    if c.start_date is not None:
        body["start_date"] = wire(c.start_date)
    if c.end_date is not None:
        body["end_date"] = wire(c.end_date)
    body["created_date"] = wire(c.created_date)
    body["updated_date"] = wire(c.updated_date)
    body["acquisition_campaign"] = {"keywords": list(c.keywords)}
    body["url"] = campaign_url(c.company, c.acquisition_id)
    return body


def participant(part: Participant, p: Person, *, status: str | None = None) -> dict[str, Any]:
    """A participant (OAS addParticipantResponse / acquisitionParticipantResponse)."""
    who: dict[str, Any] = {"person_id": str(p.person_id), "person_key": p.person_key}
    if p.external_person_id is not None:
        who["external_person_id"] = p.external_person_id
    who["url"] = person_url(p.company, p.person_key)
    return {
        "person": who,
        "participation_date": wire(part.participation_date),
        "expire_date": wire(part.expire_date),
        "status": status or part.status,
    }
