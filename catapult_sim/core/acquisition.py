"""Acquisition campaigns and participants: mobile sign-up with single or double opt-in.

Sources: fact sheet §5 (P-acq, P-addpart, W-acqcb, W-webform, OAS). The lifecycle:
- add participant → double opt-in: PENDING and a confirmation SMS; single opt-in: SUBSCRIBED at once;
- reply Y → CONFIRMED and subscribed; reply N or a STOP word → REJECTED and a confirmation block;
- no reply before expire_date → expired, with no callback.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from catapult_sim.core import customfields, repo
from catapult_sim.core import mdn as mdns
from catapult_sim.core.clock import parse_iso, stamp
from catapult_sim.core.env import Env
from catapult_sim.core.models import Campaign, Participant, Person, campaign_source
from catapult_sim.core.persons import Patch, Persons
from catapult_sim.core.selector import select
from catapult_sim.core.store import Tx
from catapult_sim.core.subscriptions import Subscriptions
from catapult_sim.errors import BadRequest, Code, Conflict, NotFound, Problem, Unprocessable

PENDING, SUBSCRIBED, CONFIRMED, REJECTED, EXPIRED = (
    "PENDING",
    "SUBSCRIBED",
    "CONFIRMED",
    "REJECTED",
    "EXPIRED",
)
PARTICIPANT_ACTIONS = ("confirm", "decline", "expire")  # what the platform side does to a pending one
MAX_CAMPAIGNS = 50  # GET campaigns returns at most 50 records (W-acqmeth)


class Acquisition:
    def __init__(self, env: Env, persons: Persons, subs: Subscriptions) -> None:
        self.env = env
        self.persons = persons
        self.subs = subs

    # -- campaigns -----------------------------------------------------------------------------

    def status(self, c: Campaign) -> str:
        """The status as of the clock: dates move a campaign between scheduled, active and past."""
        if c.status != "active":
            return c.status
        now = self.env.now()
        if c.start_date and c.start_date > now:
            return "scheduled"
        if c.end_date and c.end_date < now:
            return "past"
        return c.status

    def with_status(self, c: Campaign) -> Campaign:
        c.status = self.status(c)
        return c

    def campaigns(self, tx: Tx, company: str) -> list[Campaign]:
        """Currently active campaigns, at most 50 (W-acqmeth); 404 when there are none (OAS)."""
        active = [c for c in map(self.with_status, repo.all_campaigns(tx, company)) if c.status == "active"]
        if not active:
            raise NotFound("no active acquisition campaigns")
        return active[:MAX_CAMPAIGNS]

    def campaign(self, tx: Tx, company: str, acquisition_id: str) -> Campaign:
        found = repo.get_campaign(tx, company, acquisition_id)
        if found is None:
            raise NotFound(f"acquisition campaign {acquisition_id!r} not found")
        return self.with_status(found)

    def campaigns_of_list(self, tx: Tx, company: str, list_id: str) -> list[Campaign]:
        """Active campaigns that feed a list (W-slmeth)."""
        self.subs.get_list(tx, company, list_id)
        all_ = map(self.with_status, repo.all_campaigns(tx, company))
        return [c for c in all_ if c.list_id == list_id and c.status == "active"]

    # -- participants --------------------------------------------------------------------------

    def add_participant(
        self, tx: Tx, company: str, acquisition_id: str, body: dict[str, Any], version: int
    ) -> tuple[int, Participant, Person]:
        """POST .../participants: returns (HTTP status, participant, person) (P-addpart, OAS)."""
        self.expire_due(tx, company)
        campaign = self.campaign(tx, company, acquisition_id)
        if campaign.status != "active":
            raise Unprocessable(
                f"acquisition campaign {acquisition_id!r} is {campaign.status}, not active",
                code=Code.CAMPAIGN_NOT_ACTIVE,
            )
        mdn = self._body_mdn(body, version)
        patch = Patch()
        if body.get("custom_fields") is not None:
            problems: list[Problem] = []
            defs = self.env.company(company).custom_fields
            patch.custom_fields = customfields.normalize(body["custom_fields"], defs, problems)
            if problems:  # unknown custom fields: 422 listing them (P-addpart)
                raise Unprocessable(problems=problems)
        person = self._resolve(tx, company, body, mdn)
        number = mdn or (person.mdn if person else None)
        if number is None:
            raise Unprocessable("the person has no mobile phone to confirm", code=Code.NO_MOBILE_PHONE)
        self._check_number(tx, company, campaign, number)
        if person is not None:
            if repo.active_subscription(tx, company, person.person_key, campaign.list_id):
                raise Conflict("the person is already subscribed to this list", code=Code.ALREADY_SUBSCRIBED)
            pending = self.pending_of(tx, campaign, person)
            if pending is not None:  # already pending: 200 with it (OAS, P-addpart-old)
                person = self.persons.update(tx, person, self._fill(patch, body, mdn))
                return 200, pending, person
            person = self.persons.update(tx, person, self._fill(patch, body, mdn))
        else:
            person = self.persons._create(tx, company, self._fill(patch, body, mdn))
        return 201, *self.enter(tx, campaign, person, "api")

    def enter(self, tx: Tx, campaign: Campaign, person: Person, source: str) -> tuple[Participant, Person]:
        """Put a person into a campaign: PENDING for double opt-in, SUBSCRIBED for single."""
        now = self.env.clock.now()
        when = stamp(now)
        expires = stamp(now + timedelta(hours=campaign.confirm_hours))
        status = PENDING if campaign.double_opt_in else SUBSCRIBED
        part = repo.insert_participant(
            tx, campaign.company, campaign.acquisition_id, person.person_key, when, expires, status
        )
        self._emit_part(tx, "ack_participant_added", campaign, part, person)
        if not campaign.double_opt_in:
            self.subs.subscribe(tx, person, campaign.list_id, source=campaign_source(campaign.acquisition_id))
        return part, person

    def pending_of(self, tx: Tx, campaign: Campaign, person: Person) -> Participant | None:
        now = self.env.now()
        for part in repo.participants_of(tx, campaign.company, campaign.acquisition_id, person.person_key):
            if part.status == PENDING and part.expire_date > now:
                return part
        return None

    def pending(self, tx: Tx, company: str, acquisition_id: str, person: Person | None) -> list[Participant]:
        """GET .../participants: the person's pending participations; empty when none (OAS)."""
        self.expire_due(tx, company)
        campaign = self.campaign(tx, company, acquisition_id)
        if person is None:
            return []
        found = self.pending_of(tx, campaign, person)
        return [found] if found else []

    def pending_of_person(self, tx: Tx, person: Person) -> list[Participant]:
        """Every pending participation of a person, newest first (what an SMS reply answers)."""
        self.expire_due(tx, person.company)
        return repo.pending_of_person(tx, person.company, person.person_key)

    def act(self, tx: Tx, company: str, acquisition_id: str, person: Person, action: str) -> Participant:
        """The platform side confirms, declines or expires a person's pending participation."""
        if action not in PARTICIPANT_ACTIONS:
            raise NotFound(f"unknown participant action {action!r}: use confirm, decline or expire")
        campaign = self.campaign(tx, company, acquisition_id)
        self.expire_due(tx, company)
        part = self.pending_of(tx, campaign, person)
        if part is None:
            raise BadRequest("this person has no pending participation in this campaign", code=Code.INVALID)
        if action == "confirm":
            return self.confirm(tx, part, person)
        return self.decline(tx, part, person) if action == "decline" else self.expire(tx, part)

    def confirm(self, tx: Tx, part: Participant, person: Person) -> Participant:
        """Reply Y: CONFIRMED, subscribed; ack_participant_changed then subscription_added (W-acqcb)."""
        campaign = self.campaign(tx, part.company, part.acquisition_id)
        part = repo.set_participant_status(tx, part, CONFIRMED, self.env.now())
        self._emit_part(tx, "ack_participant_changed", campaign, part, person)
        self.subs.subscribe(tx, person, campaign.list_id, source=campaign_source(campaign.acquisition_id))
        return part

    def decline(self, tx: Tx, part: Participant, person: Person) -> Participant:
        """Reply N or STOP: REJECTED, and the MDN is blocked from API adds to this campaign (P-addpart)."""
        campaign = self.campaign(tx, part.company, part.acquisition_id)
        part = repo.set_participant_status(tx, part, REJECTED, self.env.now())
        if person.mdn is not None:
            tx.run(
                "INSERT OR IGNORE INTO confirmation_blocks (company, acquisition_id, mdn) VALUES (?,?,?)",
                (part.company, part.acquisition_id, person.mdn),
            )
        self._emit_part(tx, "ack_participant_changed", campaign, part, person)
        return part

    def expire(self, tx: Tx, part: Participant) -> Participant:
        """No reply in time: the participation lapses; no callback is sent for it (W-acqcb)."""
        return repo.set_participant_status(tx, part, EXPIRED, self.env.now())

    def expire_due(self, tx: Tx, company: str | None = None) -> int:
        """Expire every pending participation whose expire_date the clock has passed.

        The rules call it themselves before they read pending participations, and the clock moves
        of :class:`~catapult_sim.core.mobiledb.MobileDB` call it for every company.
        """
        sql = "SELECT * FROM participants WHERE status='PENDING' AND expire_date<=?"
        params: tuple[str, ...] = (self.env.now(),)
        if company is not None:
            sql, params = sql + " AND company=?", (*params, company)
        rows = tx.all(sql, params)
        for row in rows:
            self.expire(tx, Participant.from_row(row))
        return len(rows)

    # -- helpers -------------------------------------------------------------------------------

    def _body_mdn(self, body: dict[str, Any], version: int) -> str | None:
        phone = body.get("mobile_phone") or {}
        raw = phone.get("mdn")
        if raw is None:
            return None
        try:
            return mdns.parse(raw, version)
        except mdns.MdnError as exc:  # 400: MDN not in a valid format (P-addpart)
            raise BadRequest(problems=[Problem(Code.INVALID_MDN, f"mobile_phone.mdn: {exc}")]) from None

    def _resolve(self, tx: Tx, company: str, body: dict[str, Any], mdn: str | None) -> Person | None:
        """Find the person the body names; every identifier given must name the same one."""
        ext = body.get("external_person_id")
        ids = {name: _text(body.get(name)) for name in ("person_key", "person_id", "external_person_id")}
        sel = select(tx, company, {**ids, "mdn": mdn})
        if not sel.given:
            raise Unprocessable(
                "one of mobile_phone.mdn, external_person_id, person_id or person_key is required",
                code=Code.REQUIRED,
            )
        for name in ("person_key", "person_id"):  # an unknown external id or MDN is a new person
            if name in sel.unknown:
                raise Unprocessable(f"no person with {name} {body[name]!r}", code=Code.NOT_FOUND)
        by_ext = sel.found.get("external_person_id")
        if sel.mismatch or (by_ext is not None and mdn is not None and by_ext.mdn not in (None, mdn)):
            raise Unprocessable(
                "EXTERNALPERSONIDMISMATCH: the external_person_id is already used by another person",
                code=Code.EXTERNAL_PERSON_ID_MISMATCH,
            )
        person = sel.person
        if person is not None and ext is not None and person.external_person_id not in (None, ext):
            raise Unprocessable(
                "EXTERNALPERSONIDMISMATCH: this person already has another external_person_id",
                code=Code.EXTERNAL_PERSON_ID_MISMATCH,
            )
        return person

    def _check_number(self, tx: Tx, company: str, campaign: Campaign, number: str) -> None:
        if number in self.env.company(company).landlines:
            raise Unprocessable(
                "the MDN is not on a provisioned mobile carrier (it looks like a landline)",
                code=Code.NOT_A_MOBILE_NUMBER,
            )
        blocked = tx.one(
            "SELECT 1 FROM confirmation_blocks WHERE company=? AND acquisition_id=? AND mdn=?",
            (company, campaign.acquisition_id, number),
        )
        if blocked:
            raise Unprocessable(
                "MDNHASCONFIRMATIONBLOCK: this MDN declined this campaign's confirmation and cannot be"
                " added through it by API (texting the keyword still works)",
                code=Code.MDN_HAS_CONFIRMATION_BLOCK,
            )

    @staticmethod
    def _fill(patch: Patch, body: dict[str, Any], mdn: str | None) -> Patch:
        if mdn is not None:
            patch.mdn = mdn
        if body.get("external_person_id") is not None:
            patch.external_person_id = body["external_person_id"]
        return patch

    def _emit_part(self, tx: Tx, type_: str, campaign: Campaign, part: Participant, person: Person) -> None:
        self.env.emit(
            tx,
            type_,
            campaign.company,
            person=repo.snapshot(person),
            participant=repo.snapshot(part),
            campaign=repo.snapshot(campaign),
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_when(text: str) -> str:
    return stamp(parse_iso(text))
