"""The domain event log behind ``GET /_sim/companies/{company_key}/events``.

Two keepers with the same answers (ids from 1 that never repeat, oldest first, the latest
``cap`` or so kept, a company's events gone with its reset, nothing from a rolled-back change):

- :class:`TableEventLog` with ``--db``: an ``events`` table written in the transaction that
  emitted the events, so the log lasts as long as the rest of the database;
- :class:`MemoryEventLog` otherwise: an in-memory store lives no longer than the process, so a
  bounded deque filled once a transaction committed keeps the same log without one more row
  insert per event on every write (about a tenth of a POST person's server time, measured with
  ``benchmarks/bench_api.py``).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

from catapult_sim.core import jsonio
from catapult_sim.core.store import DomainEvent, Store, Tx, dumps, loads


class EventLog(Protocol):
    """What the simulator asks of an events log (``catapult_sim.sim.Simulator`` wires these)."""

    @property
    def tables(self) -> tuple[str, ...]:
        """The store tables it keeps, keyed by company (a reset clears them)."""
        ...

    def before_commit(self, tx: Tx, events: list[DomainEvent]) -> None:
        """Inside the transaction that emitted ``events``, just before COMMIT."""
        ...

    def after_commit(self, events: list[DomainEvent]) -> None:
        """Once that transaction has committed."""
        ...

    def forget(self, keys: list[str] | None) -> None:
        """A reset of these companies (None: all) committed: drop what is kept outside the tables."""
        ...

    def query(self, company: str, *, after: int, type_: str | None, limit: int) -> list[dict[str, Any]]:
        """A company's events with an id above ``after`` (of one type if given), oldest first."""
        ...


def event_log(store: Store, cap: int) -> EventLog:
    """The keeper for this store: in memory for an in-memory store, else its table."""
    if store.path == ":memory:":
        return MemoryEventLog(store, cap)
    return TableEventLog(store, cap)


class TableEventLog:
    tables = ("events",)

    def __init__(self, store: Store, cap: int) -> None:
        self.store = store
        self.cap = cap

    def after_commit(self, events: list[DomainEvent]) -> None:
        return None  # written in the transaction, with what caused it

    def forget(self, keys: list[str] | None) -> None:
        return None  # the reset cleared the table

    def before_commit(self, tx: Tx, events: list[DomainEvent]) -> None:
        cur = None
        for ev in events:
            cur = tx.run(
                "INSERT INTO events (company, type, occurred_at, data) VALUES (?,?,?,?)",
                (ev.company, ev.type, ev.occurred_at, dumps(ev.data)),
            )
        if cur is not None and cur.lastrowid and cur.lastrowid % 256 == 0:
            tx.run("DELETE FROM events WHERE id <= ?", (cur.lastrowid - self.cap,))

    def query(self, company: str, *, after: int, type_: str | None, limit: int) -> list[dict[str, Any]]:
        sql = "SELECT * FROM events WHERE company=? AND id>?"
        params: list[Any] = [company, after]
        if type_:
            sql += " AND type=?"
            params.append(type_)
        with self.store.read() as tx:
            rows = tx.all(sql + " ORDER BY id LIMIT ?", (*params, limit))
        return [
            {"id": r["id"], "type": r["type"], "occurred_at": r["occurred_at"], "data": loads(r["data"])} for r in rows
        ]


class MemoryEventLog:
    tables: tuple[str, ...] = ()  # the ``events`` table stays empty; a reset calls ``forget``

    def __init__(self, store: Store, cap: int) -> None:
        self.store = store
        # (id, company, type, occurred_at, data as JSON): flat rows of text, which the garbage
        # collector need not walk (keeping the events' dicts alive cost most of what was saved).
        self._rows: deque[tuple[int, str, str, str, bytes]] = deque(maxlen=max(cap, 1))
        self._next_id = 1
        # Every company with a row here, or that had one (the deque drops old rows silently): a
        # reset of the only company is then a clear() instead of a copy of the whole log.
        self._companies: set[str] = set()

    def before_commit(self, tx: Tx, events: list[DomainEvent]) -> None:
        return None  # kept after COMMIT instead: a rolled-back change leaves nothing

    def after_commit(self, events: list[DomainEvent]) -> None:
        rows, number, companies = self._rows, self._next_id, self._companies
        for ev in events:
            rows.append((number, ev.company, ev.type, ev.occurred_at, jsonio.dumps_bytes(ev.data)))
            companies.add(ev.company)
            number += 1
        self._next_id = number

    def forget(self, keys: list[str] | None) -> None:
        if keys is None or self._companies <= set(keys):
            self._rows.clear()
            self._companies = set()
        else:
            gone = set(keys)
            self._rows = deque((r for r in self._rows if r[1] not in gone), maxlen=self._rows.maxlen)
            self._companies = {r[1] for r in self._rows}

    def query(self, company: str, *, after: int, type_: str | None, limit: int) -> list[dict[str, Any]]:
        with self.store.read():
            found = [
                row for row in self._rows if row[0] > after and row[1] == company and (not type_ or row[2] == type_)
            ]
        return [
            {"id": number, "type": kind, "occurred_at": when, "data": loads(data.decode("utf-8"))}
            for number, _, kind, when, data in found[:limit]
        ]
