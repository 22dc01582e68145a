"""Test callback events (fact sheet §6.3 [P-test]) and the register-everything shortcut.

A test event sends a sample callback, with the caller's overrides, through every active
registration of its type; it never touches the company's persons or subscriptions.
"""

from __future__ import annotations

from typing import Any

from catapult_sim.core import repo
from catapult_sim.core.callbacks import payloads, specs
from catapult_sim.core.callbacks.outbox import Outbox
from catapult_sim.core.callbacks.registrations import Registration, Registrations
from catapult_sim.core.clock import Clock, stamp, wire
from catapult_sim.core.ids import Ids
from catapult_sim.core.store import Store
from catapult_sim.errors import BadRequest, Code, Conflict, NotFound, Problem, Unprocessable

# The request shapes of the OAS: per family (testcallbackRequest-Ack/-Person/-Sub/-SubList: data
# objects) and the generic testcallbackRequest (selector objects keyed by type) [OAS] [P-test].
DATA_FIELDS = ("person", "subscription", "participant", "subscription_list")
SELECTOR_FIELDS = ("acquisition_campaign_changed", "event_processed", "device_added", "subscription_added",
                   "subscription_removed", "unmatched_message_received", "wallet_item_install")  # fmt: skip
TEST_FIELDS = frozenset({"callback_type", "event_type", *DATA_FIELDS, *SELECTOR_FIELDS})
# The shortcut leaves out company_participant_*: they carry the same bodies as ack_participant_*
# for the same events, so a receiver registered for both would get every participant event twice.
SHORTCUT_TYPES = tuple(t for t in specs.CALLBACK_TYPES if not t.startswith("company_"))


class CallbackEvents:
    """Test events and shortcut registrations over the registrations and the outbox."""

    def __init__(self, store: Store, clock: Clock, ids: Ids, registrations: Registrations, outbox: Outbox):
        self.store = store
        self.clock = clock
        self.ids = ids
        self.registrations = registrations
        self.outbox = outbox

    def test_event(self, company: str, body: Any, version: int) -> dict[str, Any]:
        """Queue a sample callback to every matching active registration; 404 when there is none."""
        type_, overrides = _test_request(body)
        if type_ not in specs.CALLBACK_TYPES:  # a type the simulator never registers [P-test]
            raise NotFound(f"no active callback registration of type {type_}")
        wanted = _wanted_selector(type_, overrides)
        now = stamp(self.clock.now())
        with self.store.transaction() as tx:
            regs = [
                r
                for r in self.registrations.active(tx, company, (type_,), now)
                if wanted is None or r.selector_id == wanted
            ]
            if not regs:
                raise NotFound(f"no active callback registration of type {type_}")
            event_id = self.ids.event_id()
            person_key = self.ids.person_key()
            notices = []
            for reg in regs:
                data = payloads.sample(
                    type_, company, now, reg.api_version, person_key, reg.selector_id, self.outbox.opt_out_form,
                    self.outbox.carriers(company),
                )  # fmt: skip
                head = payloads.envelope(type_, event_id, str(wire(now)), reg.callback_id)
                data = payloads.apply_overrides(data, company, overrides, self.outbox.carriers(company))
                full = {**head, **payloads.mdns_for_version(data, reg.api_version)}
                notices.append(self.outbox.enqueue(tx, reg, type_, full, test=True))
            self.outbox.announce(tx, notices)
        message = f"test {type_} callback queued for {len(regs)} registration(s)"
        return {"message": message, "event_id": event_id}

    def register_all(
        self, company: str, url: str, *, types: tuple[str, ...] = SHORTCUT_TYPES, version: int = 2
    ) -> list[Registration]:
        """Register ``url`` for each type (one per list or campaign for selector types); registrations
        that already exist are left as they are, so this is safe to repeat (as at every start)."""
        made = []
        with self.store.transaction() as tx:
            if tx.one("SELECT 1 FROM companies WHERE key=?", (company,)) is None:
                raise ValueError(f"cannot register callbacks: company {company!r} does not exist")
            for type_ in types:
                for selector in self._selectors(tx, company, type_):
                    body = {"callback_type": type_, "destination": {"url": url}, **selector}
                    try:
                        made.append(self.registrations.create(tx, company, specs.parse(body), version))
                    except Conflict:
                        continue
        return made

    def _selectors(self, tx: Any, company: str, type_: str) -> list[dict[str, Any]]:
        key = specs.SELECTOR_KEYS.get(type_)
        if key == "list_id":
            return [{type_: {"list_id": sl.id}} for sl in repo.all_lists(tx, company) if not sl.archived]
        if key == "campaign_id":
            return [{type_: {"campaign_id": c.acquisition_id}} for c in repo.all_campaigns(tx, company)]
        return [{}]


def _test_request(body: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code=Code.MALFORMED_BODY)
    problems: list[Problem] = []
    type_ = specs.callback_type(body, problems, specs.TEST_TYPES)
    for key in sorted(set(body) - TEST_FIELDS):
        problems.append(Problem(Code.UNKNOWN_FIELD, f"{key} is not a known field"))
    for key in sorted(TEST_FIELDS - {"callback_type", "event_type"}):
        if body.get(key) is not None and not isinstance(body[key], dict):
            problems.append(Problem(Code.INVALID, f"{key} must be an object"))
    if problems:
        raise Unprocessable(problems=problems)
    assert type_ is not None
    return type_, {k: v for k, v in body.items() if k in TEST_FIELDS and isinstance(v, dict)}


def _wanted_selector(type_: str, overrides: dict[str, Any]) -> str | None:
    """The list (subscription types) or campaign (ack types) the test request names, if any: in the
    data object (``subscription.subscription_list.id``, ``participant.acquisition_campaign.api_key``)
    or in the generic request's selector (``subscription_added.list_id``,
    ``acquisition_campaign_changed.campaign_id``) [OAS testcallbackRequest]."""
    value: Any = None
    if type_.startswith("subscription_"):
        found = (overrides.get("subscription") or {}).get("subscription_list") or {}
        value = found.get("id") if isinstance(found, dict) else None
        value = value if value is not None else (overrides.get(type_) or {}).get("list_id")
    elif type_.startswith("ack_participant_"):
        found = (overrides.get("participant") or {}).get("acquisition_campaign") or {}
        value = found.get("api_key") if isinstance(found, dict) else None
        value = value if value is not None else (overrides.get("acquisition_campaign_changed") or {}).get("campaign_id")
    return None if value is None else str(value)
