"""The SQLite store (standard library ``sqlite3``): schema, migrations and transactions.

One connection, used from one event loop; a lock keeps callers from other threads (tests, the
TestClient portal) from interleaving. ``:memory:`` by default; a file path persists, in WAL mode so a
write acknowledged with 2xx has reached the operating system before the response leaves and survives
``kill -9`` of the process.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from catapult_sim.core import dbfile, jsonio

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS companies (
  key TEXT PRIMARY KEY, username TEXT NOT NULL, password TEXT NOT NULL,
  config TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lists (
  company TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, archived INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, PRIMARY KEY (company, id)
);
CREATE TABLE IF NOT EXISTS campaigns (
  company TEXT NOT NULL, acquisition_id TEXT NOT NULL, description TEXT NOT NULL,
  status TEXT NOT NULL, list_id TEXT NOT NULL, double_opt_in INTEGER NOT NULL,
  keywords TEXT NOT NULL, start_date TEXT, end_date TEXT, created_date TEXT NOT NULL,
  updated_date TEXT NOT NULL, confirm_hours REAL NOT NULL DEFAULT 24,
  PRIMARY KEY (company, acquisition_id)
);
CREATE TABLE IF NOT EXISTS persons (
  company TEXT NOT NULL, person_key TEXT NOT NULL, person_id INTEGER NOT NULL,
  external_person_id TEXT, mdn TEXT, carrier_code TEXT, custom_fields TEXT NOT NULL DEFAULT '{}',
  timezone TEXT, timezone_source TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (company, person_key)
);
CREATE UNIQUE INDEX IF NOT EXISTS persons_pid ON persons (company, person_id);
CREATE UNIQUE INDEX IF NOT EXISTS persons_ext ON persons (company, external_person_id)
  WHERE external_person_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS persons_mdn ON persons (company, mdn);
CREATE TABLE IF NOT EXISTS subscriptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, company TEXT NOT NULL, person_key TEXT NOT NULL,
  list_id TEXT NOT NULL, opt_in_date TEXT NOT NULL, opt_out_date TEXT, opt_out_reason TEXT,
  source TEXT NOT NULL DEFAULT 'api'
);
CREATE INDEX IF NOT EXISTS subs_person ON subscriptions (company, person_key, list_id);
CREATE INDEX IF NOT EXISTS subs_list ON subscriptions (company, list_id, opt_out_date);
CREATE TABLE IF NOT EXISTS participants (
  id INTEGER PRIMARY KEY AUTOINCREMENT, company TEXT NOT NULL, acquisition_id TEXT NOT NULL,
  person_key TEXT NOT NULL, participation_date TEXT NOT NULL, expire_date TEXT NOT NULL,
  status TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS parts_person ON participants (company, acquisition_id, person_key);
CREATE INDEX IF NOT EXISTS parts_status ON participants (status, expire_date);
CREATE TABLE IF NOT EXISTS confirmation_blocks (
  company TEXT NOT NULL, acquisition_id TEXT NOT NULL, mdn TEXT NOT NULL,
  PRIMARY KEY (company, acquisition_id, mdn)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, company TEXT NOT NULL, type TEXT NOT NULL,
  occurred_at TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_company ON events (company, id);
-- The highest person_id a company ever had, kept before its persons are deleted (a reset), so that
-- a person_id is never handed out twice in the life of a database file (repo.keep_person_id_floor;
-- not a trigger: one would cost SQLite's truncate optimization on a reset).
CREATE TABLE IF NOT EXISTS person_id_floor (company TEXT PRIMARY KEY, last INTEGER NOT NULL);
DROP TRIGGER IF EXISTS persons_keep_floor;
"""

# The mobile database's tables holding one company's data, in the order a reset clears them (the
# ``events`` table belongs to the events log: catapult_sim/core/eventlog.py declares it).
COMPANY_TABLES = (
    "confirmation_blocks",
    "participants",
    "subscriptions",
    "persons",
    "campaigns",
    "lists",
)
# Keyed by company but kept by a reset on purpose: person_ids are never handed out twice.
KEPT_BY_RESET = ("person_id_floor",)


@dataclass(slots=True, frozen=True)
class DomainEvent:
    """Something that happened on the platform; the callback engine turns these into deliveries."""

    type: str
    company: str
    occurred_at: str
    data: dict[str, Any]


@dataclass(slots=True)
class Tx:
    """An open transaction: its connection and the domain events it has emitted so far."""

    conn: sqlite3.Connection
    events: list[DomainEvent] = field(default_factory=list)
    now: str | None = None  # the transaction's time, once asked for (catapult_sim.core.env.Env.now)
    committed: list[Callable[[], None]] | None = None  # run after COMMIT (never after a rollback)

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this transaction has committed; a rollback drops it."""
        if self.committed is None:
            self.committed = []
        self.committed.append(action)

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)


EventSink = Callable[[Tx, list[DomainEvent]], None]
EventsCommitted = Callable[[list[DomainEvent]], None]


def _connect(path: str) -> sqlite3.Connection:
    """The connection; ``:memory:`` opens a private database on SQLite's ``memdb`` VFS instead.

    Both live in this process's memory only, but ``memdb`` keeps the cost of a write flat as the
    database grows (a create at 1M persons cost about as much as at 1k in ``benchmarks/bench_flat.py``,
    where the classic in-memory database took up to twice as long) and used less memory. A name
    without a leading slash is private to its connection, so two stores never share data.
    """
    if path == ":memory:":
        return sqlite3.connect("file:catapult-sim?vfs=memdb", uri=True, isolation_level=None, check_same_thread=False)
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


class Store:
    """Owns the SQLite connection; every change goes through :meth:`transaction`."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        # A file is held by one process for its whole life (see catapult_sim.core.dbfile).
        self._owner = dbfile.claim(path) if path != ":memory:" else None
        self.conn = _connect(path)
        self.conn.row_factory = sqlite3.Row
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self._sinks: tuple[EventSink, ...] = ()
        self._committed: tuple[EventsCommitted, ...] = ()
        self._tx: Tx | None = None
        # Moves on whenever cached views of the tables may be stale: explicit touch() by writers
        # that keep such a cache, every rollback, every migration.
        self.generation = 0
        self.migrate(_SCHEMA)

    def migrate(self, ddl: str) -> None:
        """Apply idempotent DDL (other parts of the simulator add their own tables this way)."""
        with self._lock:
            self.generation += 1
            self.conn.executescript(ddl)
            self.conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )

    def count_id_stream(self) -> int:
        """How many id streams started on this store before; counts the one starting now."""
        with self.transaction() as tx:
            row = tx.one("SELECT value FROM meta WHERE key='id_streams'")
            before = int(row["value"]) if row else 0
            tx.run("INSERT INTO meta (key, value) VALUES ('id_streams', ?) ON CONFLICT (key) DO UPDATE"
                   " SET value=excluded.value", (str(before + 1),))  # fmt: skip
        return before

    @property
    def current(self) -> Tx | None:
        """The open transaction, if any."""
        return self._tx

    def touch(self) -> None:
        """Say that cached views of the tables are stale (see ``generation``)."""
        self.generation += 1

    def handle_events(self, *, before_commit: Sequence[EventSink], after_commit: Sequence[EventsCommitted]) -> None:
        """What every transaction that emitted domain events does with them, set once by the
        composition root (``catapult_sim.sim.Simulator``): ``before_commit`` runs inside the
        transaction, in order, just before COMMIT; ``after_commit`` once it has committed."""
        self._sinks, self._committed = tuple(before_commit), tuple(after_commit)

    def transaction(self) -> _Transaction:
        """One atomic unit: state changes and the deliveries they cause commit together or not at all.

        Nested calls join the outer transaction. (A class, not ``@contextmanager``: this is on every
        write's path, and the generator machinery cost more than the in-memory COMMIT.)
        """
        return _Transaction(self)

    @contextlib.contextmanager
    def clearing(self) -> Iterator[Tx]:
        """A transaction that only deletes whole sets of rows (a company's reset) and re-inserts seed data.

        On a file it is :meth:`transaction`. In memory it runs without the rollback journal: most of a
        large DELETE's cost is copying every freed page into the journal (five times the delete
        itself for a company of 10k persons, ``benchmarks/bench_reset.py``), and a memory store has
        no crash to recover from. The price is that a failure half way cannot be rolled back: what
        was deleted stays deleted and the error is raised, so the caller can run the same (idempotent)
        clearing again. Only for statements that touch nothing but what is being cleared.
        """
        if self.path != ":memory:":
            with self.transaction() as tx:
                yield tx
            return
        with self._lock:
            if self._tx is not None:
                raise RuntimeError("clearing() cannot join an open transaction")
            self.generation += 1
            self.conn.execute("PRAGMA journal_mode=OFF")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                tx = self._tx = Tx(self.conn)
                try:
                    yield tx
                finally:
                    self._tx = None
                    self.conn.execute("COMMIT")  # also after an error: without a journal there is no ROLLBACK
            finally:
                self.generation += 1
                self.conn.execute("PRAGMA journal_mode=MEMORY")

    def read(self) -> _Read:
        """A read without BEGIN (each statement sees committed data)."""
        return _Read(self)

    def close(self) -> None:
        with self._lock:
            self.conn.close()
            if self._owner is not None:
                self._owner.release()
                self._owner = None


K = TypeVar("K")
V = TypeVar("V")


class StoreCache(dict[K, V]):
    """A dict of views of the tables, valid while ``store.generation`` stays the same (every
    rollback, every reset and every ``touch()`` move it on): :meth:`current` empties it first when
    it has moved. Read and fill it through ``current()``, under the store's lock."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._generation = store.generation

    def current(self) -> StoreCache[K, V]:
        generation = self._store.generation
        if self._generation != generation:
            self.clear()
            self._generation = generation
        return self


class _Transaction:
    __slots__ = ("outer", "store", "tx")

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Tx:
        store = self.store
        store._lock.acquire()
        if store._tx is not None:  # nested: join the outer transaction
            self.outer = False
            self.tx = store._tx
            return self.tx
        self.outer = True
        self.tx = store._tx = Tx(store.conn)
        try:
            store.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            store._tx = None
            store._lock.release()
            raise
        return self.tx

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        store = self.store
        try:
            if not self.outer:
                return
            tx = self.tx
            try:
                if kind is None:
                    if tx.events:
                        for sink in store._sinks:
                            sink(tx, tx.events)
                    store.conn.execute("COMMIT")
                else:
                    store.generation += 1
                    store.conn.execute("ROLLBACK")
                    return
            except BaseException:
                store.generation += 1
                store.conn.execute("ROLLBACK")
                raise
            finally:
                store._tx = None
            if tx.events:
                for listener in store._committed:
                    listener(tx.events)
            if tx.committed:
                for action in tx.committed:
                    action()
        finally:
            store._lock.release()


class _Read:
    __slots__ = ("store",)

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> Tx:
        store = self.store
        store._lock.acquire()
        return store._tx or Tx(store.conn)

    def __exit__(self, *exc: object) -> None:
        self.store._lock.release()


def dumps(value: Any) -> str:
    return jsonio.dumps(value)


def loads(text: str | None) -> Any:
    return jsonio.loads(text) if text else None
