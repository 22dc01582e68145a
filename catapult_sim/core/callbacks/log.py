"""Reading the delivery log: deliveries with filters, one delivery with every attempt, new attempts.

Times are the stored form (ISO-8601 UTC with microseconds), so the log orders and compares exactly.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from catapult_sim.core.callbacks.outbox import FAILED
from catapult_sim.core.store import Store, loads

MAX_LIMIT = 1000


@dataclass(slots=True, frozen=True)
class Filters:
    """What a listing keeps; every field is optional. ``since`` is a stored time."""

    company: str | None = None
    callback_type: str | None = None
    state: str | None = None
    destination: str | None = None
    since: str | None = None
    callback_id: str | None = None
    event_id: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["1=1"], []
        for column, value in (
            ("company", self.company),
            ("callback_type", self.callback_type),
            ("state", self.state),
            ("destination", self.destination),
            ("callback_id", self.callback_id),
            ("event_id", self.event_id),
        ):
            if value is not None:
                clauses.append(f"{column}=?")
                params.append(value)
        if self.since is not None:
            clauses.append("created_at>=?")
            params.append(self.since)
        return " AND ".join(clauses), params


def summary(row: sqlite3.Row) -> dict[str, Any]:
    """A delivery without its body and attempts."""
    out = dict(row)
    del out["body"]
    out["test"] = bool(row["test"])
    return out


def listing(store: Store, filters: Filters, *, limit: int = 100, before: int | None = None) -> list[dict[str, Any]]:
    """Deliveries matching ``filters``, newest first (``before`` pages back by id)."""
    where, params = filters.where()
    if before is not None:
        where += " AND id<?"
        params.append(before)
    with store.read() as tx:
        rows = tx.all(f"SELECT * FROM deliveries WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit))
    return [summary(r) for r in rows]


def show(store: Store, delivery_id: int) -> dict[str, Any] | None:
    """One delivery with its body and every attempt, oldest first."""
    with store.read() as tx:
        row = tx.one("SELECT * FROM deliveries WHERE id=?", (delivery_id,))
        if row is None:
            return None
        attempts = tx.all("SELECT * FROM delivery_attempts WHERE delivery_id=? ORDER BY id", (delivery_id,))
    return {**summary(row), "body": loads(row["body"]), "attempt_log": [attempt(a) for a in attempts]}


def attempt(row: sqlite3.Row) -> dict[str, Any]:
    """One attempt as the control API shows it."""
    return {
        "id": row["id"],
        "delivery_id": row["delivery_id"],
        "number": row["number"],
        "kind": row["kind"],
        "started_at": row["started_at"],
        "request": {"headers": loads(row["request_headers"]), "body": _json_or_text(row["request_body"])},
        "response": {
            "status": row["response_status"],
            "headers": loads(row["response_headers"]),
            "body_excerpt": row["response_excerpt"],
        },
        "latency_ms": row["latency_ms"],
        "error": row["error"],
        "outcome": row["outcome"],
        "next_attempt_at": row["next_attempt_at"],
        "chaos": loads(row["chaos"]),
    }


def attempts_after(store: Store, after: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """Attempts recorded after attempt id ``after``, oldest first, with their delivery's type and URL."""
    with store.read() as tx:
        rows = tx.all(
            "SELECT a.*, d.callback_type, d.destination, d.event_id, d.state FROM delivery_attempts a"
            " JOIN deliveries d ON d.id = a.delivery_id WHERE a.id>? ORDER BY a.id LIMIT ?",
            (after, limit),
        )
    return [
        {
            **attempt(r),
            "callback_type": r["callback_type"],
            "destination": r["destination"],
            "event_id": r["event_id"],
            "state": r["state"],
        }
        for r in rows
    ]


def failed_since(store: Store, filters: Filters) -> list[int]:
    """Ids of failed deliveries matching ``filters`` (``since`` counts from creation), oldest first."""
    where, params = dataclasses.replace(filters, state=FAILED).where()
    with store.read() as tx:
        rows = tx.all(f"SELECT id FROM deliveries WHERE {where} ORDER BY id LIMIT ?", (*params, MAX_LIMIT))
    return [r["id"] for r in rows]


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
