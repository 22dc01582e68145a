"""The bodies the fixed checks send, and the changes each check makes to them.

Base bodies come from the seeded Faker factory (:class:`catapult_sim.testing.factories.PayloadFactory`,
``en_US``: plain ASCII names), so a check changes one thing at a time. Every request gets a fresh
``event_id``: only ``duplicate_event_id`` ever repeats one.
"""

from __future__ import annotations

import copy
import random
import string
from collections.abc import Iterator
from typing import Any

from catapult_sim.testing.factories import PayloadFactory

_EVENT_ID = string.ascii_uppercase + string.digits
_fresh = random.SystemRandom()

# Fictional numbers (555-01XX is reserved for fiction in the NANP; 07700 900XXX by Ofcom).
NATIONAL = "2135550143"
E164_US = "+12135550143"
E164_ABROAD = "+447700900143"
# (label, first name, last name, external id, campaign description)
UNICODE_SAMPLES = (
    ("accents", "Zoë", "Nguyễn-Müller", "CRM-Åsa-Øberg", "Promociones de verano, señora"),
    ("emoji", "Zoë 🎉", "O'Brien 👩‍💻", "CRM-🎉-0042", "Ofertas ✨🛍️"),
    ("CJK", "陈伟", "山田太郎", "CRM-東京-0042", "東京店のお知らせ"),
    (
        "RTL and combining marks",
        "محمد",
        "Jose\u0301 Nin\u0303o",
        "CRM-שלום-7",
        "Ofertas en espan\u0303ol",
    ),
)
# The types whose bodies carry the most text (names, then a campaign description) come first.
TEXT_RICH = ("person_added", "person_updated", "ack_participant_added", "ack_participant_changed",
             "subscription_added", "subscription_removed")  # fmt: skip
UNKNOWN_TOP = {"future_field": {"added_in": "a later API version", "values": [1, 2.5, True, None, "x"]}}
UNKNOWN_NESTED = ("future_field", "ignored by receivers")


def event_id() -> str:
    """A fresh event id in the simulator's form: 12 uppercase letters and digits."""
    return "".join(_fresh.choices(_EVENT_ID, k=12))


def fresh(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``body`` with a new ``event_id``."""
    out = copy.deepcopy(body)
    out["event_id"] = event_id()
    return out


class Bodies:
    """Seeded base bodies of the chosen callback types, one API version each factory."""

    def __init__(self, seed: int, types: tuple[str, ...]) -> None:
        self.seed, self.types = seed, types
        self._factories: dict[int, PayloadFactory] = {}

    def one(self, callback_type: str, version: int) -> dict[str, Any]:
        factory = self._factories.get(version)
        if factory is None:
            factory = self._factories[version] = PayloadFactory(f"{self.seed}:receiver-suite", api_version=version)
        return fresh(factory.one(callback_type))

    def cycle(self, version: int, count: int) -> Iterator[dict[str, Any]]:
        """``count`` bodies, going round the chosen types."""
        for i in range(count):
            yield self.one(self.types[i % len(self.types)], version)


# -- changes -----------------------------------------------------------------------------------


def person_blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The person objects of a callback body: ``person``, ``subscription.person``, ``participant.person``."""
    found = [body.get("person")]
    found += [block.get("person") for block in (body.get("subscription"), body.get("participant"))
              if isinstance(block, dict)]  # fmt: skip
    return [p for p in found if isinstance(p, dict)]


def with_mdn(body: dict[str, Any], mdn: str) -> dict[str, Any]:
    """Every person in ``body`` with this phone number (added where a person had none)."""
    out = copy.deepcopy(body)
    for person in person_blocks(out):
        phone = person.get("mobile_phone")
        person["mobile_phone"] = {**phone, "mdn": mdn} if isinstance(phone, dict) else {"mdn": mdn}
    return out


def with_unknown_fields(body: dict[str, Any], *, nested: bool) -> dict[str, Any]:
    """``body`` with a field no version of the API has: at the top level, or in every nested object
    (custom fields and select options included)."""
    out = copy.deepcopy(body)
    if not nested:
        out.update(copy.deepcopy(UNKNOWN_TOP))
        return out
    for obj in _objects(out):
        if obj is not out:
            obj[UNKNOWN_NESTED[0]] = UNKNOWN_NESTED[1]
    return out


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in list(value.values()):
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def with_unicode(body: dict[str, Any], sample: tuple[str, str, str, str, str]) -> dict[str, Any]:
    """``body`` with non-ASCII names, external ids and campaign description where it has them."""
    _, first, last, external, description = sample
    out = copy.deepcopy(body)
    for person in person_blocks(out):
        for key in [k for k in ("external_person_id", "external_id") if k in person] or ["external_person_id"]:
            person[key] = external
        fields = person.get("custom_fields")
        if isinstance(fields, dict):
            fields.update(first_name=first, last_name=last)
    campaign = (out.get("participant") or {}).get("acquisition_campaign")
    if isinstance(campaign, dict):
        campaign["description"] = description
    return out


# -- date forms and optional fields ------------------------------------------------------------

# opt_out_date as the simulator writes it by default, as the data-sync page writes it (+0000), and
# with milliseconds as the current Subscription object shows it (fact sheet §3.3, docs/fidelity.md).
OPT_OUT_DATE_FORMS = (("Z", "2024-02-18T15:34:52Z"), ("+0000", "2024-02-18T15:34:52+0000"),
                      (".000Z", "2024-02-18T15:34:52.000Z"))  # fmt: skip
# Fields a body may lack: left out when they have no value (docs/fidelity.md "Absent fields").
OPTIONAL_PERSON = ("external_id", "external_person_id", "timezone", "timezone_source")
OPTIONAL_BLOCKS = ("acquisition_campaign",)


def with_opt_out_date(body: dict[str, Any], value: str) -> dict[str, Any]:
    """A subscription_removed body with ``opt_out_date`` written as ``value``."""
    out = copy.deepcopy(body)
    out["subscription"]["opt_out_date"] = value
    return out


def without_optional(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with every optional field left out: no external id or timezone, a person (in person
    callbacks) with no phone, a subscription through no campaign. Subscribers and participants keep
    their phone: signing up needs one."""
    out = copy.deepcopy(body)
    for person in person_blocks(out):
        for key in OPTIONAL_PERSON:
            person.pop(key, None)
    if isinstance(out.get("person"), dict):  # a person may have no phone; a subscriber or participant has one
        out["person"].pop("mobile_phone", None)
    sub = out.get("subscription")
    if isinstance(sub, dict):
        for key in OPTIONAL_BLOCKS:
            sub.pop(key, None)
    return out


def with_all_optional(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with every optional field filled in (a person with external ids, phone and carrier,
    timezone; a subscription that came through a campaign)."""
    out = copy.deepcopy(body)
    for person in person_blocks(out):
        person.setdefault("external_person_id", "CRM-000143")
        if "external_person_id" in person and "person_key" in person and "custom_fields" not in person:
            person.setdefault("external_id", person["external_person_id"])  # the short person block
        phone = person.setdefault("mobile_phone", {"mdn": E164_US})
        if "custom_fields" in person:  # the full person resource carries carrier and timezone
            phone.setdefault("carrier_code", "104")
            person.setdefault("timezone", "US/Central")
            person.setdefault("timezone_source", "api")
    sub = out.get("subscription")
    if isinstance(sub, dict):
        company = str(sub.get("url", "/companies/demo/")).split("/")[2]
        sub.setdefault(
            "acquisition_campaign", {"id": "DemoSOI1", "url": f"/companies/{company}/campaigns/acquisition/DemoSOI1"}
        )
    return out
