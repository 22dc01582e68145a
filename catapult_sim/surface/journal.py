"""The request journal: every call the Catapult surface received and what it answered.

Pure bookkeeping, no HTTP: the middleware fills :class:`Entry` objects and :class:`Journal` keeps
the newest ``cap`` of them (oldest dropped first, with a count of how many were dropped).
Recording is a deque append; decoding, redaction and JSON parsing happen only when someone reads.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

COMPANY_PREFIX = "/companies/{company_key}"
BODY_LIMIT = 64 * 1024  # request bytes kept per entry
EXCERPT_LIMIT = 2 * 1024  # response bytes kept per entry
REDACTED = frozenset({b"authorization", b"proxy-authorization", b"cookie"})


class PatternError(ValueError):
    """A path pattern or template that names nothing on the Catapult surface."""


class PathTable:
    """The Catapult operations as (method, template), matched in routing-table order like the router.

    Matching walks a tree of path segments (a literal segment, or ``{name}`` for any non-empty
    one, as Starlette's default convertor), so its cost depends on the path's depth, not on how
    many operations there are.
    """

    def __init__(self, ops: Iterable[tuple[str, str]]) -> None:
        self.methods: dict[str, set[str]] = {}
        for method, template in ops:
            self.methods.setdefault(template.rstrip("/"), set()).add(method.upper())
        self._root = _Node()
        for order, template in enumerate(self.methods):
            segments = template.split("/")
            names = tuple(segment[1:-1] for segment in segments if segment.startswith("{"))
            self._root.add(segments, 0, (order, template, names))

    def first(self, path: str) -> tuple[str, dict[str, str]] | None:
        """The template the router picks for ``path`` (no trailing slash): the first in table order
        that matches, with the values of its parameters; None when none does."""
        node = self._root
        values: list[str] = []
        for segment in path.split("/"):  # the one way down, while no segment could go two ways
            child = node.literal.get(segment)
            if child is None:
                child = node.param
                if child is None or not segment:
                    return None
                values.append(segment)
            elif node.param is not None and segment:
                found = self.matches(path)  # a literal and a parameter both fit: search both ways
                return found[0] if found else None
            node = child
        leaf = node.leaf
        return None if leaf is None else (leaf[1], dict(zip(leaf[2], values, strict=True)))

    def matches(self, path: str) -> list[tuple[str, dict[str, str]]]:
        """Every template that matches ``path`` (no trailing slash), in routing-table order, with the
        values of its parameters."""
        found: list[tuple[_Leaf, list[str]]] = []
        self._root.find(path.split("/"), 0, [], found)
        found.sort(key=lambda match: match[0][0])
        return [(leaf[1], dict(zip(leaf[2], values, strict=True))) for leaf, values in found]

    def resolve(self, path: str) -> str | None:
        """The template the router would pick for ``path`` (trailing slash ignored), or None."""
        found = self.first(path.rstrip("/") or "/")
        return found[0] if found else None

    def template(self, pattern: str) -> str:
        """A known template, given in full or relative to ``/companies/{company_key}``."""
        full = absolute(pattern)
        if full not in self.methods:
            known = ", ".join(relative(t) for t in self.methods)
            raise PatternError(f"{pattern!r} is not a Catapult path template (known: {known})")
        return full


_Leaf = tuple[int, str, tuple[str, ...]]  # (order in the table, template, parameter names)


class _Node:
    """One segment position of :class:`PathTable`'s tree."""

    __slots__ = ("leaf", "literal", "param")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.param: _Node | None = None
        self.leaf: _Leaf | None = None

    def add(self, segments: list[str], at: int, leaf: _Leaf) -> None:
        if at == len(segments):
            self.leaf = self.leaf or leaf
            return
        segment = segments[at]
        if segment.startswith("{"):
            self.param = child = self.param or _Node()
        else:
            child = self.literal.setdefault(segment, _Node())
        child.add(segments, at + 1, leaf)

    def find(self, segments: list[str], at: int, values: list[str], found: list[tuple[_Leaf, list[str]]]) -> None:
        if at == len(segments):
            if self.leaf is not None:
                found.append((self.leaf, list(values)))
            return
        segment = segments[at]
        child = self.literal.get(segment)
        if child is not None:
            child.find(segments, at + 1, values, found)
        if self.param is not None and segment:
            values.append(segment)
            self.param.find(segments, at + 1, values, found)
            values.pop()


def absolute(pattern: str) -> str:
    """``/mobiledb/persons`` -> ``/companies/{company_key}/mobiledb/persons`` (no trailing slash)."""
    pattern = pattern.strip()
    if not pattern.startswith("/"):
        pattern = "/" + pattern
    if not pattern.startswith("/companies/"):
        pattern = COMPANY_PREFIX + pattern
    return pattern.rstrip("/")


def relative(path: str) -> str:
    """The part of a path or template after ``/companies/<key>``."""
    parts = path.split("/", 3)
    return "/" + parts[3] if len(parts) > 3 else "/"


@dataclass(frozen=True, slots=True)
class PathPattern:
    """How a journal query names paths: a template (has ``{``), a glob (has ``*``) or an exact path.

    A pattern starting ``/companies/`` is compared with the whole path; any other pattern with the
    part after ``/companies/<key>``.
    """

    text: str
    kind: str  # "template" | "glob" | "exact"
    whole: bool

    @classmethod
    def parse(cls, text: str, table: PathTable) -> PathPattern:
        text = text.strip()
        if not text:
            raise PatternError("a path pattern cannot be empty")
        whole = text.startswith("/companies/") or text.startswith("companies/")
        if "{" in text or "}" in text:
            return cls(table.template(text), "template", True)
        norm = ("/" + text.lstrip("/")).rstrip("/") or "/"
        return cls(norm, "glob" if any(c in text for c in "*?[") else "exact", whole)

    def matches(self, entry: Entry) -> bool:
        if self.kind == "template":
            return entry.template == self.text
        path = entry.path.rstrip("/") or "/"
        subject = path if self.whole else relative(path)
        if self.kind == "glob":
            return fnmatch.fnmatchcase(subject, self.text)
        return subject == self.text


@dataclass(slots=True, eq=False)
class Entry:
    """One request and its answer. Raw bytes are kept; :meth:`as_dict` decodes and redacts."""

    time: datetime
    company: str
    method: str
    path: str
    query: bytes = b""
    head: bytes | tuple[tuple[bytes, bytes], ...] = b""  # the request headers, see pack_headers
    body: bytes = b""
    body_truncated: bool = False
    template: str | None = None
    status: int | None = None
    response: bytes = b""
    latency_ms: float = 0.0
    fault: dict[str, Any] | None = None
    throttled: bool = False
    id: int = 0

    def json_body(self) -> Any:
        """The request body parsed as JSON; None when empty; the text when it is not JSON."""
        return _decode(self.body)

    def query_params(self) -> dict[str, Any]:
        """Query parameters; a parameter given more than once maps to a list."""
        out: dict[str, Any] = {}
        for key, value in parse_qsl(self.query.decode("latin-1"), keep_blank_values=True):
            if key in out:
                out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
            else:
                out[key] = value
        return out

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        """The request headers as the server gave them: (name, value) pairs, in order."""
        return unpack_headers(self.head)

    def header_map(self) -> dict[str, str]:
        """Request headers with credentials replaced (the scheme is kept, the secret is not)."""
        out: dict[str, str] = {}
        for raw_name, raw_value in self.headers:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            if raw_name.lower() in REDACTED:
                scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
                value = f"{scheme} [redacted]".strip()
            out[name] = f"{out[name]}, {value}" if name in out else value
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "company": self.company,
            "method": self.method,
            "path": self.path,
            "template": self.template,
            "query": self.query_params(),
            "headers": self.header_map(),
            "body": self.json_body(),
            "body_truncated": self.body_truncated,
            "status": self.status,
            "response": _decode(self.response),
            "latency_ms": round(self.latency_ms, 3),
            "fault": self.fault,
            "throttled": self.throttled,
        }


def pack_headers(headers: list[tuple[bytes, bytes]]) -> bytes | tuple[tuple[bytes, bytes], ...]:
    """The headers as one bytes object (``name NUL value``, a newline between pairs).

    A journal keeps thousands of entries; one object per entry instead of a list of pairs of
    bytes is a measurable part of a request's cost under load (benchmarks/bench_api.py: about
    6 µs of server CPU per POST person). HTTP forbids NUL, CR and LF in fields (RFC 9110 §5.5);
    should a client's headers hold them anyway, they are kept as a tuple of pairs instead.
    """
    blob = b"\n".join(map(b"\0".join, headers))
    if blob.count(b"\n") == len(headers) - 1 and blob.count(b"\0") == len(headers):
        return blob
    return tuple(headers)


def unpack_headers(head: bytes | tuple[tuple[bytes, bytes], ...]) -> list[tuple[bytes, bytes]]:
    if isinstance(head, tuple):
        return list(head)
    if not head:
        return []
    return [tuple(pair.split(b"\0", 1)) for pair in head.split(b"\n")]  # type: ignore[misc]


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Query:
    """Journal filters; every one left None matches everything."""

    method: str | None = None
    path: PathPattern | None = None
    company: str | None = None
    status: str | None = None  # "503", or a class such as "5xx"
    since: datetime | None = None
    after: int | None = None

    def matches(self, e: Entry) -> bool:
        return (
            (self.method is None or e.method == self.method)
            and (self.company is None or e.company == self.company)
            and (self.after is None or e.id > self.after)
            and (self.since is None or e.time >= self.since)
            and (self.status is None or _status_matches(self.status, e.status))
            and (self.path is None or self.path.matches(e))
        )


STATUS_PATTERN = re.compile(r"\A(?:[1-5]\d\d|[1-5]xx|none)\Z")


def _status_matches(pattern: str, status: int | None) -> bool:
    if pattern == "none":
        return status is None
    if status is None:
        return False
    if pattern.endswith("xx"):
        return str(status)[0] == pattern[0]
    return str(status) == pattern


class Journal:
    """The newest ``cap`` entries, oldest first. ``cap`` 0 turns recording off."""

    def __init__(self, cap: int) -> None:
        if cap < 0:
            raise ValueError("the journal cap cannot be negative")
        self.cap = cap
        self.dropped = 0
        self._seq = 0
        self._entries: deque[Entry] = deque(maxlen=cap)

    def record(self, entry: Entry) -> None:
        """Keep ``entry`` (the hot path: a counter and a deque append)."""
        entries = self._entries
        if len(entries) == self.cap:
            if not self.cap:
                return
            self.dropped += 1
        self._seq += 1
        entry.id = self._seq
        entries.append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def last_id(self) -> int:
        """The id of the newest entry ever recorded (0 before the first): it moves on every record."""
        return self._seq

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self._entries))

    def select(self, query: Query, limit: int | None = None) -> list[Entry]:
        """Matching entries, oldest first; with ``limit``, the newest ``limit`` of them.

        With a limit the scan starts at the newest entry and stops once it has ``limit``: an open
        inspector page asks for the newest page of a full journal several times a second.
        """
        entries = list(self._entries)
        if not limit:
            return [e for e in entries if query.matches(e)]
        found: list[Entry] = []
        for e in reversed(entries):
            if query.matches(e):
                found.append(e)
                if len(found) == limit:
                    break
        found.reverse()
        return found

    def get(self, entry_id: int) -> Entry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def clear(self, company: str | None = None) -> int:
        """Forget every entry (or one company's); returns how many went. The dropped count resets too."""
        before = len(self._entries)
        if company is None:
            self._entries.clear()
            self.dropped = 0
        else:
            kept = [e for e in self._entries if e.company != company]
            self._entries = deque(kept, maxlen=self.cap)
        return before - len(self._entries)
