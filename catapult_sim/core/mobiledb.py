"""The mobile database: one object that wires the rule modules together over one store."""

from __future__ import annotations

from typing import Any

from catapult_sim.core.acquisition import Acquisition
from catapult_sim.core.clock import Clock
from catapult_sim.core.companies import Companies
from catapult_sim.core.env import Env
from catapult_sim.core.eventlog import event_log
from catapult_sim.core.ids import Ids
from catapult_sim.core.persons import Persons
from catapult_sim.core.platform import Platform
from catapult_sim.core.store import Store
from catapult_sim.core.subscriptions import Subscriptions


class MobileDB:
    """Persons, subscriptions, lists, campaigns and the simulated platform side, over one store."""

    def __init__(
        self, store: Store, clock: Clock, ids: Ids, seed: dict[str, Any], *, strict: bool, event_cap: int
    ) -> None:
        self.store = store
        self.env = Env(store, clock, ids, Companies(store, clock, seed, strict=strict))
        self.companies = self.env.companies
        self.persons = Persons(self.env)
        self.subs = Subscriptions(self.env)
        self.acq = Acquisition(self.env, self.persons, self.subs)
        self.platform = Platform(self.env, self.persons, self.subs, self.acq)
        self.event_log = event_log(store, self.companies, event_cap)

    def events(
        self, company: str, *, after: int = 0, type_: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """A company's domain events, oldest first (``GET /_sim/companies/{key}/events``)."""
        return self.event_log.query(company, after=after, type_=type_, limit=limit)
