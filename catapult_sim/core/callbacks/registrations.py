"""Callback registrations: create, replace, cancel, list, and match a domain event to them.

Sources: fact sheet §6.1-§6.2 [P-cb] [P-cbapi] [W-cbmeth] [W-cbent]. The choices made where the
documents are silent or disagree are listed in docs/delivery-contract.md.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass
from typing import Any

from catapult_sim.core import repo
from catapult_sim.core.callbacks import specs
from catapult_sim.core.callbacks.destinations import Denied, DestinationPolicy
from catapult_sim.core.clock import Clock, stamp, wire
from catapult_sim.core.ids import Ids
from catapult_sim.core.store import DomainEvent, Store, StoreCache, Tx, dumps, loads
from catapult_sim.errors import Code, Conflict, NotFound, Problem, Unprocessable

MAX_REGISTRATIONS = 50  # up to 50 destinations per company (fact sheet §6.2 [P-cb] [P-cbapi])

DDL = """
CREATE TABLE IF NOT EXISTS callbacks (
  company TEXT NOT NULL, callback_id TEXT NOT NULL, callback_type TEXT NOT NULL, selector TEXT,
  selector_id TEXT, url TEXT NOT NULL, method TEXT NOT NULL, content_type TEXT NOT NULL,
  start_date TEXT NOT NULL, end_date TEXT, api_version INTEGER NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (company, callback_id)
);
CREATE INDEX IF NOT EXISTS callbacks_type ON callbacks (company, callback_type, deleted);
"""

# Which registrations a domain event feeds: its own type, and the company-wide participant types
# (fact sheet §6.2: company_participant_* take no campaign selector).
FEEDS = {
    "person_added": ("person_added",),
    "person_updated": ("person_updated",),
    "subscription_added": ("subscription_added",),
    "subscription_removed": ("subscription_removed",),
    "ack_participant_added": ("ack_participant_added", "company_participant_added"),
    "ack_participant_changed": ("ack_participant_changed", "company_participant_changed"),
    "subscription_list_added": ("subscription_list_added",),
    "subscription_list_updated": ("subscription_list_updated",),
}


@dataclass(slots=True)
class Registration:
    """One callback registration, as stored."""

    company: str
    callback_id: str
    callback_type: str
    selector: dict[str, Any] | None
    selector_id: str | None
    url: str
    method: str
    content_type: str
    start_date: str
    end_date: str | None
    api_version: int
    created_at: str
    updated_at: str
    deleted: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Registration:
        return cls(
            row["company"],
            row["callback_id"],
            row["callback_type"],
            loads(row["selector"]),
            row["selector_id"],
            row["url"],
            row["method"],
            row["content_type"],
            row["start_date"],
            row["end_date"],
            row["api_version"],
            row["created_at"],
            row["updated_at"],
            bool(row["deleted"]),
        )


def render(reg: Registration) -> dict[str, Any]:
    """The registration resource (fact sheet §6.2), with the system times under both documented names."""
    body: dict[str, Any] = {
        "callback_id": reg.callback_id,
        "callback_type": reg.callback_type,
        "event_type": reg.callback_type,  # the deprecated alias, same value [P-cbapi]
    }
    if reg.selector is not None:
        body[reg.callback_type] = dict(reg.selector)
    body["destination"] = {"url": reg.url, "method": reg.method, "content_type": reg.content_type}
    body["start_date"] = wire(reg.start_date)
    if reg.end_date is not None:
        body["end_date"] = wire(reg.end_date)
    # The prose names them created_at/updated_at, the OAS callbackResponse created_date/updated_date
    # (fact sheet §6.2, DISAGREE): both are sent, so a client of either finds its names.
    body["created_at"] = body["created_date"] = wire(reg.created_at)
    body["updated_at"] = body["updated_date"] = wire(reg.updated_at)
    body["url"] = f"/companies/{reg.company}/config/callbacks/{reg.callback_id}"
    return body


class Registrations:
    """The callback registrations of every company, over the store."""

    tables = ("callbacks",)  # keyed by company (a reset clears them)

    def __init__(self, store: Store, clock: Clock, ids: Ids, destinations: DestinationPolicy | None = None) -> None:
        self.store = store
        self.clock = clock
        self.ids = ids
        self.destinations = destinations  # None: any URL (a Registrations made without the engine)
        store.migrate(DDL)
        # Every state change asks which registrations it feeds; most companies have none or a few.
        # The live (not cancelled) ones are kept per company, valid while store.generation stays
        # the same: it moves on every write to this table, every reset and every rollback.
        self._live: StoreCache[str, list[Registration]] = StoreCache(store)

    def now(self) -> str:
        return stamp(self.clock.now())

    def get(self, tx: Tx, company: str, callback_id: str) -> Registration:
        row = tx.one("SELECT * FROM callbacks WHERE company=? AND callback_id=?", (company, callback_id))
        if row is None:
            raise NotFound(f"no callback registration {callback_id!r}")
        return Registration.from_row(row)

    def listing(self, tx: Tx, company: str) -> list[Registration]:
        """Active and future-dated registrations (fact sheet §6.1 [W-cbmeth])."""
        rows = tx.all(
            "SELECT * FROM callbacks WHERE company=? AND deleted=0 AND (end_date IS NULL OR end_date>?)"
            " ORDER BY created_at, callback_id",
            (company, self.now()),
        )
        return [Registration.from_row(r) for r in rows]

    def create(self, tx: Tx, company: str, spec: specs.Spec, version: int) -> Registration:
        """Register a callback: 422 for an unknown list or campaign or past the limit, 409 for a duplicate."""
        now = self.now()
        start = spec.start_date or now
        self._check(tx, company, spec, start, exclude=None)
        callback_id = self._new_id(tx, company)
        tx.run(
            "INSERT INTO callbacks (company, callback_id, callback_type, selector, selector_id, url, method,"
            " content_type, start_date, end_date, api_version, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (company, callback_id, *self._values(spec, start, version), now, now),
        )
        self.store.touch()
        return self.get(tx, company, callback_id)

    def replace(self, tx: Tx, company: str, callback_id: str, spec: specs.Spec, version: int) -> Registration:
        """PUT replaces the writable fields; an absent start_date keeps the current one (docs)."""
        current = self.get(tx, company, callback_id)
        if current.deleted:
            raise NotFound(f"callback registration {callback_id!r} was cancelled")
        start = spec.start_date or current.start_date
        self._check(tx, company, spec, start, exclude=callback_id)
        tx.run(
            "UPDATE callbacks SET callback_type=?, selector=?, selector_id=?, url=?, method=?,"
            " content_type=?, start_date=?, end_date=?, api_version=?, updated_at=?"
            " WHERE company=? AND callback_id=?",
            (*self._values(spec, start, version), self.now(), company, callback_id),
        )
        self.store.touch()
        return self.get(tx, company, callback_id)

    def cancel(self, tx: Tx, company: str, callback_id: str) -> Registration:
        """DELETE sets end_date to now and makes the registration inactive (fact sheet §6.2 [W-cbmeth])."""
        current = self.get(tx, company, callback_id)
        if current.deleted:
            raise NotFound(f"callback registration {callback_id!r} was already cancelled")
        now = self.now()
        # A registration that has not started yet ends where it would have started: an empty range,
        # never active, and end_date never before start_date (docs/fidelity.md).
        end = max(now, current.start_date)
        tx.run(
            "UPDATE callbacks SET deleted=1, end_date=?, updated_at=? WHERE company=? AND callback_id=?",
            (end, now, company, callback_id),
        )
        self.store.touch()
        return self.get(tx, company, callback_id)

    def active(self, tx: Tx, company: str, types: tuple[str, ...], at: str) -> list[Registration]:
        """Registrations of these types whose date range holds ``at`` (oldest first)."""
        return [dataclasses.replace(r) for r in self._active(tx, company, types, at)]  # copies: callers may change them

    def _active(self, tx: Tx, company: str, types: tuple[str, ...], at: str) -> list[Registration]:
        """The cached records themselves (for :meth:`matching`, on every write's path: read only)."""
        return [
            r
            for r in self._live_of(tx, company)
            if r.callback_type in types and r.start_date <= at and (r.end_date is None or r.end_date > at)
        ]

    def _live_of(self, tx: Tx, company: str) -> list[Registration]:
        live = self._live.current()
        found = live.get(company)
        if found is None:
            rows = tx.all(
                "SELECT * FROM callbacks WHERE company=? AND deleted=0 ORDER BY created_at, callback_id",
                (company,),
            )
            found = live[company] = [Registration.from_row(r) for r in rows]
        return found

    def matching(self, tx: Tx, event: DomainEvent) -> list[tuple[str, list[Registration]]]:
        """For each callback type the event feeds, the active registrations whose selector matches."""
        types = FEEDS.get(event.type)
        if not types or not self._live_of(tx, event.company):  # most companies register nothing
            return []
        wanted = _selector_of(event)
        found = self._active(tx, event.company, types, event.occurred_at)
        out = []
        for type_ in types:
            regs = [r for r in found if r.callback_type == type_ and r.selector_id in (None, wanted)]
            if regs:
                out.append((type_, regs))
        return out

    # -- helpers -------------------------------------------------------------------------------

    def _check(self, tx: Tx, company: str, spec: specs.Spec, start: str, exclude: str | None) -> None:
        if self.destinations is not None:
            try:
                self.destinations.check_url(spec.url)
            except Denied as exc:
                raise Unprocessable(str(exc), code=Code.DESTINATION_DENIED) from None
        self._check_selector(tx, company, spec)
        end = spec.end_date
        if end is not None and end <= start:
            raise Unprocessable("end_date must be after start_date (which defaults to now)")
        live = [r for r in self.listing(tx, company) if r.callback_id != exclude]
        if len(live) >= MAX_REGISTRATIONS:
            raise Unprocessable(
                f"a company can have at most {MAX_REGISTRATIONS} callback registrations",
                code=Code.LIMIT_EXCEEDED,
            )
        for other in live:
            same = (other.callback_type, other.selector_id, other.url) == (
                spec.callback_type,
                spec.selector_id,
                spec.url,
            )
            if same and _overlap(start, end, other.start_date, other.end_date):
                raise Conflict(
                    f"callback {other.callback_id} already sends {spec.callback_type} to this URL"
                    " for an overlapping date range",
                    code=Code.DUPLICATE,
                )

    def _check_selector(self, tx: Tx, company: str, spec: specs.Spec) -> None:
        key = specs.SELECTOR_KEYS.get(spec.callback_type)
        value = spec.selector_id
        if key is None or value is None:
            return
        if key == "list_id":
            exists = repo.get_list(tx, company, value) is not None
        else:
            exists = repo.get_campaign(tx, company, value) is not None
        if not exists:
            what = "subscription list" if key == "list_id" else "acquisition campaign"
            raise Unprocessable(problems=[Problem(Code.INVALID, f"{spec.callback_type}.{key}: no {what} {value!r}")])

    def _new_id(self, tx: Tx, company: str) -> str:
        while True:
            candidate = self.ids.callback_id()
            if tx.one("SELECT 1 FROM callbacks WHERE company=? AND callback_id=?", (company, candidate)) is None:
                return candidate

    @staticmethod
    def _values(spec: specs.Spec, start: str, version: int) -> tuple[Any, ...]:
        selector = dumps(spec.selector) if spec.selector is not None else None
        return (
            spec.callback_type,
            selector,
            spec.selector_id,
            spec.url,
            spec.method,
            spec.content_type,
            start,
            spec.end_date,
            version,
        )


def _selector_of(event: DomainEvent) -> str | None:
    """The list or campaign an event belongs to, for matching selectors."""
    if event.type in ("subscription_added", "subscription_removed"):
        return str(event.data["subscription"]["list_id"])
    if event.type.startswith("ack_participant_"):
        return str(event.data["participant"]["acquisition_id"])
    return None


def _overlap(s1: str, e1: str | None, s2: str, e2: str | None) -> bool:
    return (e2 is None or s1 < e2) and (e1 is None or s2 < e1)
