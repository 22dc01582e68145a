"""Events a CRM pushes with the Event API (``POST /companies/{company_key}/events``).

Sources: Vibes' "Event API" and "Create an event" reference pages [P-event]
(developer-platform.vibes.com/reference/event-api, .../post_companies-company-key-events) and the
OAS ``eventRequest``/``eventResponse`` schemas:

- ``event_type`` is required: letters, digits, dash and underscore; not case sensitive.
- ``event_data`` is required: an object of any JSON; it names the recipient with one of
  ``external_person_id``, ``mdn``, ``person_key``, ``person_id`` or ``vibes_device_id``.
- ``event_id`` is optional; the platform makes one when it is left out. Re-using one "may result in
  successive events failing".
- Version 1 refuses E.164 MDNs. A submitted event answers 202 with an abbreviated event block
  holding its ``event_id``; it does not promise a message.

Messaging is out of scope: the simulator stores each event (``/_sim/companies/{key}/received-events``)
so a test can see what the CRM pushed. Choices where the pages are silent: docs/fidelity.md ("Events").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catapult_sim.core import jsonio, selector
from catapult_sim.core import mdn as mdns
from catapult_sim.core.clock import wire
from catapult_sim.core.env import Env
from catapult_sim.core.store import Tx
from catapult_sim.errors import BadRequest, Code, Conflict, Problem, Unprocessable

DDL = """
CREATE TABLE IF NOT EXISTS crm_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, company TEXT NOT NULL, event_id TEXT NOT NULL,
  event_type TEXT NOT NULL, event_data TEXT NOT NULL, person_key TEXT, received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS crm_events_id ON crm_events (company, event_id);
"""
RECIPIENT_KEYS = ("external_person_id", "mdn", "person_key", "person_id", "vibes_device_id")  # [P-event]
_EVENT_TYPE = re.compile(r"[A-Za-z0-9_-]{1,255}")  # alphanumeric, dash and underscore [P-event]
MAX_EVENT_ID = 255
FIELDS = frozenset({"event_id", "event_type", "event_data"})


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    """One event as the simulator stored it."""

    id: int
    event_id: str
    event_type: str
    event_data: dict[str, Any]
    person_key: str | None
    received_at: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "event_id": self.event_id, "event_type": self.event_type,
                "event_data": self.event_data, "person_key": self.person_key,
                "received_at": wire(self.received_at)}  # fmt: skip


class CrmEvents:
    """Validate, store and list the events a CRM pushes."""

    tables = ("crm_events",)  # keyed by company: a reset clears them

    def __init__(self, env: Env) -> None:
        self.env = env
        env.store.migrate(DDL)

    def create(self, tx: Tx, company: str, body: Any, version: int) -> ReceivedEvent:
        """Check an event request (every problem at once) and store it; 409 on a re-used event_id."""
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object", code=Code.MALFORMED_BODY)
        problems: list[Problem] = []
        for key in sorted(set(body) - FIELDS):
            problems.append(Problem(Code.UNKNOWN_FIELD, f"{key} is not a known field"))
        event_type = _event_type(body.get("event_type"), problems)
        event_id = _event_id(body.get("event_id"), problems)
        data = body.get("event_data")
        person_key = self._recipient(tx, company, data, version, problems)
        if problems:
            raise Unprocessable(problems=problems)
        assert event_type is not None and isinstance(data, dict)
        event_id = event_id or self.env.ids.event_id()
        if tx.one("SELECT 1 FROM crm_events WHERE company=? AND event_id=?", (company, event_id)):
            # Re-using an event_id "may result in successive events failing" [P-event]: it fails here.
            raise Conflict(f"event_id {event_id!r} was already used", code=Code.DUPLICATE)
        now = self.env.now()
        text = jsonio.dumps(data)
        cur = tx.run(
            "INSERT INTO crm_events (company, event_id, event_type, event_data, person_key, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (company, event_id, event_type, text, person_key, now),
        )
        return ReceivedEvent(int(cur.lastrowid or 0), event_id, event_type, data, person_key, now)

    def listing(self, tx: Tx, company: str, *, event_type: str | None = None) -> list[ReceivedEvent]:
        """A company's received events, oldest first; ``event_type`` matches without case."""
        rows = tx.all("SELECT * FROM crm_events WHERE company=? ORDER BY id", (company,))
        found = [
            ReceivedEvent(r["id"], r["event_id"], r["event_type"], jsonio.loads(r["event_data"]), r["person_key"],
                          r["received_at"])
            for r in rows
        ]  # fmt: skip
        if event_type is None:
            return found
        return [e for e in found if e.event_type.lower() == event_type.lower()]

    def _recipient(self, tx: Tx, company: str, data: Any, version: int, problems: list[Problem]) -> str | None:
        """The person the event names (None when no person has that identifier: still accepted)."""
        if data is None:
            problems.append(Problem(Code.REQUIRED, "event_data is required"))
            return None
        if not isinstance(data, dict):
            problems.append(Problem(Code.INVALID, "event_data must be an object"))
            return None
        given = [k for k in RECIPIENT_KEYS if data.get(k) not in (None, "")]
        if not given:
            problems.append(Problem(Code.REQUIRED, f"event_data needs one of {', '.join(RECIPIENT_KEYS)}"))
            return None
        for key in given:
            if not isinstance(data[key], str | int) or isinstance(data[key], bool):
                problems.append(Problem(Code.INVALID, f"event_data.{key} must be a string"))
                return None
        key = given[0]
        value = str(data[key])
        if key == "mdn":
            try:
                value = mdns.parse(value, version)
            except mdns.MdnError as exc:
                problems.append(Problem(Code.INVALID_MDN, f"event_data.mdn: {exc}"))
                return None
        person = selector.select(tx, company, {key: value}).person  # the one person-selector rule
        return person.person_key if person is not None else None


def _event_type(raw: Any, problems: list[Problem]) -> str | None:
    if raw is None:
        problems.append(Problem(Code.REQUIRED, "event_type is required"))
        return None
    if not isinstance(raw, str) or not _EVENT_TYPE.fullmatch(raw):
        problems.append(Problem(Code.INVALID, "event_type: letters, digits, dash and underscore only (1-255)"))
        return None
    return raw


def _event_id(raw: Any, problems: list[Problem]) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not 0 < len(raw) <= MAX_EVENT_ID or not raw.strip():
        problems.append(Problem(Code.INVALID, f"event_id must be a non-empty string of at most {MAX_EVENT_ID}"))
        return None
    return raw
