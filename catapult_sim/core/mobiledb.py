"""The mobile database: one object that wires the rule modules together over one store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from catapult_sim.core import repo, views
from catapult_sim.core.acquisition import Acquisition
from catapult_sim.core.clock import SwitchableClock, iso
from catapult_sim.core.companies import Companies
from catapult_sim.core.crm_events import CrmEvents
from catapult_sim.core.env import Env
from catapult_sim.core.eventlog import event_log
from catapult_sim.core.ids import Ids
from catapult_sim.core.persons import Persons
from catapult_sim.core.platform import Platform
from catapult_sim.core.store import COMPANY_TABLES, Store
from catapult_sim.core.subscriptions import Subscriptions


class MobileDB:
    """Persons, subscriptions, lists, campaigns and the simulated platform side, over one store."""

    # Its tables keyed by company, in the order a reset clears them (the Event API's events first).
    tables = (*CrmEvents.tables, *COMPANY_TABLES)

    def __init__(
        self, store: Store, clock: SwitchableClock, ids: Ids, seed: dict[str, Any], *, strict: bool, event_cap: int
    ) -> None:
        self.store = store
        self.clock = clock
        self.env = Env(store, clock, ids, Companies(store, clock, seed, strict=strict))
        self.companies = self.env.companies
        self.persons = Persons(self.env)
        self.subs = Subscriptions(self.env)
        self.acq = Acquisition(self.env, self.persons, self.subs)
        self.platform = Platform(self.env, self.persons, self.subs, self.acq)
        self.event_log = event_log(store, event_cap)
        self.crm_events = CrmEvents(self.env)

    def events(
        self, company: str, *, after: int = 0, type_: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """A company's domain events, oldest first (``GET /_sim/companies/{key}/events``)."""
        return self.event_log.query(company, after=after, type_=type_, limit=limit)

    # -- the clock: every move expires what it made due ---------------------------------------------

    def clock_set(self, mode: str | None, when: datetime | None = None) -> None:
        """``POST /_sim/clock``: switch the clock's mode and/or set a manual clock (ValueError if refused)."""
        self.clock.switch(mode, when)
        self._time_moved()

    def clock_advance(self, seconds: float) -> datetime:
        """``POST /_sim/clock/advance``: move a manual clock forward (ValueError if it is not manual)."""
        now = self.clock.advance(seconds)
        self._time_moved()
        return now

    def _time_moved(self) -> None:
        with self.store.transaction() as tx:
            self.acq.expire_due(tx)  # double opt-in windows the move closed (no callback: W-acqcb)

    # -- inspection -------------------------------------------------------------------------------

    def state(self, company: str) -> dict[str, Any]:
        """``GET /_sim/companies/{key}/state``: persons, subscriptions (with history), participants,
        lists and campaigns, as of the clock (expired participations shown expired)."""
        with self.store.transaction() as tx:
            self.acq.expire_due(tx, company)
            persons = repo.all_persons(tx, company)
            by_key = {p.person_key: p for p in persons}
            carriers = self.companies.carriers(company)
            return {
                "company": company,
                "now": iso(self.clock.now()),
                "persons": [views.person(p, 2, carriers=carriers) for p in persons],
                "subscriptions": [
                    views.subscription(s, by_key[s.person_key], 2) for s in repo.all_subscriptions(tx, company)
                ],
                "participants": [
                    {"acquisition_id": p.acquisition_id, **views.participant(p, by_key[p.person_key])}
                    for p in repo.all_participants(tx, company)
                ],
                "subscription_lists": [
                    {**views.subscription_list(sl), "archived": sl.archived} for sl in repo.all_lists(tx, company)
                ],
                "acquisition_campaigns": [
                    {
                        **views.campaign(self.acq.with_status(c)),
                        "list_id": c.list_id,
                        "double_opt_in": c.double_opt_in,
                        "confirm_hours": c.confirm_hours,
                    }
                    for c in repo.all_campaigns(tx, company)
                ],
            }
