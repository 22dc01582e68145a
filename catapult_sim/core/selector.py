"""Which person a request names: the one person-selector rule every endpoint uses.

A request may name a person by ``person_key``, ``person_id`` (deprecated, numeric),
``external_person_id`` and ``mdn``, several at once. The rule (docs/fidelity.md, "Naming a person"):

- the identifiers are looked up in the order of :data:`ORDER`, and the first one that names nobody
  is the one reported;
- every identifier that names somebody must name the same person, otherwise the request names
  different persons;
- ``person_key`` also takes the numeric ``person_id``, as the ``{person_key}`` path slot does
  (fact sheet §2.2);
- an ``mdn`` names the most recently updated person with that number (the request names no
  carrier, so any carrier matches: docs/fidelity.md, "MDN and carrier").

What a missing or mismatched identifier means (400, 404, 422, or an empty answer) is each endpoint's
documented choice; the selection only says what the identifiers name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from catapult_sim.core import repo
from catapult_sim.core.models import Person
from catapult_sim.core.store import Tx

ORDER = ("person_key", "person_id", "external_person_id", "mdn")


@dataclass(slots=True)
class Selection:
    """What the identifiers of one request name."""

    given: dict[str, str] = field(default_factory=dict)  # the identifiers given, in ORDER
    found: dict[str, Person] = field(default_factory=dict)  # those that name somebody
    unknown: list[str] = field(default_factory=list)  # those that name nobody, in ORDER

    @property
    def mismatch(self) -> bool:
        """True when two identifiers name different persons."""
        return len({p.person_key for p in self.found.values()}) > 1

    @property
    def person(self) -> Person | None:
        """The person the identifiers that name somebody agree on (None: nobody, or a mismatch)."""
        people = {p.person_key: p for p in self.found.values()}
        return next(iter(people.values())) if len(people) == 1 else None

    @property
    def exact(self) -> Person | None:
        """The person when every identifier given names that same person, else None."""
        return None if self.unknown else self.person


def select(tx: Tx, company: str, ids: Mapping[str, str | None]) -> Selection:
    """Look up every identifier of ``ids`` that is not None (an ``mdn`` already normalised to E.164)."""
    sel = Selection()
    for name in ORDER:
        value = ids.get(name)
        if value is None:
            continue
        sel.given[name] = value
        person = _lookup(tx, company, name, value)
        if person is None:
            sel.unknown.append(name)
        else:
            sel.found[name] = person
    return sel


def _lookup(tx: Tx, company: str, name: str, value: str) -> Person | None:
    if name == "person_key":
        return repo.person_by_key_or_id(tx, company, value)
    if name == "person_id":
        return repo.person_by_id(tx, company, value)
    if name == "external_person_id":
        return repo.person_by_external(tx, company, value)
    people = repo.persons_by_mdn(tx, company, value)
    return people[0] if people else None
