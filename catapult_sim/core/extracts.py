"""The daily extract files a CRM reconciles from: the Subscription Extract and the Current Subscriber
Extract, for one company and one day, exactly as Vibes documents their layout.

Sources: Vibes developer pages "Subscription Extract" [P-extract] and "Current Subscriber Extract"
[P-cursub] (developer-platform.vibes.com/docs/...), and the older wiki pages. Where they are silent
the choice is recorded in docs/fidelity.md ("Extracts").

- Tab-separated text with a header row; one row per line [P-extract] [P-cursub]; an empty field for
  a missing value (the tables mark such columns "Allows Nulls").
- File names: ``subscriptions_<company_key>_<date>.txt`` and ``current_subscribers_<company_key>_<date>.txt``,
  the current pages' recommended names, ``<date>`` as YYYY-MM-DD [P-extract] [P-cursub].
- Dates as ``2017-04-05 14:30:00 -0600`` [P-extract]; the simulator writes UTC, ``+0000``.
- ``carrier_code``: the carrier the CRM sent, else the company's carrier lookup's (core/carriers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from catapult_sim.core import mdn as mdns
from catapult_sim.core import repo
from catapult_sim.core.carriers import OFF, CarrierLookup
from catapult_sim.core.clock import parse_iso, stamp
from catapult_sim.core.models import Person, Subscription
from catapult_sim.core.store import Tx

# Column order of the Subscription Extract's table [P-extract]. Note: "person_id" holds the person_key.
SUBSCRIPTION_COLUMNS = (
    "person_id", "external_person_id", "mdn", "company_id", "carrier_code", "subscription_list_id",
    "subscription_list_name", "opt_in_date", "opt_out_date", "subscription_event", "opt_out_reason",
    "activity_description", "activity_id",
)  # fmt: skip
# Column order of the Current Subscriber Extract's table [P-cursub]; "person_id" holds the person_key.
CURRENT_COLUMNS = (
    "mdn", "person_id", "external_person_id", "carrier_code", "mdn_e164_format", "country_code",
    "subscription_list_id",
)  # fmt: skip
KINDS = ("subscriptions", "current_subscribers")
DELIMITER = "\t"  # TSV [P-extract] [P-cursub]
NEWLINE = "\n"  # "each record delimited by a line feed" (wiki extract pages)


@dataclass(frozen=True, slots=True)
class Extract:
    """One extract file: its name and its text."""

    kind: str
    company: str
    day: date
    name: str
    text: str

    @property
    def rows(self) -> int:
        """Data rows (the header row not counted)."""
        return self.text.count(NEWLINE) - 1


def file_name(kind: str, company: str, day: date) -> str:
    """``subscriptions_<company_key>_<date>.txt`` / ``current_subscribers_<company_key>_<date>.txt``."""
    return f"{kind}_{company}_{day.isoformat()}.txt"


def extract_date(stored: str | None) -> str:
    """A stored time as the extracts write it: ``2017-04-05 14:30:00 +0000`` (the form of [P-extract])."""
    if stored is None:
        return ""
    return parse_iso(stored).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def build(tx: Tx, kind: str, company: str, day: date, carriers: CarrierLookup = OFF) -> Extract:
    """The extract of ``kind`` for ``company`` and ``day`` (UTC), from the store as it is now;
    ``carriers``: the company's carrier lookup, for persons whose carrier the CRM never sent."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    header: tuple[str, ...]
    if kind == "subscriptions":
        lines = _subscription_rows(tx, company, stamp(start), stamp(start + timedelta(days=1)), carriers)
        header = SUBSCRIPTION_COLUMNS
    elif kind == "current_subscribers":
        lines = _current_rows(tx, company, stamp(start), carriers)
        header = CURRENT_COLUMNS
    else:
        raise ValueError(f"unknown extract {kind!r}; choose from {', '.join(KINDS)}")
    text = NEWLINE.join(DELIMITER.join(_clean(v) for v in row) for row in [header, *lines]) + NEWLINE
    return Extract(kind, company, day, file_name(kind, company, day), text)


def _clean(value: str | None) -> str:
    """A field value with no tab or line break in it (they would break the columns)."""
    return "" if value is None else " ".join(str(value).replace(DELIMITER, " ").splitlines())


def _subscription_rows(
    tx: Tx, company: str, start: str, end: str, carriers: CarrierLookup
) -> list[tuple[str | None, ...]]:
    """Every opt-in and every opt-out of the day, in time order: one row per event [P-extract]."""
    found = tx.all(
        "SELECT * FROM subscriptions WHERE company=? AND ((opt_in_date>=? AND opt_in_date<?)"
        " OR (opt_out_date>=? AND opt_out_date<?))",
        (company, start, end, start, end),
    )
    events: list[tuple[str, int, Subscription, str]] = []
    for row in found:
        sub = Subscription.from_row(row)
        if start <= sub.opt_in_date < end:
            events.append((sub.opt_in_date, sub.id, sub, "OPT_IN"))
        if sub.opt_out_date is not None and start <= sub.opt_out_date < end:
            events.append((sub.opt_out_date, sub.id, sub, "OPT_OUT"))
    events.sort(key=lambda e: (e[0], e[1], e[3]))
    names = {sl.id: sl.name for sl in repo.all_lists(tx, company)}
    campaigns = {c.acquisition_id: c.description for c in repo.all_campaigns(tx, company)}
    person_of = _persons(tx, company)
    rows: list[tuple[str | None, ...]] = []
    for _, _, sub, event in events:
        person = person_of(sub.person_key)
        out = event == "OPT_OUT"
        activity = sub.campaign
        rows.append((
            sub.person_key, person.external_person_id if person else None, person.mdn if person else None,
            company, carriers.reported(person) if person else None, sub.list_id, names.get(sub.list_id),
            extract_date(sub.opt_in_date), extract_date(sub.opt_out_date) if out else None, event,
            (sub.opt_out_reason or "").upper() if out else None,  # upper case on the current page [P-extract]
            campaigns.get(activity) if activity else None, activity,
        ))  # fmt: skip
    return rows


def _current_rows(tx: Tx, company: str, midnight: str, carriers: CarrierLookup) -> list[tuple[str | None, ...]]:
    """Every subscription active at 12:00 A.M. of the day [P-cursub], by list then opt-in."""
    found = tx.all(
        "SELECT * FROM subscriptions WHERE company=? AND opt_in_date<=? AND (opt_out_date IS NULL OR opt_out_date>?)"
        " ORDER BY list_id, opt_in_date, id",
        (company, midnight, midnight),
    )
    person_of = _persons(tx, company)
    rows: list[tuple[str | None, ...]] = []
    for row in found:
        sub = Subscription.from_row(row)
        person = person_of(sub.person_key)
        mdn = person.mdn if person else None
        country, national = mdns.split_e164(mdn) if mdn else ("", "")
        rows.append((
            national or None, sub.person_key, person.external_person_id if person else None,
            carriers.reported(person) if person else None, mdn, country or None, sub.list_id,
        ))  # fmt: skip
    return rows


def _persons(tx: Tx, company: str) -> Callable[[str], Person | None]:
    """The company's persons by key, each read from the store once (a person may hold many rows)."""
    seen: dict[str, Person | None] = {}

    def person(key: str) -> Person | None:
        if key not in seen:
            seen[key] = repo.person_by_key(tx, company, key)
        return seen[key]

    return person
