"""Subscriptions and subscription lists.

A subscription is addressed as (person, list) and has no id of its own; ending one and subscribing
again makes a second record (fact sheet §3.1). The API cannot create subscriptions; they come from
acquisition campaigns or from the platform side (fact sheet §3.1, P-subapi).
"""

from __future__ import annotations

from catapult_sim.core import repo
from catapult_sim.core.env import Env
from catapult_sim.core.models import OPT_OUT_REASONS, Person, Subscription, SubscriptionList
from catapult_sim.core.store import Tx
from catapult_sim.errors import BadRequest, Code, Conflict, NotFound


class Subscriptions:
    def __init__(self, env: Env) -> None:
        self.env = env

    def of_person(self, tx: Tx, person: Person, *, active_only: bool = True) -> list[Subscription]:
        """Active subscriptions by default; ``active_only=False`` adds ended ones (W-smeth)."""
        return repo.subscriptions_of(tx, person.company, person.person_key, active_only=active_only)

    def for_list(self, tx: Tx, person: Person, list_id: str, *, active_only: bool = True) -> list[Subscription]:
        """The person's subscription to one list; 404 when not subscribed (OAS)."""
        subs = [s for s in self.of_person(tx, person, active_only=active_only) if s.list_id == list_id]
        if not subs:
            raise NotFound(f"person is not subscribed to list {list_id!r}")
        return subs

    def subscribe(self, tx: Tx, person: Person, list_id: str, source: str) -> Subscription | None:
        """Start a subscription (None if one is already active) and emit subscription_added."""
        if repo.active_subscription(tx, person.company, person.person_key, list_id) is not None:
            return None
        sub_id = repo.insert_subscription(tx, person.company, person.person_key, list_id, self.env.now(), source)
        sub = repo.subscription_by_id(tx, sub_id)
        self.env.emit(
            tx,
            "subscription_added",
            person.company,
            person=repo.snapshot(person),
            subscription=repo.snapshot(sub),
        )
        return sub

    def end(self, tx: Tx, person: Person, sub: Subscription, reason: str) -> Subscription:
        """End an active subscription with an opt-out reason and emit subscription_removed."""
        if reason not in OPT_OUT_REASONS:
            raise BadRequest(f"opt_out_reason must be one of: {', '.join(OPT_OUT_REASONS)}")
        repo.end_subscription(tx, sub.id, self.env.now(), reason)
        ended = repo.subscription_by_id(tx, sub.id)
        self.env.emit(
            tx,
            "subscription_removed",
            person.company,
            person=repo.snapshot(person),
            subscription=repo.snapshot(ended),
        )
        return ended

    def unsubscribe(self, tx: Tx, person: Person, list_id: str, reason: str = "api_opt_out") -> Subscription:
        """DELETE .../subscriptions/{list}: 404 when not actively subscribed (OAS); reason api_opt_out."""
        sub = repo.active_subscription(tx, person.company, person.person_key, list_id)
        if sub is None:
            raise NotFound(f"person is not subscribed to list {list_id!r}")
        return self.end(tx, person, sub, reason)

    def end_all(self, tx: Tx, person: Person, reason: str) -> list[Subscription]:
        return [self.end(tx, person, s, reason) for s in self.of_person(tx, person)]

    # -- lists ---------------------------------------------------------------------------------

    def lists(self, tx: Tx, company: str) -> list[SubscriptionList]:
        return [sl for sl in repo.all_lists(tx, company) if not sl.archived]

    def get_list(self, tx: Tx, company: str, list_id: str) -> SubscriptionList:
        found = repo.get_list(tx, company, list_id)
        if found is None or found.archived:
            raise NotFound(f"subscription list {list_id!r} not found", code=Code.NOT_FOUND)
        return found

    def archive_list(self, tx: Tx, company: str, list_id: str) -> list[Subscription]:
        """Archive a list: every active subscriber is opted out with ``list_archived``."""
        self.get_list(tx, company, list_id)
        ended = []
        for sub in repo.active_subscribers(tx, company, list_id):
            person = repo.person_by_key(tx, company, sub.person_key)
            if person is not None:
                ended.append(self.end(tx, person, sub, "list_archived"))
        tx.run("UPDATE lists SET archived=1 WHERE company=? AND id=?", (company, list_id))
        self._list_event(tx, "subscription_list_updated", company, list_id)  # archiving changes the list
        return ended

    def create_list(self, tx: Tx, company: str, list_id: str, name: str) -> SubscriptionList:
        """A new list (lists are made in the platform, not the API: fact sheet §4.1); 409 if the id is taken."""
        if repo.get_list(tx, company, list_id) is not None:
            raise Conflict(f"subscription list {list_id!r} already exists", code=Code.DUPLICATE)
        tx.run(
            "INSERT INTO lists (company, id, name, created_at) VALUES (?,?,?,?)",
            (company, list_id, name, self.env.now()),
        )
        return self._list_event(tx, "subscription_list_added", company, list_id)

    def rename_list(self, tx: Tx, company: str, list_id: str, name: str) -> SubscriptionList:
        """Give a (not archived) list a new name: a subscription_list_updated event."""
        self.get_list(tx, company, list_id)
        tx.run("UPDATE lists SET name=? WHERE company=? AND id=?", (name, company, list_id))
        return self._list_event(tx, "subscription_list_updated", company, list_id)

    def _list_event(self, tx: Tx, type_: str, company: str, list_id: str) -> SubscriptionList:
        """Emit a list event (fact sheet §7.6 [W-slcb-diff]: fired when a list is created or updated)."""
        found = repo.get_list(tx, company, list_id)
        assert found is not None
        self.env.emit(tx, type_, company, subscription_list=repo.snapshot(found))
        return found
