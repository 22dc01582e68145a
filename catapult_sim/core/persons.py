"""Person rules: add (create or merge), update, upsert by external id, lookups.

Sources: fact sheet §2.2-§2.6 (P-addp, P-putk, P-pute, W-person, OAS). Where the documents
disagree or are silent, the choice is listed in docs/fidelity.md.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from catapult_sim.core import customfields, repo
from catapult_sim.core import mdn as mdns
from catapult_sim.core.env import Env
from catapult_sim.core.models import Person
from catapult_sim.core.store import StoreCache, Tx
from catapult_sim.errors import Code, Conflict, NotFound, Problem, Unprocessable

_UNSET: Any = object()
MAX_EXTERNAL_ID = 128  # external_person_id: at most 128 characters (fact sheet §2.2 [P-person])
CACHED_PERSONS = 10_000  # persons kept for reads by key (Persons.get); a few MB


@dataclasses.dataclass(slots=True)
class Patch:
    """A parsed person body: each field is ``_UNSET`` when absent and ``None`` when sent as null."""

    external_person_id: Any = _UNSET
    mdn: Any = _UNSET
    carrier_code: Any = _UNSET
    custom_fields: Any = _UNSET
    timezone: Any = _UNSET

    def has(self, name: str) -> bool:
        return getattr(self, name) is not _UNSET


def parse_patch(env: Env, company: str, body: dict[str, Any], version: int) -> Patch:
    """Turn a schema-valid body into a :class:`Patch`, raising 422 that lists every problem."""
    problems: list[Problem] = []
    patch = Patch()
    if "external_person_id" in body:
        patch.external_person_id = body["external_person_id"]
    if "mobile_phone" in body:
        phone = body["mobile_phone"]
        if phone is None:  # null removes the number (P-putk-old)
            patch.mdn = patch.carrier_code = None
        else:
            if "mdn" in phone:
                patch.mdn = _mdn(phone["mdn"], version, problems)
            if "carrier_code" in phone:
                patch.carrier_code = phone["carrier_code"]
    if "custom_fields" in body:
        values = body["custom_fields"]
        defs = env.company(company).custom_fields
        patch.custom_fields = None if values is None else customfields.normalize(values, defs, problems)
    if "timezone" in body:
        patch.timezone = body["timezone"]
    if problems:
        raise Unprocessable(problems=problems)
    return patch


def patch_problems(env: Env, company: str, body: dict[str, Any], version: int) -> list[Problem]:
    """What :func:`parse_patch` finds wrong in a body that failed its schema, as far as it can tell.

    Only the parts of the body with the shapes the schema wants are looked at (an MDN that is a
    string, custom fields that are an object); the schema has reported the rest.
    """
    clean: dict[str, Any] = {}
    phone = body.get("mobile_phone")
    if isinstance(phone, dict) and isinstance(phone.get("mdn"), str):
        clean["mobile_phone"] = {"mdn": phone["mdn"]}
    fields = body.get("custom_fields")
    if isinstance(fields, dict):
        clean["custom_fields"] = fields  # normalize() judges any JSON value itself
    try:
        parse_patch(env, company, clean, version)
    except Unprocessable as exc:
        return list(exc.problems)
    return []


def _mdn(raw: Any, version: int, problems: list[Problem]) -> str | None:
    if raw is None:
        return None
    try:
        return mdns.parse(raw, version)
    except mdns.MdnError as exc:
        problems.append(Problem(Code.INVALID_MDN, f"mobile_phone.mdn: {exc}"))
        return None


class Persons:
    def __init__(self, env: Env) -> None:
        self.env = env
        # The next person_id of each company, so a create need not ask for MAX(person_id). Valid
        # while store.generation stays the same (it moves on every rollback and every reset);
        # persons are only ever created by _create, in this process (docs/architecture.md).
        self._next_ids: StoreCache[str, int] = StoreCache(env.store)
        # Persons read by person_key, so a read by key need not ask SQLite again. Valid while
        # store.generation stays the same (a rollback, a reset and a bulk load move it on); an update
        # drops its person, and a create's key is new. The rules never change a Person they were
        # given (_apply works on a copy). At most CACHED_PERSONS: when full, it starts again empty.
        self._by_key: StoreCache[tuple[str, str], Person] = StoreCache(env.store)

    # -- lookups -------------------------------------------------------------------------------

    def forget_reads(self) -> None:
        """Empty the memory of persons read by key (the next reads go to the store)."""
        self._by_key.clear()

    def get(self, tx: Tx, company: str, key: str) -> Person:
        cache = self._by_key.current()
        found = cache.get((company, key))
        if found is not None:
            return found
        found = repo.person_by_key_or_id(tx, company, key)
        if found is None:
            raise NotFound(f"no person with person_key {key!r}")
        if found.person_key == key:  # not a numeric person_id in the key's place
            if len(cache) >= CACHED_PERSONS:
                cache.clear()  # all at once: dropping the oldest one by one makes a dict's iteration slow
            cache[(company, key)] = found
        return found

    def get_external(self, tx: Tx, company: str, external_id: str) -> Person:
        found = repo.person_by_external(tx, company, external_id)
        if found is None:
            raise NotFound(f"no person with external_person_id {external_id!r}")
        return found

    def find_by_mdn(self, tx: Tx, company: str, mdn: str) -> list[Person]:
        found = repo.persons_by_mdn(tx, company, mdn)
        if not found:
            raise NotFound("no person has this MDN")
        return found

    def match_mdn(self, tx: Tx, company: str, mdn: str, carrier: str | None) -> Person | None:
        """Same MDN and same carrier is the same person; another carrier is another person (W-person)."""
        for p in repo.persons_by_mdn(tx, company, mdn):
            if _same_carrier(p.carrier_code, carrier):
                return p
        return None

    # -- writes --------------------------------------------------------------------------------

    def add(self, tx: Tx, company: str, patch: Patch) -> tuple[bool, Person]:
        """Add a person: (True, new) when created, (False, merged) when it matched one (P-addp)."""
        ext = patch.external_person_id if patch.has("external_person_id") else None
        mdn = patch.mdn if patch.has("mdn") else None
        if ext is None and mdn is None:
            raise Unprocessable("mobile_phone.mdn or external_person_id is required", code=Code.REQUIRED)
        by_ext = repo.person_by_external(tx, company, ext) if ext is not None else None
        carrier = patch.carrier_code if patch.has("carrier_code") else None
        by_mdn = self.match_mdn(tx, company, mdn, carrier) if mdn is not None else None
        if by_ext is not None and by_mdn is not None and by_ext.person_key != by_mdn.person_key:
            raise Conflict("the MDN belongs to another person record than the external_person_id")
        if by_mdn is not None and ext is not None and by_mdn.external_person_id not in (None, ext):
            raise Conflict("the MDN belongs to another person record (it has another external_person_id)")
        existing = by_ext or by_mdn
        if existing is None:
            return True, self._create(tx, company, patch, phone_checked=mdn is not None)
        return False, self._update(tx, existing, patch)

    def update(self, tx: Tx, person: Person, patch: Patch) -> Person:
        """Partial update (P-putk): absent fields stay, null removes, an MDN cannot change (409)."""
        return self._update(tx, person, patch)

    def upsert_external(self, tx: Tx, company: str, external_id: str, patch: Patch) -> tuple[bool, Person]:
        """PUT by external id adds or updates (P-pute): (True, p) when created."""
        if len(external_id) > MAX_EXTERNAL_ID:  # the path's id may become the record's (§2.2)
            raise Unprocessable(f"external_person_id is longer than {MAX_EXTERNAL_ID} characters")
        found = repo.person_by_external(tx, company, external_id)
        if found is not None:
            return False, self._update(tx, found, patch)
        mdn = patch.mdn if patch.has("mdn") else None
        carrier = patch.carrier_code if patch.has("carrier_code") else None
        by_mdn = self.match_mdn(tx, company, mdn, carrier) if mdn is not None else None
        if by_mdn is not None:  # same mobile_phone exists: merge into it (P-pute-old, 200)
            if by_mdn.external_person_id is not None and by_mdn.external_person_id != external_id:
                raise Conflict("the MDN belongs to another person record (it has another external_person_id)")
            if not patch.has("external_person_id"):
                patch.external_person_id = external_id
            return False, self._update(tx, by_mdn, patch)
        if not patch.has("external_person_id") or patch.external_person_id is None:
            patch.external_person_id = external_id
        return True, self._create(tx, company, patch, phone_checked=mdn is not None)

    def _create(self, tx: Tx, company: str, patch: Patch, *, phone_checked: bool = False) -> Person:
        """A new person; ``phone_checked`` when the caller has just matched the MDN and carrier
        against the company's persons and found none (the check would repeat the same query)."""
        now = self.env.now()
        person = Person(
            company=company,
            person_key=self.env.ids.person_key(),
            person_id=self._next_person_id(tx, company),
            external_person_id=None,
            mdn=None,
            carrier_code=None,
            custom_fields={},
            timezone=None,
            timezone_source=None,
            created_at=now,
            updated_at=now,
        )
        person = self._apply(tx, person, patch, phone_checked=phone_checked)
        repo.insert_person(tx, person)
        self._saved_new(person)
        self.env.emit(tx, "person_added", company, person=repo.snapshot(person))
        return person

    def _next_person_id(self, tx: Tx, company: str) -> int:
        number = self._next_ids.current().get(company)
        return number if number is not None else repo.next_person_id(tx, company)

    def _saved_new(self, person: Person) -> None:
        """Note a new person's row: the next id is one more (what MAX(person_id) + 1 now says)."""
        self._next_ids.current()[person.company] = person.person_id + 1

    def _update(self, tx: Tx, person: Person, patch: Patch) -> Person:
        self._by_key.pop((person.company, person.person_key), None)
        updated = self._apply(tx, person, patch)
        updated.updated_at = self.env.now()
        repo.update_person(tx, updated)
        # person_updated fires on every update, including an add that merged (W-personcb, P-personcb).
        self.env.emit(tx, "person_updated", person.company, person=repo.snapshot(updated))
        return updated

    def _apply(self, tx: Tx, person: Person, patch: Patch, *, phone_checked: bool = False) -> Person:
        p = person.copy()
        if patch.has("mdn"):
            self._check_mdn(tx, p, patch)
            p.mdn = patch.mdn
        if patch.has("carrier_code"):
            p.carrier_code = patch.carrier_code
        if p.mdn is None and patch.has("mdn"):
            p.carrier_code = patch.carrier_code if patch.has("carrier_code") else None
        if not phone_checked:
            self._check_phone(tx, person, p)
        if patch.has("external_person_id"):
            ext = patch.external_person_id
            if ext is not None:
                other = repo.person_by_external(tx, p.company, ext)
                if other is not None and other.person_key != p.person_key:
                    raise Conflict(
                        f"external_person_id {ext!r} belongs to another person",
                        code=Code.EXTERNAL_ID_CONFLICT,
                    )
            p.external_person_id = ext
        if patch.has("custom_fields"):
            p.custom_fields = (
                {} if patch.custom_fields is None else customfields.apply(p.custom_fields, patch.custom_fields)
            )
        if patch.has("timezone"):
            p.timezone = patch.timezone
            p.timezone_source = "api" if patch.timezone is not None else None
        return p

    def _check_mdn(self, tx: Tx, p: Person, patch: Patch) -> None:
        new = patch.mdn
        if new is None or new == p.mdn:
            return
        if p.mdn is not None:  # an MDN cannot be changed on an existing person (P-putk-old, OAS 409)
            raise Conflict("the MDN of an existing person cannot be changed; remove it first with null")

    def _check_phone(self, tx: Tx, before: Person, after: Person) -> None:
        """A new MDN, or a new carrier on one, must not match another record's (W-person, §2.3)."""
        if after.mdn is None or (after.mdn, after.carrier_code) == (before.mdn, before.carrier_code):
            return
        for other in repo.persons_by_mdn(tx, after.company, after.mdn):
            if other.person_key != after.person_key and _same_carrier(other.carrier_code, after.carrier_code):
                raise Conflict("the MDN belongs to another person record")


def _same_carrier(a: str | None, b: str | None) -> bool:
    """Same MDN is the same person unless both sides name different carriers (docs/fidelity.md)."""
    return a is None or b is None or a == b
