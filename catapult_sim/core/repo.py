"""Data access: the SQL the rules need, in one place. Every function takes an open :class:`Tx`."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from catapult_sim.core.models import Campaign, Participant, Person, Subscription, SubscriptionList
from catapult_sim.core.store import Tx, dumps
from catapult_sim.errors import IdCollision

# -- persons -----------------------------------------------------------------------------------


def person_by_key(tx: Tx, company: str, key: str) -> Person | None:
    row = tx.one("SELECT * FROM persons WHERE company=? AND person_key=?", (company, key))
    return Person.from_row(row) if row else None


def person_by_id(tx: Tx, company: str, person_id: int | str) -> Person | None:
    """The person with this deprecated numeric id; None for anything that cannot be one."""
    number = as_person_id(person_id)
    if number is None:
        return None
    row = tx.one("SELECT * FROM persons WHERE company=? AND person_id=?", (company, number))
    return Person.from_row(row) if row else None


def as_person_id(value: int | str) -> int | None:
    """``value`` as a person_id: ASCII digits that fit SQLite's INTEGER, else None (never an error)."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def person_by_key_or_id(tx: Tx, company: str, key: str) -> Person | None:
    """The ``{person_key}`` slot also takes the deprecated numeric person_id (fact sheet §2.2)."""
    found = person_by_key(tx, company, key)
    return found if found is not None else person_by_id(tx, company, key)


def person_by_external(tx: Tx, company: str, external_id: str) -> Person | None:
    row = tx.one("SELECT * FROM persons WHERE company=? AND external_person_id=?", (company, external_id))
    return Person.from_row(row) if row else None


def persons_by_mdn(tx: Tx, company: str, mdn: str) -> list[Person]:
    rows = tx.all(
        "SELECT * FROM persons WHERE company=? AND mdn=? ORDER BY updated_at DESC, person_id DESC",
        (company, mdn),
    )
    return [Person.from_row(r) for r in rows]


def next_person_id(tx: Tx, company: str) -> int:
    """One past the highest person_id the company has, or ever had (kept by a trigger on delete)."""
    row = tx.one(
        "SELECT MAX(COALESCE((SELECT MAX(person_id) FROM persons WHERE company=:c), 0),"
        " COALESCE((SELECT last FROM person_id_floor WHERE company=:c), 0)) + 1 AS n",
        {"c": company},
    )
    assert row is not None
    return int(row["n"])


def keep_person_id_floor(tx: Tx, company: str | None = None) -> None:
    """Remember the highest person_id of ``company`` (or of every company) before its persons go."""
    if company is not None:  # MAX alone (no GROUP BY) is one index probe of persons_pid, not a scan
        tx.run(
            "INSERT INTO person_id_floor (company, last) SELECT ?1, m FROM (SELECT MAX(person_id) AS m FROM persons"
            " WHERE company=?1) WHERE m IS NOT NULL ON CONFLICT (company) DO UPDATE SET last=MAX(last, excluded.last)",
            (company,),
        )
        return
    tx.run(
        "INSERT INTO person_id_floor (company, last) SELECT company, MAX(person_id) FROM persons"
        " WHERE 1 GROUP BY company ON CONFLICT (company) DO UPDATE SET last=MAX(last, excluded.last)"
    )


_PERSON_COLUMNS = (
    "company",
    "person_key",
    "person_id",
    "external_person_id",
    "mdn",
    "carrier_code",
    "custom_fields",
    "timezone",
    "timezone_source",
    "created_at",
    "updated_at",
)

# A new person is inserted, never written over another: a key or id that exists is an error.
INSERT_PERSON = "INSERT INTO persons ({}) VALUES ({})".format(
    ", ".join(_PERSON_COLUMNS), ", ".join("?" * len(_PERSON_COLUMNS))
)
_UPDATE_PERSON = "UPDATE persons SET {} WHERE company=? AND person_key=?".format(
    ", ".join(f"{c}=?" for c in _PERSON_COLUMNS[2:])
)


def insert_person(tx: Tx, p: Person) -> None:
    """Add a new row; :class:`IdCollision` (nothing written) if its key or person_id is taken."""
    try:
        tx.run(INSERT_PERSON, (p.company, p.person_key, *_person_values(p)))
    except sqlite3.IntegrityError as exc:
        raise IdCollision(f"a new person's generated id is already taken ({exc}); nothing was written") from None


def update_person(tx: Tx, p: Person) -> None:
    """Change the existing row of ``p`` (same company and person_key)."""
    cur = tx.run(_UPDATE_PERSON, (*_person_values(p), p.company, p.person_key))
    if cur.rowcount != 1:
        raise IdCollision(f"person {p.person_key} vanished during an update; nothing was written")


def _person_values(p: Person) -> tuple[Any, ...]:
    return (
        p.person_id,
        p.external_person_id,
        p.mdn,
        p.carrier_code,
        dumps(p.custom_fields),
        p.timezone,
        p.timezone_source,
        p.created_at,
        p.updated_at,
    )


# -- subscriptions -----------------------------------------------------------------------------


def subscriptions_of(tx: Tx, company: str, person_key: str, *, active_only: bool) -> list[Subscription]:
    sql = "SELECT * FROM subscriptions WHERE company=? AND person_key=?"
    if active_only:
        sql += " AND opt_out_date IS NULL"
    rows = tx.all(sql + " ORDER BY id DESC", (company, person_key))
    return [Subscription.from_row(r) for r in rows]


def active_subscription(tx: Tx, company: str, person_key: str, list_id: str) -> Subscription | None:
    row = tx.one(
        "SELECT * FROM subscriptions WHERE company=? AND person_key=? AND list_id=? AND opt_out_date IS NULL",
        (company, person_key, list_id),
    )
    return Subscription.from_row(row) if row else None


def insert_subscription(tx: Tx, company: str, person_key: str, list_id: str, when: str, source: str) -> int:
    cur = tx.run(
        "INSERT INTO subscriptions (company, person_key, list_id, opt_in_date, source) VALUES (?,?,?,?,?)",
        (company, person_key, list_id, when, source),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def end_subscription(tx: Tx, sub_id: int, when: str, reason: str) -> None:
    tx.run("UPDATE subscriptions SET opt_out_date=?, opt_out_reason=? WHERE id=?", (when, reason, sub_id))


def subscription_by_id(tx: Tx, sub_id: int) -> Subscription:
    row = tx.one("SELECT * FROM subscriptions WHERE id=?", (sub_id,))
    assert row is not None
    return Subscription.from_row(row)


def active_subscribers(tx: Tx, company: str, list_id: str) -> list[Subscription]:
    rows = tx.all(
        "SELECT * FROM subscriptions WHERE company=? AND list_id=? AND opt_out_date IS NULL ORDER BY id",
        (company, list_id),
    )
    return [Subscription.from_row(r) for r in rows]


# -- lists and campaigns -----------------------------------------------------------------------


def get_list(tx: Tx, company: str, list_id: str) -> SubscriptionList | None:
    row = tx.one("SELECT * FROM lists WHERE company=? AND id=?", (company, list_id))
    return SubscriptionList.from_row(row) if row else None


def all_persons(tx: Tx, company: str) -> list[Person]:
    return [Person.from_row(r) for r in tx.all("SELECT * FROM persons WHERE company=?", (company,))]


def all_subscriptions(tx: Tx, company: str) -> list[Subscription]:
    rows = tx.all("SELECT * FROM subscriptions WHERE company=? ORDER BY id", (company,))
    return [Subscription.from_row(r) for r in rows]


def all_participants(tx: Tx, company: str) -> list[Participant]:
    rows = tx.all("SELECT * FROM participants WHERE company=? ORDER BY id", (company,))
    return [Participant.from_row(r) for r in rows]


def all_lists(tx: Tx, company: str) -> list[SubscriptionList]:
    rows = tx.all("SELECT * FROM lists WHERE company=? ORDER BY created_at, id", (company,))
    return [SubscriptionList.from_row(r) for r in rows]


def get_campaign(tx: Tx, company: str, acquisition_id: str) -> Campaign | None:
    row = tx.one("SELECT * FROM campaigns WHERE company=? AND acquisition_id=?", (company, acquisition_id))
    return Campaign.from_row(row) if row else None


def all_campaigns(tx: Tx, company: str) -> list[Campaign]:
    rows = tx.all("SELECT * FROM campaigns WHERE company=? ORDER BY created_date, acquisition_id", (company,))
    return [Campaign.from_row(r) for r in rows]


# -- participants ------------------------------------------------------------------------------


def participants_of(tx: Tx, company: str, acquisition_id: str, person_key: str) -> list[Participant]:
    rows = tx.all(
        "SELECT * FROM participants WHERE company=? AND acquisition_id=? AND person_key=? ORDER BY id DESC",
        (company, acquisition_id, person_key),
    )
    return [Participant.from_row(r) for r in rows]


def pending_of_person(tx: Tx, company: str, person_key: str) -> list[Participant]:
    rows = tx.all(
        "SELECT * FROM participants WHERE company=? AND person_key=? AND status='PENDING' ORDER BY id DESC",
        (company, person_key),
    )
    return [Participant.from_row(r) for r in rows]


def insert_participant(
    tx: Tx, company: str, acquisition_id: str, person_key: str, when: str, expires: str, status: str
) -> Participant:
    cur = tx.run(
        "INSERT INTO participants (company, acquisition_id, person_key, participation_date, expire_date,"
        " status, updated_at) VALUES (?,?,?,?,?,?,?)",
        (company, acquisition_id, person_key, when, expires, status, when),
    )
    return Participant(cur.lastrowid or 0, company, acquisition_id, person_key, when, expires, status, when)


def set_participant_status(tx: Tx, part: Participant, status: str, when: str) -> Participant:
    tx.run("UPDATE participants SET status=?, updated_at=? WHERE id=?", (status, when, part.id))
    return dataclasses.replace(part, status=status, updated_at=when)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return names


def snapshot(record: Any) -> dict[str, Any]:
    """A record as plain data, for domain events (a copy: later changes to the record don't show).

    Records hold scalars and one level of containers (custom fields: strings, null, lists of
    strings), so copying that level is a full copy; ``dataclasses.asdict`` did the same 10x slower.
    """
    out: dict[str, Any] = {}
    for name in _field_names(type(record)):
        value = getattr(record, name)
        if isinstance(value, dict):
            value = {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out
