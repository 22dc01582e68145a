"""Bulk load of persons: a file of person requests loaded into one company in one transaction.

The file is JSON Lines (one Person API request body per line) or CSV with a header row (columns
``external_person_id``, ``mdn``, ``carrier_code``, ``timezone`` and ``custom_fields.NAME``); see
docs/bulk-load.md. Every row is checked with the Person API's rules: the ``person-request`` schema,
the MDN's form, the company's custom field definitions, a unique ``external_person_id`` and no two
persons with the same MDN and carrier (W-person, docs/fidelity.md). Every row creates a new person;
a row that would match a person (in the company or earlier in the file) is an error, as is any
other bad row, and then nothing is written at all.

Speed: rows are validated and turned into ready tuples one at a time inside a generator that
``executemany`` consumes, so no list of rows or Python object per person is ever held. Duplicate
external ids are caught by the unique index as the rows go in; duplicate MDNs by one query over
the new rows before COMMIT. The load emits no domain events (no callbacks, nothing in the events
log): a bulk load is not a Person API call (docs/fidelity.md).
"""

from __future__ import annotations

import codecs
import csv
import io
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from catapult_sim import schemas
from catapult_sim.core import customfields, jsonio, repo
from catapult_sim.core import mdn as mdns
from catapult_sim.core.env import Env
from catapult_sim.core.seed import DEMO_COMPANY
from catapult_sim.errors import Code, Problem, Unprocessable

FORMATS = ("jsonl", "csv")
MAX_PROBLEMS = 20  # a bad file is described by its first problems, not by all of them
_CSV_PLAIN = ("external_person_id", "mdn", "carrier_code", "timezone")
_CF = "custom_fields."
# A new person whose MDN another person of the company already has (with the same carrier, or
# either side without one: persons.Persons.match_mdn's rule), found with the (company, mdn) index.
_SAME_PHONE = (
    "SELECT n.person_id AS new_id, o.person_id AS old_id, n.mdn AS mdn FROM persons n"
    " JOIN persons o INDEXED BY persons_mdn ON o.company = n.company AND o.mdn = n.mdn AND o.person_id < n.person_id"
    " WHERE n.company = ?1 AND n.person_id >= ?2 AND n.mdn IS NOT NULL"
    " AND (o.carrier_code IS NULL OR n.carrier_code IS NULL OR o.carrier_code = n.carrier_code)"
    " ORDER BY n.person_id LIMIT ?3"
)


class BadFile(Unprocessable):
    """The file cannot be loaded; ``problems`` name each bad row by its line. Nothing was written."""


@dataclass(slots=True)
class Loaded:
    """What a load did: how many persons it created and the person_ids they got (a range)."""

    company: str
    format: str
    created: int
    first_person_id: int | None
    last_person_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {"company": self.company, "format": self.format, "created": self.created,
                "first_person_id": self.first_person_id, "last_person_id": self.last_person_id,
                "events": 0}  # fmt: skip


class PersonsFileError(ValueError):
    """A ``--persons`` file that could not be loaded; the message is one line naming the flag."""


def load_files(env: Env, spec: str, *, fresh_only: bool) -> list[Loaded]:
    """Load ``--persons`` values (``[COMPANY=]FILE``, comma-joined); ``fresh_only``: skip a company
    that has persons already (a restart on the same database file keeps what it holds)."""
    done = []
    for item in spec.split(","):
        company, _, path = item.rpartition("=")
        company = company or _first_company(env)
        if env.companies.provision(company) is None:
            raise PersonsFileError(f"--persons {item}: company {company!r} is not in the seed")
        if fresh_only and _has_persons(env, company):
            continue
        try:
            with open(path, "rb") as source:
                done.append(load(env, company, source, sniff(source.read(4096))))
        except OSError as exc:
            raise PersonsFileError(f"--persons {item}: cannot read {path}: {exc.strerror or exc}") from None
        except BadFile as exc:
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            raise PersonsFileError(f"--persons {item}: {exc.problems[0].message}{more}") from None
    return done


def _first_company(env: Env) -> str:
    keys = [c.get("key") for c in env.companies.seed.get("companies", []) if isinstance(c, dict)]
    return str(keys[0]) if keys else DEMO_COMPANY


def _has_persons(env: Env, company: str) -> bool:
    with env.store.read() as tx:
        return tx.one("SELECT 1 FROM persons WHERE company=? LIMIT 1", (company,)) is not None


def sniff(head: bytes) -> str:
    """``jsonl`` when the first thing in the file is a JSON object, else ``csv``."""
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    return "jsonl" if text.startswith(b"{") else "csv"


def load(env: Env, company: str, source: IO[bytes], fmt: str) -> Loaded:
    """Load every row of ``source`` (binary, seekable) into ``company``, or nothing (:class:`BadFile`)."""
    if fmt not in FORMATS:
        raise BadFile(f"format must be one of {', '.join(FORMATS)}", code=Code.INVALID)
    defs = env.company(company).custom_fields
    with env.store.transaction() as tx:
        first = repo.next_person_id(tx, company)
        rows = _Rows(env, company, first, defs)
        try:
            tx.conn.executemany(repo.INSERT_PERSON, rows.tuples(_records(source, fmt)))
        except sqlite3.IntegrityError as exc:
            rows.problems.append(_integrity_problem(tx.conn, rows, company, str(exc)))
        if not rows.problems:
            rows.problems += _phone_problems(tx.conn, company, first, source, fmt)
        if rows.problems:
            raise BadFile(problems=rows.problems)
        env.store.touch()  # the cached next person_id of the company is stale
    last = first + rows.count - 1 if rows.count else None
    return Loaded(company, fmt, rows.count, first if rows.count else None, last)


@dataclass(slots=True)
class _Rows:
    """Turns records into insertable tuples, noting problems instead of raising (the load continues
    to find up to MAX_PROBLEMS of them, but writes nothing once one is found)."""

    env: Env
    company: str
    first: int
    defs: dict[str, dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    line: int = 0  # the line of the record being inserted (for a constraint error)
    ext: str | None = None

    def tuples(self, records: Iterator[tuple[int, Any]]) -> Iterator[tuple[Any, ...]]:
        now = self.env.now()
        person_key = self.env.ids.person_key
        valid = schemas.fast_validator("person-request").is_valid
        company, problems = self.company, self.problems
        for line, data in records:
            if line < 0:  # a record that could not even be read
                problems.append(Problem(Code.MALFORMED_BODY, f"line {-line}: {data}"))
            elif not isinstance(data, dict):
                problems.append(Problem(Code.MALFORMED_BODY, f"line {line}: a person must be a JSON object"))
            elif not valid(data):
                problems += [_at(line, p) for p in schemas.problems("person-request", data)]
            else:
                row = self._row(line, data, now)
                if row is not None and not problems:
                    self.line, self.ext = line, data.get("external_person_id")
                    self.count += 1
                    yield (company, person_key(), self.first + self.count - 1, *row)
            if len(problems) >= MAX_PROBLEMS:
                return

    def _row(self, line: int, data: dict[str, Any], now: str) -> tuple[Any, ...] | None:
        """The columns after person_id, or None (a problem noted): what Persons.add would store."""
        found: list[Problem] = []
        phone = data.get("mobile_phone") or {}
        raw = phone.get("mdn")
        mdn = None
        if raw is not None:
            try:  # either form: E.164 as under X-API-Version 2, ten digits as under version 1
                mdn = mdns.parse_any(raw)
            except mdns.MdnError as exc:
                found.append(Problem(Code.INVALID_MDN, f"mobile_phone.mdn: {exc}"))
        ext = data.get("external_person_id")
        if ext is None and raw is None:
            found.append(Problem(Code.REQUIRED, "mobile_phone.mdn or external_person_id is required"))
        fields = "{}"
        values = data.get("custom_fields")
        if values:
            stored = customfields.normalize(values, self.defs, found)
            kept = {k: v for k, v in stored.items() if v is not None}
            fields = jsonio.dumps(kept) if kept else "{}"
        if found:
            self.problems += [_at(line, p) for p in found]
            return None
        tz = data.get("timezone")
        return (ext, mdn, phone.get("carrier_code"), fields, tz, "api" if tz is not None else None, now, now)


def _at(line: int, problem: Problem) -> Problem:
    return Problem(problem.code, f"line {line}: {problem.message}")


def _records(source: IO[bytes], fmt: str) -> Iterator[tuple[int, Any]]:
    """(line, record) for every record; a record that cannot be read comes as (-line, reason)."""
    source.seek(0)
    return _jsonl(source) if fmt == "jsonl" else _csv(source)


def _jsonl(source: IO[bytes]) -> Iterator[tuple[int, Any]]:
    loads = orjson.loads
    for number, raw in enumerate(source, start=1):
        line = raw.strip()
        if not line:
            continue
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            data = loads(line)
        except orjson.JSONDecodeError as exc:
            yield -number, f"not JSON ({exc})"
            continue
        yield number, data


def _csv(source: IO[bytes]) -> Iterator[tuple[int, Any]]:
    # Strict UTF-8 (other bytes are refused); newline="" as the csv module wants. Detached at the
    # end so that the caller's file stays open for a second pass (the lines of duplicate MDNs).
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        bad = [h for h in header if h not in _CSV_PLAIN and not (h.startswith(_CF) and len(h) > len(_CF))]
        if bad or len(set(header)) != len(header):
            known = ", ".join(_CSV_PLAIN)
            why = f"unknown column {bad[0]!r}" if bad else "a column is named twice"
            yield -1, f"CSV header: {why} (columns: {known} and custom_fields.NAME)"
            return
        for cells in reader:
            if not any(cells):
                continue
            if len(cells) != len(header):
                yield -reader.line_num, f"{len(cells)} cells, the header has {len(header)}"
                continue
            yield reader.line_num, _csv_record(header, cells)
    except (csv.Error, UnicodeDecodeError) as exc:
        yield -max(reader.line_num, 1), f"not CSV in UTF-8 ({exc})"
    finally:
        text.detach()


def _csv_record(header: list[str], cells: list[str]) -> dict[str, Any]:
    """A CSV row in the Person API's request shape; an empty cell is a field left out."""
    out: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=True):
        if cell == "":
            continue
        if name.startswith(_CF):
            out.setdefault("custom_fields", {})[name[len(_CF) :]] = cell
        elif name in ("mdn", "carrier_code"):
            out.setdefault("mobile_phone", {})[name] = cell
        else:
            out[name] = cell
    return out


def _integrity_problem(conn: sqlite3.Connection, rows: _Rows, company: str, error: str) -> Problem:
    """The row a unique index refused: an external id the company or an earlier row has."""
    if "external_person_id" in error and rows.ext is not None:
        found = conn.execute(
            "SELECT person_id FROM persons WHERE company=? AND external_person_id=?", (company, rows.ext)
        ).fetchone()
        where = (
            f"row {found[0] - rows.first + 1} of the file"
            if found and found[0] >= rows.first
            else f"person_id {found[0] if found else '?'}"
        )
        return Problem(
            Code.EXTERNAL_ID_CONFLICT, f"line {rows.line}: external_person_id {rows.ext!r} belongs to {where}"
        )
    return Problem(Code.ID_COLLISION, f"line {rows.line}: {error}")


def _phone_problems(conn: sqlite3.Connection, company: str, first: int, source: IO[bytes], fmt: str) -> list[Problem]:
    found = conn.execute(_SAME_PHONE, (company, first, MAX_PROBLEMS)).fetchall()
    if not found:
        return []
    lines = _lines_of(source, fmt, {r["new_id"] - first + 1 for r in found} | {r["old_id"] - first + 1 for r in found})
    out = []
    for r in found:
        other = f"line {lines[r['old_id'] - first + 1]}" if r["old_id"] >= first else f"person_id {r['old_id']}"
        out.append(
            Problem(
                Code.MDN_CONFLICT,
                f"line {lines[r['new_id'] - first + 1]}: MDN {r['mdn']} with this carrier is already {other}"
                " (same MDN and carrier: the same person)",
            )
        )
    return out


def _lines_of(source: IO[bytes], fmt: str, ordinals: set[int]) -> dict[int, int]:
    """The line of each of these records (1 = the first person of the file); only on a bad file."""
    out: dict[int, int] = {}
    for ordinal, (line, _) in enumerate(_records(source, fmt), start=1):
        if ordinal in ordinals:
            out[ordinal] = line
    return out
