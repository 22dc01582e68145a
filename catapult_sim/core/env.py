"""What every rule module shares: the store, the clock, the id factory and the companies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catapult_sim.core.clock import Clock, stamp
from catapult_sim.core.companies import Companies
from catapult_sim.core.ids import Ids
from catapult_sim.core.models import Company
from catapult_sim.core.store import DomainEvent, Store, Tx
from catapult_sim.errors import NotFound


@dataclass(slots=True)
class Env:
    store: Store
    clock: Clock
    ids: Ids
    companies: Companies

    def now(self) -> str:
        """The stored form of the current time; one value for everything a transaction writes.

        A transaction is one instant on the platform (its records, events and deliveries carry the
        same time), and the clock is never moved while one is open.
        """
        tx = self.store.current
        if tx is None:
            return stamp(self.clock.now())
        if tx.now is None:
            tx.now = stamp(self.clock.now())
        return tx.now

    def emit(self, tx: Tx, type_: str, company: str, **data: Any) -> None:
        tx.emit(DomainEvent(type_, company, self.now(), data))

    def company(self, key: str) -> Company:
        company = self.companies.get(key)
        if company is None:
            raise NotFound(f"company {key!r} not found")
        return company
