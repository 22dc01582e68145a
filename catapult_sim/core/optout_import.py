"""The Subscriber Opt-Out Import: a delimited file that ends subscriptions with ``bulk_opt_out``.

Source: Vibes developer page "Subscriber Opt-Out Import" [P-optout]
(developer-platform.vibes.com/docs/subscriber-opt-out-import). What it documents:

- Optional headers: ``Content-Type`` (always ``TEXT``), ``Subscription-List-ID`` (else every row
  names its list; a row's value wins over the header's), ``Fields`` (comma-separated field names;
  when absent the first body row holds them, with the body's delimiter) and ``Delimiter`` (default
  a comma).
- Each row names at least one identifier of ``person_id``, ``external_person_id``, ``person_key``,
  ``vibes_device_id`` or ``mdn``; with several, the one of highest precedence is used. Field names
  are lowercase. The import sends no confirmation text to the subscribers.

Where the page is silent (how headers are written, the precedence order, answers per row, what a
bad file does), docs/fidelity.md ("Opt-out import") records the choice made here: headers are
``Name: value`` lines ended by a blank line; precedence is the order the page lists them in; a file
whose layout is wrong is refused whole, and changes nothing; a row that cannot be applied is
reported and the other rows still apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catapult_sim.core import mdn as mdns
from catapult_sim.core import repo, selector
from catapult_sim.core.models import Person
from catapult_sim.core.store import Tx
from catapult_sim.core.subscriptions import Subscriptions
from catapult_sim.errors import BadRequest, Code, Problem, Unprocessable

HEADERS = ("content-type", "subscription-list-id", "fields", "delimiter")
# Identifiers in the order the page lists them, taken as their precedence (docs/fidelity.md).
IDENTIFIERS = ("person_id", "external_person_id", "person_key", "vibes_device_id", "mdn")
FIELDS = (*IDENTIFIERS, "subscription_list_id")
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "pipe": "|", "semicolon": ";"}
REASON = "bulk_opt_out"  # the opt-out reason this import gives (fact sheet §3.4; extract pages)
ACCEPTED, UNKNOWN_PERSON, NOT_SUBSCRIBED, MALFORMED = "accepted", "unknown_person", "not_subscribed", "malformed"
STATUSES = (ACCEPTED, UNKNOWN_PERSON, NOT_SUBSCRIBED, MALFORMED)


@dataclass(slots=True)
class Layout:
    """What the headers (or the first row) say about the body."""

    delimiter: str = ","
    fields: list[str] = field(default_factory=list)
    list_id: str | None = None
    first_row: int = 1  # the file line number of the first data row


@dataclass(slots=True)
class RowResult:
    line: int
    status: str
    message: str | None = None
    person_key: str | None = None
    list_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "status": self.status}
        for key, value in (("person_key", self.person_key), ("subscription_list_id", self.list_id),
                           ("message", self.message)):  # fmt: skip
            if value is not None:
                out[key] = value
        return out


def parse_layout(lines: list[str]) -> Layout:
    """Read the optional headers and the field names; a bad layout is a 400 naming the problem."""
    layout, i, header_seen = Layout(), 0, False
    while i < len(lines) and _header(lines[i]) is not None:
        name, value = _header(lines[i]) or ("", "")
        header_seen = True
        _apply_header(layout, name, value)
        i += 1
    if header_seen and i < len(lines) and lines[i].strip() == "":
        i += 1  # the blank line that ends the headers
    if not layout.fields:
        while i < len(lines) and lines[i].strip() == "":
            i += 1
        if i >= len(lines):
            raise BadRequest("the file has no field names: send a Fields header or a first row of field names")
        layout.fields = [f.strip() for f in lines[i].split(layout.delimiter)]
        i += 1
    _check_fields(layout.fields)
    layout.first_row = i + 1
    return layout


def _header(line: str) -> tuple[str, str] | None:
    name, sep, value = line.partition(":")
    if not sep or name.strip().lower() not in HEADERS:
        return None
    return name.strip().lower(), value.strip()


def _apply_header(layout: Layout, name: str, value: str) -> None:
    if name == "content-type" and value.upper() != "TEXT":
        raise BadRequest(f"Content-Type header: the value must be TEXT, not {value!r}")  # [P-optout]
    if name == "subscription-list-id":
        layout.list_id = value or None
    elif name == "fields":
        layout.fields = [f.strip() for f in value.split(",")]  # comma-separated [P-optout]
    elif name == "delimiter":
        delimiter = DELIMITER_NAMES.get(value.lower(), value)
        if len(delimiter) != 1 or delimiter in '\r\n"':
            raise BadRequest(f"Delimiter header: one character (or tab, comma, pipe, semicolon), not {value!r}")
        layout.delimiter = delimiter


def _check_fields(names: list[str]) -> None:
    problems = []
    for name in names:
        if name != name.lower():
            problems.append(Problem(Code.INVALID, f"field {name!r}: field names must be lowercase"))
        elif name not in FIELDS:
            problems.append(Problem(Code.UNKNOWN_FIELD, f"field {name!r} is not one of {', '.join(FIELDS)}"))
    if len(set(names)) != len(names):
        problems.append(Problem(Code.INVALID, "a field name appears twice"))
    if not problems and not set(names) & set(IDENTIFIERS):
        problems.append(Problem(Code.REQUIRED, f"no identifier field: name one of {', '.join(IDENTIFIERS)}"))
    if problems:
        raise Unprocessable(problems=problems)


def decode(raw: bytes) -> list[str]:
    """The file's lines (UTF-8, an optional BOM; any line ending)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("the file is not UTF-8 text", code=Code.MALFORMED_BODY) from None
    if not text.strip():
        raise BadRequest("the file is empty", code=Code.MALFORMED_BODY)
    return text.splitlines()


def apply(tx: Tx, subs: Subscriptions, company: str, raw: bytes) -> list[RowResult]:
    """Opt out every row's person from its list; one result per data row, in file order."""
    lines = decode(raw)
    layout = parse_layout(lines)
    results = []
    for number, line in enumerate(lines[layout.first_row - 1 :], start=layout.first_row):
        if line.strip():
            results.append(_row(tx, subs, company, layout, number, line))
    return results


def _row(tx: Tx, subs: Subscriptions, company: str, layout: Layout, number: int, line: str) -> RowResult:
    values = [v.strip() for v in line.split(layout.delimiter)]
    if len(values) != len(layout.fields):
        return RowResult(number, MALFORMED, f"{len(values)} values for {len(layout.fields)} fields")
    row = {k: v for k, v in zip(layout.fields, values, strict=True) if v}
    list_id = row.get("subscription_list_id") or layout.list_id  # the row's value wins [P-optout]
    if list_id is None:
        return RowResult(number, MALFORMED, "no subscription_list_id in the row or the Subscription-List-ID header")
    name = next((k for k in IDENTIFIERS if k in row), None)
    if name is None:
        return RowResult(number, MALFORMED, "no identifier in the row", list_id=list_id)
    try:
        person = _person(tx, company, name, row[name])
    except mdns.MdnError as exc:
        return RowResult(number, MALFORMED, f"mdn: {exc}", list_id=list_id)
    if person is None:
        return RowResult(number, UNKNOWN_PERSON, f"no person with {name} {row[name]!r}", list_id=list_id)
    found = repo.get_list(tx, company, list_id)
    sub = repo.active_subscription(tx, company, person.person_key, list_id) if found else None
    if sub is None:
        return RowResult(number, NOT_SUBSCRIBED, f"not subscribed to list {list_id!r}", person.person_key, list_id)
    subs.end(tx, person, sub, REASON)
    return RowResult(number, ACCEPTED, None, person.person_key, list_id)


def _person(tx: Tx, company: str, name: str, value: str) -> Person | None:
    """The person the row's identifier names, by the one person-selector rule (core/selector.py)."""
    if name == "vibes_device_id":
        return None  # push devices are not simulated, so no person has one
    if name == "mdn":  # E.164, or 10 national digits taken as +1
        value = mdns.parse_any(value)
    return selector.select(tx, company, {name: value}).person
