"""What happens on the platform side, simulated: SMS keywords and replies, opt-outs, disconnects.

These are the events a CRM cannot cause through the Catapult API (fact sheet §3.1: the API cannot
create subscriptions) but must react to. Each writes state and domain events exactly as the API does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catapult_sim.core import repo
from catapult_sim.core.acquisition import PENDING, Acquisition
from catapult_sim.core.env import Env
from catapult_sim.core.models import OPT_OUT_REASONS, Person, Subscription
from catapult_sim.core.persons import Patch, Persons
from catapult_sim.core.store import Tx
from catapult_sim.core.subscriptions import Subscriptions
from catapult_sim.errors import BadRequest, Code, NotFound

# Words that opt a subscriber out (CTIA's standard set; the fact sheet only says "any STOP word").
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
YES_WORDS = frozenset({"Y", "YES"})
NO_WORDS = frozenset({"N", "NO"})


@dataclass(slots=True)
class Outcome:
    """What a simulated platform event did, for the control API's answer."""

    action: str
    person_key: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Platform:
    def __init__(self, env: Env, persons: Persons, subs: Subscriptions, acq: Acquisition) -> None:
        self.env = env
        self.persons = persons
        self.subs = subs
        self.acq = acq

    def person_for_mdn(self, tx: Tx, company: str, mdn: str, *, create: bool) -> Person | None:
        found = self.persons.match_mdn(tx, company, mdn, None)
        if found is None and create:
            patch = Patch()
            patch.mdn = mdn
            found = self.persons._create(tx, company, patch)
        return found

    def keyword(self, tx: Tx, company: str, mdn: str, keyword: str) -> Outcome:
        """The subscriber texts a campaign keyword: the campaign's opt-in flow starts (P-addpart:
        texting the keyword works even after a confirmation block)."""
        word = keyword.strip().upper()
        campaign = next(
            (c for c in self.acq.campaigns(tx, company) if word in c.keywords),
            None,
        )
        if campaign is None:
            raise NotFound(f"no active acquisition campaign has the keyword {word!r}")
        tx.run(
            "DELETE FROM confirmation_blocks WHERE company=? AND acquisition_id=? AND mdn=?",
            (company, campaign.acquisition_id, mdn),
        )
        person = self.person_for_mdn(tx, company, mdn, create=True)
        assert person is not None
        base = {"acquisition_id": campaign.acquisition_id, "list_id": campaign.list_id}
        if repo.active_subscription(tx, company, person.person_key, campaign.list_id):
            return Outcome("already_subscribed", person.person_key, base)
        if self.acq.pending_of(tx, campaign, person) is not None:
            return Outcome("already_pending", person.person_key, base)
        part, person = self.acq.enter(tx, campaign, person, "sms")
        return Outcome("pending" if part.status == PENDING else "subscribed", person.person_key, base)

    def opt_in(self, tx: Tx, company: str, person: Person, list_id: str) -> Outcome:
        """A platform-side opt-in straight to a list (for example a subscriber added in the Vibes UI)."""
        self.subs.get_list(tx, company, list_id)
        sub = self.subs.subscribe(tx, person, list_id, source="platform")
        action = "subscribed" if sub is not None else "already_subscribed"
        return Outcome(action, person.person_key, {"list_id": list_id})

    def reply(self, tx: Tx, company: str, mdn: str, text: str) -> Outcome:
        """The subscriber answers by SMS: Y confirms, N declines, a STOP word declines and opts out."""
        word = text.strip().upper()
        person = self.person_for_mdn(tx, company, mdn, create=False)
        if person is None:
            raise NotFound("no person has this MDN")
        if word in YES_WORDS or word in NO_WORDS:
            return self._answer(tx, person, confirm=word in YES_WORDS)
        if word in STOP_WORDS:
            return self.stop(tx, person)
        raise BadRequest(
            f"reply {text!r} is not understood: use Y/YES, N/NO or a STOP word ({', '.join(sorted(STOP_WORDS))})"
        )

    def _answer(self, tx: Tx, person: Person, *, confirm: bool) -> Outcome:
        pending = self.acq.pending_of_person(tx, person)
        if not pending:
            raise NotFound("this MDN has no pending confirmation")
        part = pending[0]  # the newest pending participation answers the newest prompt
        part = self.acq.confirm(tx, part, person) if confirm else self.acq.decline(tx, part, person)
        return Outcome(part.status.lower(), person.person_key, {"acquisition_id": part.acquisition_id})

    def stop(self, tx: Tx, person: Person) -> Outcome:
        """STOP: pending prompts are rejected (W-acqcb) and every subscription ends as user_opt_out."""
        declined = [
            self.acq.decline(tx, part, person).acquisition_id for part in self.acq.pending_of_person(tx, person)
        ]
        ended = self.subs.end_all(tx, person, "user_opt_out")
        return Outcome("opted_out", person.person_key, {"lists": _lists(ended), "declined": declined})

    def opt_out(self, tx: Tx, person: Person, reason: str, list_id: str | None) -> Outcome:
        """End one subscription (or all) for any documented reason."""
        if reason not in OPT_OUT_REASONS:
            raise BadRequest(f"reason must be one of: {', '.join(OPT_OUT_REASONS)}", code=Code.INVALID)
        if list_id is None:
            ended = self.subs.end_all(tx, person, reason)
        else:
            ended = [self.subs.unsubscribe(tx, person, list_id, reason)]
        return Outcome("opted_out", person.person_key, {"lists": _lists(ended), "reason": reason})

    def disconnect(self, tx: Tx, person: Person) -> Outcome:
        """The carrier reports the number disconnected: every subscription ends as ``disconnect``."""
        ended = self.subs.end_all(tx, person, "disconnect")
        return Outcome("disconnected", person.person_key, {"lists": _lists(ended)})


def _lists(subs: list[Subscription]) -> list[str]:
    return [s.list_id for s in subs]
