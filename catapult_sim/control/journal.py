"""/_sim/journal: list, count, clear and verify the requests the Catapult surface received."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response, sim_of
from catapult_sim.control._common import body
from catapult_sim.core.clock import parse_iso
from catapult_sim.errors import BadRequest, Code, NotFound, Problem, Unprocessable
from catapult_sim.surface.journal import STATUS_PATTERN, PathPattern, PathTable, PatternError, Query
from catapult_sim.surface.verify import Expectation, RequestPattern, verify

LIST_PARAMS = frozenset({"method", "path", "company", "status", "since", "after", "limit"})


def table_of(request: Request) -> PathTable:
    table: PathTable = request.app.state.catapult_paths
    return table


def _query(params: Mapping[str, str], table: PathTable, allowed: frozenset[str]) -> tuple[Query, int | None]:
    """Journal filters from query parameters; every bad one is reported at once (400)."""
    problems = [Problem(Code.UNKNOWN_FIELD, f"{k} is not a known parameter") for k in params if k not in allowed]
    values: dict[str, Any] = {}
    for name, parse in _PARSERS.items():
        raw = params.get(name)
        if raw is not None and name in allowed:
            try:
                values[name] = parse(raw, table)
            except ValueError as exc:
                problems.append(Problem(Code.INVALID, f"{name}: {exc}"))
    if problems:
        raise BadRequest(problems=problems)
    limit = values.pop("limit", None)
    return Query(**values), limit


def _method(raw: str, table: PathTable) -> str:
    if not raw.isascii() or not raw.isalpha() or len(raw) > 10:
        raise ValueError("must be an HTTP method such as POST")
    return raw.upper()


def _path(raw: str, table: PathTable) -> PathPattern:
    try:
        return PathPattern.parse(raw, table)
    except PatternError as exc:
        raise ValueError(str(exc)) from None


def _company(raw: str, table: PathTable) -> str:
    if not raw or len(raw) > 256:
        raise ValueError("must be a company key")
    return raw


def _status(raw: str, table: PathTable) -> str:
    if not STATUS_PATTERN.match(raw.lower()):
        raise ValueError("must be a status such as 503, a class such as 5xx, or none")
    return raw.lower()


def _since(raw: str, table: PathTable) -> Any:
    try:
        return parse_iso(raw)
    except ValueError:
        raise ValueError(f"not an ISO-8601 time: {raw!r}") from None


def _whole(raw: str, table: PathTable) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ValueError("must be a non-negative whole number")
    return int(raw)


def _positive(raw: str, table: PathTable) -> int:
    value = _whole(raw, table)
    if value < 1:
        raise ValueError("must be a whole number, at least 1")
    return value


_PARSERS = {
    "method": _method,
    "path": _path,
    "company": _company,
    "status": _status,
    "since": _since,
    "after": _whole,
    "limit": _positive,
}


async def journal_list(request: Request) -> Response:
    """Journal entries oldest first, filtered; ``limit`` keeps the newest N of them."""
    sim = sim_of(request)
    query, limit = _query(request.query_params, table_of(request), LIST_PARAMS)
    found = sim.journal.select(query, limit)
    return json_response(
        {
            "requests": [e.as_dict() for e in found],
            "total": len(sim.journal),
            "dropped": sim.journal.dropped,
            "cap": sim.journal.cap,
        }
    )


async def journal_count(request: Request) -> Response:
    sim = sim_of(request)
    query, _ = _query(request.query_params, table_of(request), LIST_PARAMS - {"limit"})
    return json_response({"count": len(sim.journal.select(query)), "dropped": sim.journal.dropped})


async def journal_clear(request: Request) -> Response:
    """Forget the journal (or one company's part of it). Company data is not touched."""
    sim = sim_of(request)
    query, _ = _query(request.query_params, table_of(request), frozenset({"company"}))
    return json_response({"cleared": sim.journal.clear(query.company)})


async def journal_entry(request: Request) -> Response:
    sim = sim_of(request)
    raw = request.path_params["entry_id"]
    try:
        entry_id = _whole(raw, table_of(request))
    except ValueError:
        raise BadRequest("a journal entry id is a whole number", code=Code.INVALID) from None
    entry = sim.journal.get(entry_id)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id} (it may have been dropped or cleared)")
    return json_response(entry.as_dict())


async def journal_verify(request: Request) -> Response:
    """Were requests matching a pattern received N times? Near misses when not (200 either way)."""
    sim = sim_of(request)
    data = await body(request, "sim-journal-verify-request", required=False)
    pattern, expect, near = _verification(data, table_of(request))
    return json_response(verify(sim.journal, pattern, expect, near))


def _verification(data: dict[str, Any], table: PathTable) -> tuple[RequestPattern, Expectation, int]:
    problems: list[Problem] = []
    text: dict[str, Any] = {}
    for name in ("method", "path", "company"):
        value = data.get(name)
        if value is not None:
            try:
                if not isinstance(value, str):
                    raise ValueError("must be a string")
                text[name] = _PARSERS[name](value, table)
            except ValueError as exc:
                problems.append(Problem(Code.INVALID, f"{name}: {exc}"))
    if data.get("query") is not None and not isinstance(data["query"], dict):
        problems.append(Problem(Code.INVALID, "query: must be an object of parameter values"))
    counts = {k: data.get(k) for k in ("times", "at_least", "at_most", "near_misses")}
    for name, value in counts.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            problems.append(Problem(Code.INVALID, f"{name}: must be a non-negative whole number"))
    problems += _count_rules(counts)
    if problems:
        raise Unprocessable(problems=problems)
    pattern = RequestPattern(query=data.get("query"), body=data.get("body"), **text)
    expect = Expectation(counts["times"], counts["at_least"], counts["at_most"])
    near = counts["near_misses"]
    return pattern, expect, 3 if near is None else min(near, 50)


def _count_rules(c: dict[str, Any]) -> list[Problem]:
    if c["times"] is not None and (c["at_least"] is not None or c["at_most"] is not None):
        return [Problem(Code.INVALID, "give times, or at_least/at_most, not both")]
    low, high = c["at_least"], c["at_most"]
    if all(isinstance(v, int) for v in (low, high)) and low > high:
        return [Problem(Code.INVALID, "at_least cannot be more than at_most")]
    return []
