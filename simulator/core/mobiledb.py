"""The mobile database: one object that wires the rule modules together over one store."""

from __future__ import annotations

from typing import Any

from simulator.core.acquisition import Acquisition
from simulator.core.clock import Clock
from simulator.core.companies import Companies
from simulator.core.env import Env
from simulator.core.ids import Ids
from simulator.core.persons import Persons
from simulator.core.platform import Platform
from simulator.core.store import DomainEvent, Store, Tx, dumps, loads
from simulator.core.subscriptions import Subscriptions


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
        self.event_cap = event_cap
        store.add_sink(self._record_events)

    def _record_events(self, tx: Tx, events: list[DomainEvent]) -> None:
        """Keep every domain event in the ``events`` table, bounded by ``event_cap``."""
        cur = None
        for ev in events:
            cur = tx.run(
                "INSERT INTO events (company, type, occurred_at, data) VALUES (?,?,?,?)",
                (ev.company, ev.type, ev.occurred_at, dumps(ev.data)),
            )
        if cur is not None and cur.lastrowid and cur.lastrowid % 256 == 0:
            tx.run("DELETE FROM events WHERE id <= ?", (cur.lastrowid - self.event_cap,))

    def events(
        self, company: str, *, after: int = 0, type_: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events WHERE company=? AND id>?"
        params: list[Any] = [company, after]
        if type_:
            sql += " AND type=?"
            params.append(type_)
        with self.store.read() as tx:
            rows = tx.all(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [
            {"id": r["id"], "type": r["type"], "occurred_at": r["occurred_at"], "data": loads(r["data"])}
            for r in rows
        ]
