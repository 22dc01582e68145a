"""Read-only questions the inspector's pages ask of the store (never on the Catapult request path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catapult_sim.core.callbacks import log as delivery_log
from catapult_sim.core.callbacks.log import Filters
from catapult_sim.core.callbacks.outbox import STATES
from catapult_sim.core.store import Store
from catapult_sim.sim import Simulator

PAGE = 50  # rows per page of every list


@dataclass(slots=True)
class Page:
    """One page of a newest-first list: its rows and the cursor of the next (older) page, if any."""

    rows: list[dict[str, Any]]
    next_before: int | None


def company_counts(store: Store, key: str) -> dict[str, Any]:
    """Persons, active subscriptions and deliveries by status of one company."""
    with store.read() as tx:
        persons = tx.one("SELECT count(*) AS n FROM persons WHERE company=?", (key,))
        active = tx.one("SELECT count(*) AS n FROM subscriptions WHERE company=? AND opt_out_date IS NULL", (key,))
        states = tx.all("SELECT state, count(*) AS n FROM deliveries WHERE company=? GROUP BY state", (key,))
    by_state = dict.fromkeys(STATES, 0) | {r["state"]: r["n"] for r in states}
    return {
        "key": key,
        "persons": persons["n"] if persons else 0,
        "active_subscriptions": active["n"] if active else 0,
        "deliveries": by_state,
    }


def deliveries_page(store: Store, filters: Filters, before: int | None) -> Page:
    rows = delivery_log.listing(store, filters, limit=PAGE + 1, before=before)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return Page(rows, rows[-1]["id"] if more and rows else None)


def recent_attempts(store: Store, since: str, limit: int = 2000) -> list[dict[str, Any]]:
    """Attempts started at or after the stored time ``since``, oldest first, with their destination."""
    with store.read() as tx:
        rows = tx.all(
            "SELECT a.id, a.delivery_id, a.started_at, a.outcome, a.response_status, d.destination"
            " FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id"
            " WHERE a.started_at >= ? ORDER BY a.id DESC LIMIT ?",
            (since, limit),
        )
    return [dict(r) for r in reversed(rows)]


def marks(sim: Simulator) -> dict[str, object]:
    """What the live feed compares between looks: cheap counters the simulator keeps anyway."""
    changes = sim.store.conn.total_changes  # every row written through the one connection
    clock = (sim.clock.manual, sim.clock.now().isoformat() if sim.clock.manual else None)
    with sim.store.read() as tx:  # two lookups of a rowid maximum: constant time
        newest = tx.one("SELECT (SELECT max(id) FROM deliveries) AS d, (SELECT max(id) FROM delivery_attempts) AS a")
    return {
        "state": (changes, clock),
        "deliveries": (newest["d"], newest["a"]) if newest else None,
        "journal": sim.journal.last_id,
    }


def company_or_default(sim: Simulator, given: str | None) -> str | None:
    """The company a per-company page shows: the one asked for if it exists, else the first one."""
    keys = [c.key for c in sim.db.companies.all()]
    if given in keys:
        return given
    return keys[0] if keys else None
