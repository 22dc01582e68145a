"""/_sim endpoints for the files a CRM syncs through: the daily extracts and the opt-out import
(docs/extracts.md, docs/imports.md)."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import IO

from starlette.requests import Request
from starlette.responses import Response

from catapult_sim._http import json_response, read_body
from catapult_sim.control._common import company
from catapult_sim.core import extracts, optout_import
from catapult_sim.errors import BadRequest, Code, NotFound, PayloadTooLarge

# The path names both spellings of an extract: the file name's (underscore) and a URL's (hyphen).
EXTRACT_KINDS = {"subscriptions": "subscriptions", "current_subscribers": "current_subscribers",
                 "current-subscribers": "current_subscribers"}  # fmt: skip


def _day(raw: str | None, today: date) -> date:
    if raw is None:
        return today
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else date.fromisoformat("invalid")
    except ValueError:
        raise BadRequest(f"date must be YYYY-MM-DD, not {raw!r}", code=Code.INVALID) from None


async def extract(request: Request) -> Response:
    """One extract file for a company and a day (default: the simulator clock's day): its Vibes file
    name and its TSV text (``content``), which ``catapult-sim extract`` writes out byte for byte."""
    sim, key = company(request)
    kind = EXTRACT_KINDS.get(request.path_params["kind"])
    if kind is None:
        raise NotFound(f"no extract {request.path_params['kind']!r}; choose subscriptions or current_subscribers")
    day = _day(request.query_params.get("date"), sim.clock.now().date())
    with sim.store.read() as tx:
        made = extracts.build(tx, kind, key, day, sim.db.companies.carriers(key))
    return json_response(
        {
            "kind": made.kind,
            "company": key,
            "date": day.isoformat(),
            "file_name": made.name,
            "rows": made.rows,
            "content": made.text,
        }
    )


async def received_events(request: Request) -> Response:
    """The events a CRM pushed with the Event API, oldest first (``event_type`` filters, any case)."""
    sim, key = company(request)
    wanted = request.query_params.get("event_type")
    if wanted is not None and not wanted:
        raise BadRequest("event_type must not be empty", code=Code.INVALID)
    with sim.store.read() as tx:
        found = sim.db.crm_events.listing(tx, key, event_type=wanted)
    return json_response([e.as_json() for e in found])


async def opt_out_import(request: Request) -> Response:
    """Apply a Subscriber Opt-Out Import file (the raw file is the body); per-row results.

    A file whose layout is wrong is refused (4xx) and changes nothing; rows that cannot be applied
    are reported and the others still apply, in one transaction.
    """
    sim, key = company(request)
    raw = await read_body(request, sim.settings.max_body_bytes)
    with sim.store.transaction() as tx:
        results = optout_import.apply(tx, sim.db.subs, key, raw)
        events = [e.type for e in tx.events]
    counts = {s: sum(1 for r in results if r.status == s) for s in optout_import.STATUSES}
    return json_response(
        {"rows": len(results), **counts, "events": len(events), "results": [r.as_json() for r in results]}
    )


MAX_PERSONS_FILE = 2 * 1024**3  # 2 GiB: about 15M persons in JSON Lines (docs/bulk-load.md)
_MEDIA_FORMATS = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
                  "application/x-jsonlines": "jsonl"}  # fmt: skip


async def persons_import(request: Request) -> Response:
    """Load a persons file (the body: JSON Lines or CSV) into the company in one transaction: every
    row created, or none and a 422 naming the bad rows by line (docs/bulk-load.md)."""
    from catapult_sim.core import bulk  # here: the start-up of the server does not need it

    sim, key = company(request)
    fmt = request.query_params.get("format")
    if fmt is not None and fmt not in bulk.FORMATS:
        raise BadRequest(f"format must be one of {', '.join(bulk.FORMATS)}", code=Code.INVALID)
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024**2) as spool:  # streamed: never one bytes object
        await _spool(request, spool)
        if fmt is None:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            spool.seek(0)
            fmt = _MEDIA_FORMATS.get(media) or bulk.sniff(spool.read(4096))
        loaded = bulk.load(sim.db.env, key, spool, fmt)
    return json_response(loaded.as_json())


async def _spool(request: Request, out: IO[bytes]) -> None:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PERSONS_FILE:
            raise PayloadTooLarge(f"a persons file is at most {MAX_PERSONS_FILE} bytes")
        out.write(chunk)
    if size == 0:
        raise BadRequest("the body is the persons file; it is empty", code=Code.REQUIRED)
