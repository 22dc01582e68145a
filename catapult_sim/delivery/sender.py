"""One HTTP attempt with aiohttp: whatever happens becomes a :class:`Result`, never an exception.

Redirects are not followed (a 3XX is an answer to record and retry, fact sheet §7.7); only the
first ``EXCERPT_BYTES`` of a response are read, so a huge answer costs nothing.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from catapult_sim import __version__
from catapult_sim.core.callbacks import payloads
from catapult_sim.core.callbacks.outbox import AttemptRecord, Delivery
from catapult_sim.delivery.chaos import Plan

if TYPE_CHECKING:  # imported by the first send (start-up does not pay for aiohttp)
    import aiohttp

EXCERPT_BYTES = 2048
MAX_HEADERS = 50
USER_AGENT = f"catapult-sim/{__version__} (callback delivery)"
# Delivery metadata travels in headers under the simulator's own names (Vibes publishes none).
H_DELIVERY = "X-Catapult-Sim-Delivery-Id"
H_ATTEMPT = "X-Catapult-Sim-Attempt"
H_EVENT = "X-Catapult-Sim-Event-Id"
H_TYPE = "X-Catapult-Sim-Callback-Type"
H_CALLBACK = "X-Catapult-Sim-Callback-Id"
H_REPLAY = "X-Catapult-Sim-Replay-Of"
H_TEST = "X-Catapult-Sim-Test"


@dataclass(slots=True, frozen=True)
class Outgoing:
    """The request one attempt sends."""

    method: str
    url: str
    headers: dict[str, str]
    body: str


@dataclass(slots=True)
class Result:
    """What came back: a status with headers and a body excerpt, or an error."""

    status: int | None = None
    headers: dict[str, str] | None = None
    excerpt: str | None = None
    latency_ms: float = 0.0
    error: str | None = None


async def send(session: aiohttp.ClientSession, out: Outgoing, timeout: float) -> Result:
    """Send ``out``; a timeout, a refused connection or a garbled answer is a Result with ``error``."""
    import aiohttp  # already loaded by whoever made ``session``: a dictionary look-up

    started = time.perf_counter()
    try:
        async with session.request(
            out.method,
            out.url,
            data=out.body.encode("utf-8"),
            headers=out.headers,
            allow_redirects=False,
            timeout=_timeout(timeout),
        ) as resp:
            raw = await _excerpt(resp)
            # Plain str keys: aiohttp's are case-insensitive ``istr``, which the fast JSON encoder refuses.
            headers = {str(k): v for k, v in itertools.islice(resp.headers.items(), MAX_HEADERS)}
            return Result(resp.status, headers, raw.decode("utf-8", "replace"), _ms(started))
    except TimeoutError:
        return Result(latency_ms=_ms(started), error=f"timeout: no answer within {timeout:g}s")
    except aiohttp.ClientError as exc:
        return Result(latency_ms=_ms(started), error=f"{type(exc).__name__}: {exc}"[:500])
    except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
        return Result(latency_ms=_ms(started), error=f"{type(exc).__name__}: {exc}"[:500])


@functools.cache
def _timeout(seconds: float) -> aiohttp.ClientTimeout:
    import aiohttp

    return aiohttp.ClientTimeout(total=seconds)


async def _excerpt(resp: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < EXCERPT_BYTES:
        chunk = await resp.content.read(EXCERPT_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def outgoing(d: Delivery, number: int) -> Outgoing:
    """The request for attempt ``number`` of ``d``: its method, content type, body and metadata."""
    headers = {
        "Content-Type": d.content_type,  # the registration's content type (fact sheet §7.7 [P-cbapi])
        "User-Agent": USER_AGENT,
        H_DELIVERY: str(d.id),
        H_ATTEMPT: str(number),
        H_EVENT: d.event_id,
        H_TYPE: d.callback_type,
        H_CALLBACK: d.callback_id,
    }
    if d.replay_of is not None:
        headers[H_REPLAY] = str(d.replay_of)
    if d.test:
        headers[H_TEST] = "true"
    return Outgoing(d.method, d.destination, headers, payloads.for_attempt(d.body, number))


def record_of(
    number: int,
    kind: str,
    started: str,
    out: Outgoing,
    result: Result,
    outcome: str,
    plan: Plan | None,
) -> AttemptRecord:
    """The log entry for an attempt that sent ``out`` and got ``result``."""
    return AttemptRecord(
        number=number,
        kind=kind,
        started_at=started,
        request_headers=out.headers,
        request_body=out.body,
        response_status=result.status,
        response_headers=result.headers,
        response_excerpt=result.excerpt,
        latency_ms=result.latency_ms,
        error=result.error,
        outcome=outcome,
        chaos=plan.as_dict() if plan is not None else None,
    )
