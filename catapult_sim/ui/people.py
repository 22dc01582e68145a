"""What the Persons pages read: search by MDN (either API version's form), external id or person_key,
newest-first pages, and everything about one person (subscriptions with their history, pending
double opt-ins, the callbacks and the requests that concern them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catapult_sim.core import mdn as mdns
from catapult_sim.core import repo, views
from catapult_sim.core.callbacks import log as delivery_log
from catapult_sim.core.models import Person
from catapult_sim.core.store import Store
from catapult_sim.errors import CatapultError
from catapult_sim.sim import Simulator
from catapult_sim.surface.journal import Entry
from catapult_sim.ui.queries import PAGE


def as_mdn(text: str) -> str | None:
    """The E.164 form of ``text`` read as an MDN in either version's form, or None if it is not one."""
    raw = "".join(ch for ch in text if ch not in " -().")
    if not raw:
        return None
    try:
        return mdns.parse_any(raw)
    except mdns.MdnError:
        return None


def search(store: Store, company: str, text: str) -> tuple[list[Person], str]:
    """Persons ``text`` names, and how it was read: an MDN, a person_key or id, an external id."""
    with store.read() as tx:
        e164 = as_mdn(text)
        if e164 is not None:
            found = repo.persons_by_mdn(tx, company, e164)
            if found:
                return found, f"MDN {e164}"
        by_key = repo.person_by_key_or_id(tx, company, text)
        if by_key is not None:
            return [by_key], "person_key"
        by_external = repo.person_by_external(tx, company, text)
        if by_external is not None:
            return [by_external], "external_person_id"
    return [], f"MDN {e164}" if e164 else "person_key, person_id or external_person_id"


def newest(store: Store, company: str, offset: int) -> tuple[list[Person], bool]:
    """A page of the company's persons, newest first, and whether an older page exists."""
    with store.read() as tx:
        rows = tx.all(
            "SELECT * FROM persons WHERE company=? ORDER BY created_at DESC, person_id DESC LIMIT ? OFFSET ?",
            (company, PAGE + 1, offset),
        )
    people = [Person.from_row(r) for r in rows]
    return people[:PAGE], len(people) > PAGE


@dataclass(slots=True)
class Dossier:
    """Everything about one person, ready for the page."""

    person: Person
    as_api: dict[int, Any] = field(default_factory=dict)  # API version -> the person as GET returns it
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


def dossier(sim: Simulator, company: str, person_key: str) -> Dossier | None:
    with sim.store.read() as tx:
        who = repo.person_by_key(tx, company, person_key)
        if who is None:
            return None
        subs = repo.subscriptions_of(tx, company, person_key, active_only=False)
        pending = repo.pending_of_person(tx, company, person_key)
    out = Dossier(who)
    carriers = sim.db.companies.carriers(company)
    for version in (2, 1):
        try:
            out.as_api[version] = views.person(who, version, carriers=carriers)
        except CatapultError as exc:  # version 1 cannot show a non-+1 number
            out.as_api[version] = exc.envelope()
    out.subscriptions = [repo.snapshot(s) | {"active": s.active} for s in reversed(subs)]
    out.pending = [repo.snapshot(p) for p in pending]
    out.deliveries = related_deliveries(sim.store, who)
    out.requests = [e.as_dict() for e in related_requests(sim, who)]
    return out


def related_deliveries(store: Store, who: Person, limit: int = PAGE) -> list[dict[str, Any]]:
    """The company's deliveries whose body names the person (their person_key is unique), newest first."""
    with store.read() as tx:
        rows = tx.all(
            "SELECT * FROM deliveries WHERE company=? AND instr(body, ?) > 0 ORDER BY id DESC LIMIT ?",
            (who.company, who.person_key, limit),
        )
    return [delivery_log.summary(r) for r in rows]


def related_requests(sim: Simulator, who: Person, limit: int = PAGE) -> list[Entry]:
    """Journal entries of the company that name the person in the path, query or body, newest first."""
    needles = [n.encode() for n in (who.person_key, who.external_person_id) if n]
    if who.mdn:
        needles += [who.mdn.encode(), who.mdn[2:].encode() if who.mdn.startswith("+1") else who.mdn.encode()]
    found: list[Entry] = []
    for entry in reversed(list(sim.journal)):
        if entry.company != who.company:
            continue
        haystack = entry.path.encode() + b" " + entry.query + b" " + entry.body
        if any(n in haystack for n in needles):
            found.append(entry)
            if len(found) >= limit:
                break
    return found
