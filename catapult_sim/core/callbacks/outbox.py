"""The transactional outbox: a state change and the callback deliveries it causes commit together.

``Outbox.sink`` runs inside every transaction that emitted domain events (the simulator hands it to
``Store.handle_events``): it matches each event to the active registrations and writes one
``deliveries`` row per registration; once the transaction has committed, the new deliveries are
announced to the listener (the dispatcher). A rolled-back change announces nothing.
The dispatcher (``catapult_sim.delivery``) sends them and records every attempt back here. Rows survive
a ``kill -9`` when the store is a file, so a pending or retrying delivery is sent after a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from catapult_sim.core.callbacks import payloads
from catapult_sim.core.callbacks.registrations import Registration, Registrations
from catapult_sim.core.carriers import CarriersOf, no_lookup
from catapult_sim.core.clock import Clock, stamp, wire
from catapult_sim.core.ids import Ids
from catapult_sim.core.store import DomainEvent, Store, Tx, dumps

DDL = """
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT, company TEXT NOT NULL, callback_id TEXT NOT NULL,
  callback_type TEXT NOT NULL, event_id TEXT NOT NULL, event_date TEXT NOT NULL,
  destination TEXT NOT NULL, method TEXT NOT NULL, content_type TEXT NOT NULL, body TEXT NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_status INTEGER, last_error TEXT,
  replay_of INTEGER, test INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at)
  WHERE state IN ('pending', 'retrying');
CREATE INDEX IF NOT EXISTS deliveries_company ON deliveries (company, id);
CREATE TABLE IF NOT EXISTS delivery_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id INTEGER NOT NULL, company TEXT NOT NULL,
  number INTEGER NOT NULL, kind TEXT NOT NULL, started_at TEXT NOT NULL, request_headers TEXT NOT NULL,
  request_body TEXT NOT NULL, response_status INTEGER, response_headers TEXT, response_excerpt TEXT,
  latency_ms REAL, error TEXT, outcome TEXT NOT NULL, next_attempt_at TEXT, chaos TEXT
);
CREATE INDEX IF NOT EXISTS attempts_delivery ON delivery_attempts (delivery_id);
CREATE TABLE IF NOT EXISTS destinations (
  url TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, downed_until TEXT,
  downed_count INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL
);
"""

_COPIED = "company, callback_id, callback_type, event_id, event_date, destination, method, content_type, body"
PENDING, RETRYING, DELIVERED, FAILED = "pending", "retrying", "delivered", "failed"
OPEN_STATES = (PENDING, RETRYING)
STATES = (PENDING, RETRYING, DELIVERED, FAILED)


@dataclass(slots=True)
class Delivery:
    """One callback on its way to one destination, as stored."""

    id: int
    company: str
    callback_id: str
    callback_type: str
    event_id: str
    event_date: str
    destination: str
    method: str
    content_type: str
    body: str
    state: str
    attempts: int
    next_attempt_at: str | None
    created_at: str
    updated_at: str
    last_status: int | None
    last_error: str | None
    replay_of: int | None
    test: bool

    @classmethod
    def from_values(cls, values: tuple[Any, ...]) -> Delivery:
        """From a row of :data:`COLUMNS` as a plain tuple (the scan reads thousands: no dict per row)."""
        d = cls(*values)
        d.test = bool(d.test)  # stored as 0 or 1
        return d


COLUMNS = ", ".join(Delivery.__dataclass_fields__)  # a delivery's columns, in the order of its fields
# The open states are written out, not bound: only then can SQLite see that the partial index
# ``deliveries_due`` covers the query (with parameters it scanned and sorted the whole table).
_OPEN = f"state IN ('{PENDING}', '{RETRYING}')"
_DUE = f"{_OPEN} AND next_attempt_at<=? ORDER BY next_attempt_at, id"


@dataclass(slots=True)
class AttemptRecord:
    """What one attempt sent and got back (a failure is data, never an exception)."""

    number: int
    kind: str  # "attempt" or "duplicate" (a chaos re-send of the same attempt)
    started_at: str
    request_headers: dict[str, str]
    request_body: str
    response_status: int | None
    response_headers: dict[str, str] | None
    response_excerpt: str | None
    latency_ms: float
    error: str | None
    outcome: str  # delivered, retry, failed, paused
    chaos: dict[str, Any] | None = None


@dataclass(slots=True, frozen=True)
class DestinationState:
    """How a destination URL is doing: consecutive failures and the end of a downed pause."""

    url: str
    failures: int = 0
    downed_until: str | None = None
    downed_count: int = 0


@dataclass(slots=True)
class Recorded:
    """An attempt to store: a real one carries the delivery's new ``state`` (a duplicate None)."""

    delivery: Delivery
    attempt: AttemptRecord
    state: str | None = None
    next_at: str | None = None
    dest: DestinationState | None = None  # the destination's health, when the attempt changed it


Listener = Callable[[list[Delivery]], None]


class Outbox:
    """Deliveries, their attempts and destination health, over the store."""

    tables = ("delivery_attempts", "deliveries")  # keyed by company, in the order a reset clears them

    def __init__(
        self,
        store: Store,
        clock: Clock,
        ids: Ids,
        registrations: Registrations,
        cap: int,
        opt_out_form: str = "z",
        carriers: CarriersOf = no_lookup,
    ) -> None:
        self.store = store
        self.opt_out_form = opt_out_form
        self.carriers = carriers  # each company's carrier lookup (core/carriers.py), for person bodies
        self.clock = clock
        self.ids = ids
        self.registrations = registrations
        self.cap = max(1, cap)
        self._prune_every = max(1, min(64, self.cap // 8))  # prune in batches, bounded by ~cap * 1.125
        self._finished = 0
        self._listeners: list[Listener] = []
        self.resets = 0  # resets run so far (see ``committed``)
        store.migrate(DDL)

    def listen(self, listener: Listener) -> None:
        """Be told about every new delivery, once the transaction that wrote it has committed."""
        self._listeners.append(listener)

    # -- creating deliveries -------------------------------------------------------------------

    def sink(self, tx: Tx, events: list[DomainEvent]) -> None:
        """Turn the transaction's domain events into deliveries (the transactional outbox)."""
        notices: list[Delivery] = []
        for event in events:
            for callback_type, regs in self.registrations.matching(tx, event):
                event_id = self.ids.event_id()  # one per event and type, shared by every destination
                data: dict[int, dict[str, Any]] = {}
                for reg in regs:
                    part = data.get(reg.api_version) or payloads.event_data(
                        event, reg.api_version, self.opt_out_form, self.carriers(event.company)
                    )
                    data[reg.api_version] = part
                    head = payloads.envelope(callback_type, event_id, str(wire(event.occurred_at)), reg.callback_id)
                    notices.append(self.enqueue(tx, reg, callback_type, {**head, **part}))
        self.announce(tx, notices)

    def enqueue(
        self, tx: Tx, reg: Registration, callback_type: str, body: dict[str, Any], *, test: bool = False
    ) -> Delivery:
        """Write one pending delivery of ``body`` to the registration's destination."""
        now = stamp(self.clock.now())
        text = dumps(body)
        cur = tx.run(
            "INSERT INTO deliveries (company, callback_id, callback_type, event_id, event_date, destination,"
            " method, content_type, body, state, next_attempt_at, created_at, updated_at, test)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (reg.company, reg.callback_id, callback_type, body["event_id"], body["event_date"], reg.url,
             reg.method, reg.content_type, text, PENDING, now, now, now, int(test)),
        )  # fmt: skip
        assert cur.lastrowid is not None
        return Delivery(cur.lastrowid, reg.company, reg.callback_id, callback_type, body["event_id"],
                        body["event_date"], reg.url, reg.method, reg.content_type, text, PENDING, 0, now, now,
                        now, None, None, None, test)  # fmt: skip

    def replay(self, delivery_ids: list[int]) -> list[int]:
        """Send these deliveries again as new ones: same body and event_id, attempts counted from 1."""
        now = stamp(self.clock.now())
        notices: list[Delivery] = []
        with self.store.transaction() as tx:
            for delivery_id in delivery_ids:
                cur = tx.run(
                    f"INSERT INTO deliveries ({_COPIED}, state, next_attempt_at, created_at, updated_at,"
                    f" replay_of, test) SELECT {_COPIED}, ?, ?, ?, ?, id, test FROM deliveries WHERE id=?",
                    (PENDING, now, now, now, delivery_id),
                )
                if cur.rowcount and cur.lastrowid is not None:
                    notices.extend(Delivery.from_values(r) for r in _by_id(tx, [cur.lastrowid]))
            self.announce(tx, notices)
        return [d.id for d in notices]

    def announce(self, tx: Tx, notices: list[Delivery]) -> None:
        """Tell the listeners about these new deliveries once ``tx`` has committed."""
        if notices and self._listeners:
            tx.after_commit(lambda: self._tell(notices))

    def _tell(self, notices: list[Delivery]) -> None:
        for listener in self._listeners:
            listener(notices)

    # -- the dispatcher's side -----------------------------------------------------------------

    def committed(self, deliveries: list[Delivery], resets: int | None = None) -> list[Delivery]:
        """Those of these deliveries that are in the store (waits for a writer's transaction to end).

        ``resets`` is :attr:`resets` when the deliveries were announced: if no reset ran since, they
        are all still there (they were announced after COMMIT, and only a reset removes an open
        delivery), so no query is needed; otherwise a reset may have removed them, and the store says.
        """
        found: set[tuple[int, str]] = set()
        with self.store.read() as tx:  # a reset holds the store's lock until it has counted itself
            if resets == self.resets:
                return deliveries
            for start in range(0, len(deliveries), 500):
                chunk = tuple(d.id for d in deliveries[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = tx.all(f"SELECT id, event_id FROM deliveries WHERE id IN ({marks})", chunk)
                found.update((r["id"], r["event_id"]) for r in rows)
        return [d for d in deliveries if (d.id, d.event_id) in found]

    def due(self, now: str, taken: AbstractSet[int] = frozenset()) -> list[Delivery]:
        """Open deliveries whose next attempt is due, oldest first, but those in ``taken`` (the
        dispatcher's queued and in-flight ones: of these only the id is read)."""
        with self.store.read() as tx:
            if not taken:
                rows = _values(tx, f"SELECT {COLUMNS} FROM deliveries WHERE {_DUE}", (now,))
            else:
                ids = [r[0] for r in _values(tx, f"SELECT id FROM deliveries WHERE {_DUE}", (now,))]
                rows = _by_id(tx, [i for i in ids if i not in taken])
        return [Delivery.from_values(r) for r in rows]

    def next_due(self, now: str) -> str | None:
        """The earliest future next-attempt time of any open delivery."""
        with self.store.read() as tx:
            row = tx.one(
                f"SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE {_OPEN} AND next_attempt_at>?", (now,)
            )
        return row["t"] if row else None

    def record(self, batch: list[Recorded]) -> None:
        """Store attempts in one transaction; for a real one also the delivery's state and, when it
        changed, the destination's health. Nothing is stored for a delivery a reset removed.

        Two statements for the whole batch (``executemany``): the states, then the attempts of the
        deliveries still stored; a destination's health (rarely changed) one by one.
        """
        now = stamp(self.clock.now())
        with self.store.transaction() as tx:
            tx.conn.executemany(_UPDATE, [_update_values(item, now) for item in batch if item.state is not None])
            tx.conn.executemany(_INSERT_ATTEMPT, [_attempt_values(item) for item in batch])
            for item in batch:
                if item.dest is not None and tx.one("SELECT 1 FROM deliveries WHERE id=?", (item.delivery.id,)):
                    self._save_destination(tx, item.dest)
            finished = sum(1 for item in batch if item.state is not None and item.state not in OPEN_STATES)
            if finished and (self._finished + finished) // self._prune_every > self._finished // self._prune_every:
                self._prune(tx)
            self._finished += finished

    def _prune(self, tx: Tx) -> None:
        """Keep the log under the cap: drop the oldest finished deliveries (never open ones)."""
        row = tx.one("SELECT MAX(id) AS n FROM deliveries")
        bound = (row["n"] or 0) - self.cap if row else 0
        if bound > 0:
            finished = "SELECT id FROM deliveries WHERE id<=? AND state IN (?, ?)"
            tx.run(f"DELETE FROM delivery_attempts WHERE delivery_id IN ({finished})", (bound, DELIVERED, FAILED))
            tx.run("DELETE FROM deliveries WHERE id<=? AND state IN (?, ?)", (bound, DELIVERED, FAILED))

    # -- destinations ----------------------------------------------------------------------------

    def destinations(self) -> dict[str, DestinationState]:
        with self.store.read() as tx:
            rows = tx.all("SELECT * FROM destinations")
        return {r["url"]: DestinationState(r["url"], r["failures"], r["downed_until"], r["downed_count"]) for r in rows}

    def after_reset(self) -> None:
        """A reset cleared deliveries (the caller holds the store's lock): count it, and start with
        every URL up."""
        self.resets += 1
        self.forget_destinations()

    def forget_destinations(self) -> None:
        """Clear every destination's health (a reset starts with every URL up)."""
        with self.store.transaction() as tx:
            tx.run("DELETE FROM destinations")

    def _save_destination(self, tx: Tx, dest: DestinationState) -> None:
        tx.run(
            "INSERT INTO destinations (url, failures, downed_until, downed_count, updated_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET failures=excluded.failures,"
            " downed_until=excluded.downed_until, downed_count=excluded.downed_count,"
            " updated_at=excluded.updated_at",
            (dest.url, dest.failures, dest.downed_until, dest.downed_count, stamp(self.clock.now())),
        )


_UPDATE = (
    "UPDATE deliveries SET state=?, attempts=?, next_attempt_at=?, updated_at=?, last_status=?, last_error=? WHERE id=?"
)
# An attempt is stored only while its delivery is (a reset may have removed it meanwhile).
_INSERT_ATTEMPT = (
    "INSERT INTO delivery_attempts (delivery_id, company, number, kind, started_at, request_headers,"
    " request_body, response_status, response_headers, response_excerpt, latency_ms, error, outcome,"
    " next_attempt_at, chaos) SELECT ?,?,?,?,?,?,?,?,?,?,?,?,?,?,? WHERE EXISTS (SELECT 1 FROM deliveries WHERE id=?)"
)


def _update_values(item: Recorded, now: str) -> tuple[Any, ...]:
    a = item.attempt
    return (item.state, a.number, item.next_at, now, a.response_status, a.error, item.delivery.id)


def _attempt_values(item: Recorded) -> tuple[Any, ...]:
    d, a = item.delivery, item.attempt
    return (d.id, d.company, a.number, a.kind, a.started_at, dumps(a.request_headers), a.request_body,
            a.response_status, dumps(a.response_headers) if a.response_headers is not None else None,
            a.response_excerpt, round(a.latency_ms, 3), a.error, a.outcome, item.next_at,
            dumps(a.chaos) if a.chaos else None, d.id)  # fmt: skip


def _values(tx: Tx, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples (cheaper than ``sqlite3.Row`` where many are read)."""
    cur = tx.conn.cursor()
    cur.row_factory = None
    rows: list[tuple[Any, ...]] = cur.execute(sql, params).fetchall()
    return rows


def _by_id(tx: Tx, ids: list[int]) -> list[tuple[Any, ...]]:
    """The deliveries with these ids (as :data:`COLUMNS` tuples), in the order of ``ids``."""
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), 500):
        chunk = tuple(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        found.update((r[0], r) for r in _values(tx, f"SELECT {COLUMNS} FROM deliveries WHERE id IN ({marks})", chunk))
    return [found[i] for i in ids if i in found]
