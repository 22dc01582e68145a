"""The dispatcher: sends due deliveries with aiohttp, records every attempt, schedules retries.

It runs in the app's lifespan. New deliveries reach it as notices from the outbox (after their
transaction commits); retries, cool-downs and a restart's backlog are found by a scheduler that reads
the clock: with the system clock it waits until the next due time, with a manual clock it waits
until the clock moves (``clock.subscribe``). Each destination URL has its own :class:`Lane` with its
own concurrency, so a slow or dead destination never delays another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import traceback
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from catapult_sim.core.callbacks.destinations import DestinationPolicy
from catapult_sim.core.callbacks.outbox import DELIVERED, OPEN_STATES, Delivery, DestinationState, Outbox, Recorded
from catapult_sim.core.clock import Clock, stamp
from catapult_sim.delivery import guard, sender
from catapult_sim.delivery import policy as rules
from catapult_sim.delivery.chaos import Chaos, Plan
from catapult_sim.delivery.lanes import Lane
from catapult_sim.delivery.policy import RetryPolicy
from catapult_sim.delivery.sender import outgoing, record_of

if TYPE_CHECKING:  # aiohttp (and the SSL contexts it builds on import) loads with the first send
    from ssl import SSLContext

    import aiohttp

log = logging.getLogger("catapult_sim.delivery")


@dataclass(frozen=True, slots=True)
class Unexpected:
    """An exception the dispatcher did not expect while delivering for ``company``."""

    company: str | None  # None: not tied to one delivery (the scan)
    delivery_id: int | None
    where: str  # "delivery 12" or "the delivery scan"
    traceback: str


MAX_IDLE = 30.0  # rescan at least this often (seconds), whatever the clock says
RECORD_DELAY = 0.005  # attempts are recorded in batches this often (one commit each, wall seconds)


class Dispatcher:
    """Delivers the outbox. ``session`` may be injected (tests, benchmarks); else one is made."""

    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        policy: RetryPolicy,
        chaos: Chaos,
        *,
        concurrency: int = 16,
        session: aiohttp.ClientSession | None = None,
        ssl: SSLContext | bool = True,
        destinations: DestinationPolicy | None = None,
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.policy = policy
        self.chaos = chaos
        self.concurrency = max(1, concurrency)
        self.session = session
        self.ssl = ssl  # for https destinations (catapult_sim/delivery/tls.py)
        self.destinations = destinations  # checked again at every send (catapult_sim/delivery/guard.py)
        self._own_session = session is None
        self._lanes: dict[str, Lane] = {}
        self._inflight: set[int] = set()
        self._dest: dict[str, DestinationState] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0
        self._wake = asyncio.Event()
        self._planned: str | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._unrecorded: list[Recorded] = []
        self._arrived: list[tuple[list[Delivery], int]] = []  # notices not yet taken on the loop
        self._arrived_lock = threading.Lock()
        self._unexpected: deque[Unexpected] = deque(maxlen=100)
        self._unexpected_lock = threading.Lock()
        outbox.listen(self.notify)
        clock.subscribe(self.wake)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        with self._arrived_lock:
            self._arrived = []  # the first scan finds whatever these said
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._wake = asyncio.Event()
        self._dest = self.outbox.destinations()
        self._scheduler = self._loop.create_task(self._schedule())

    async def stop(self) -> None:
        self._loop = None
        self._flush()
        tasks = [t for t in (self._scheduler, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        self._lanes.clear()
        self._inflight.clear()
        if self._own_session and self.session is not None:
            await self.session.close()
            self.session = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    # -- being told about work (any thread) ----------------------------------------------------

    def notify(self, notices: list[Delivery]) -> None:
        """New deliveries, just committed (any thread, under the store's lock); taken on the
        dispatcher's loop, without a query unless a reset ran in between (``Outbox.committed``).
        The loop is woken once for all the notices that arrive before it takes them."""
        if self._loop is None:
            return  # not running: the next start scans the store
        with self._arrived_lock:
            first = not self._arrived
            self._arrived.append((notices, self.outbox.resets))
            if first and not self._call(self._take_arrived):
                self._arrived = []  # the loop is gone: the next start scans the store

    def wake(self) -> None:
        """Rescan now (the clock moved or switched mode)."""
        self._call(self._wake.set)

    def _call(self, fn: Any, *args: Any) -> bool:
        """Run ``fn`` on the dispatcher's loop soon; False when there is no loop to run it."""
        loop = self._loop
        if loop is None:
            return False
        try:
            if threading.get_ident() == self._thread:
                loop.call_soon(fn, *args)
            else:
                loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop closed under us: the next start rescans the store
            return False
        return True

    def _take_arrived(self) -> None:
        with self._arrived_lock:
            arrived, self._arrived = self._arrived, []
        if self._loop is None:
            return  # stopped meanwhile: the next start scans the store
        for notices, resets in arrived:
            self._accept(notices, resets)

    def _accept(self, notices: list[Delivery], resets: int) -> None:
        """Take the new deliveries that are still in the store (a reset may have cleared them since)."""
        for d in self.outbox.committed(notices, resets):
            self._submit(d)

    def _submit(self, d: Delivery) -> None:
        if d.id in self._inflight or self._downed(d.destination):
            return
        self._inflight.add(d.id)
        lane = self._lanes.get(d.destination)
        if lane is None:
            lane = self._lanes[d.destination] = Lane(self, d.destination)
        lane.push(d)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        assert self._loop is not None
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- bugs: kept for the test that caused them --------------------------------------------------

    def unexpected(self, exc: BaseException, d: Delivery | None) -> None:
        """An exception that is not a delivery failure (a bug): logged, and kept until taken.

        Delivery goes on; the ``catapult`` pytest fixture takes the errors of its company after
        each test and fails that test with them, as pytest-httpserver does with handler errors.
        """
        what = f"delivery {d.id}" if d is not None else "the delivery scan"
        log.error("%s failed unexpectedly", what, exc_info=exc)
        text = "".join(traceback.format_exception(exc))
        with self._unexpected_lock:
            self._unexpected.append(Unexpected(d.company if d else None, d.id if d else None, what, text))

    def take_unexpected(self, company: str | None = None) -> list[Unexpected]:
        """Remove and return the unexpected errors of ``company`` and those of no company (None: all)."""
        with self._unexpected_lock:
            mine = [u for u in self._unexpected if company is None or u.company in (None, company)]
            self._unexpected = deque((u for u in self._unexpected if u not in mine), maxlen=100)
        return mine

    def forget_destinations(self) -> None:
        self._dest = {}

    def release(self, delivery_id: int) -> None:
        self._inflight.discard(delivery_id)

    def limit_for(self, url: str) -> int:
        """One at a time while reordering (so the shuffled order is the arrival order) or probing."""
        if self.chaos.window(url) or rules.probing(self.policy, self._dest.get(url)):
            return 1
        return self.concurrency

    # -- the scheduler -------------------------------------------------------------------------

    async def _schedule(self) -> None:
        while self._loop is not None:
            self._wake.clear()
            timeout = MAX_IDLE
            try:
                timeout = self._scan()
            except Exception as exc:  # a failed scan must not end delivery; the next one retries
                self.unexpected(exc, None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _scan(self) -> float:
        """Submit every due delivery; return how long to wait before the next scan."""
        now = self.clock.now()
        now_s = stamp(now)
        for d in self.outbox.due(now_s, self._inflight):
            self._submit(d)
        times = [t for t in (self.outbox.next_due(now_s), *self._downed_ends(now_s)) if t is not None]
        self._planned = min(times) if times else None
        if self.clock.manual or self._planned is None:
            return MAX_IDLE
        return min(MAX_IDLE, max(0.0, rules.seconds_until(self._planned, now)))

    def _downed(self, url: str) -> bool:
        dest = self._dest.get(url)
        return dest is not None and dest.downed_until is not None and rules.is_downed(dest, stamp(self.clock.now()))

    def _downed_ends(self, now: str) -> list[str]:
        return [d.downed_until for d in self._dest.values() if d.downed_until and d.downed_until > now]

    def _plan(self, when: str | None) -> None:
        """A retry or cool-down ending at ``when``: wake the scheduler if that is sooner than planned."""
        if when is not None and (self._planned is None or when < self._planned):
            self._planned = when
            self._wake.set()

    # -- one attempt ---------------------------------------------------------------------------

    async def attempt(self, d: Delivery) -> None:
        """Send one due delivery once; its record is written with the next batch."""
        now_s = stamp(self.clock.now())
        stale = d.state not in OPEN_STATES or (d.next_attempt_at or "") > now_s
        if stale or self._downed(d.destination):
            self.release(d.id)  # the scheduler finds it again when it is due
            return
        number = d.attempts + 1
        out = outgoing(d, number)
        plan = self.chaos.plan(d.destination, d.id, number)
        result = await self._perform(out, plan)
        verdict = rules.classify(result.status, result.error)
        step = rules.next_step(self.policy, number, verdict)
        after = self.clock.now()
        next_at = stamp(after + timedelta(seconds=step.delay)) if step.delay is not None else None
        before = self._dest.get(d.destination) or self._healthy(d.destination)
        health = rules.after_attempt(self.policy, before, verdict, after)  # ``before`` itself when unchanged
        changed = health is not before
        if changed:
            self._dest[d.destination] = health
        record = record_of(number, "attempt", now_s, out, result, step.outcome, plan)
        self._remember(Recorded(d, record, step.state, next_at, health if changed else None))
        if verdict != rules.OK or changed:
            _log_attempt(d, number, result, step.outcome, next_at, before, health)
        if plan is not None and plan.duplicate and step.state == DELIVERED:
            await self._duplicate(d, out, number)

    def _healthy(self, url: str) -> DestinationState:
        """A URL with no failures on record (kept, so that an attempt on a healthy URL changes nothing)."""
        state = self._dest[url] = DestinationState(url)
        return state

    def _remember(self, item: Recorded) -> None:
        """Queue a record; the records of a few milliseconds are written in one transaction."""
        if not self._unrecorded and self._loop is not None:
            self._loop.call_later(RECORD_DELAY, self._flush)
        self._unrecorded.append(item)

    def _flush(self) -> None:
        batch, self._unrecorded = self._unrecorded, []
        if not batch:
            return
        try:
            self.outbox.record(batch)
        except Exception:  # e.g. the store closed at shutdown: the deliveries stay open, sent again
            log.exception("recording %d delivery attempts failed", len(batch))
        for item in batch:  # only now may the scheduler see (and pick) these deliveries again
            self.release(item.delivery.id)
            self._plan(item.next_at)
            self._plan(item.dest.downed_until if item.dest is not None else None)

    async def _perform(self, out: sender.Outgoing, plan: Plan | None) -> sender.Result:
        if plan is not None and plan.delay:
            await asyncio.sleep(plan.delay)  # chaos latency, in the dispatcher, never in a handler
        if plan is not None and plan.drop == "request":
            return sender.Result(error="dropped by chaos: the request was never sent")
        refused = guard.refusal(self.destinations, out.url)
        if refused is not None:
            return sender.Result(error=refused)  # never a request
        result = await sender.send(self._client(), out, self.policy.timeout)
        if plan is not None and plan.drop == "response":
            answer = result.status if result.error is None else result.error
            return sender.Result(
                latency_ms=result.latency_ms, error=f"dropped by chaos: the answer ({answer}) was lost"
            )
        return result

    def _client(self) -> aiohttp.ClientSession:
        """The HTTP session, made on the first send: a simulator that sends no callback never loads aiohttp."""
        if self.session is None:
            import aiohttp

            resolver = guard.resolver(self.destinations)  # a name resolving to a denied address fails
            connector = aiohttp.TCPConnector(limit=0, ssl=self.ssl, resolver=resolver)
            self.session = aiohttp.ClientSession(connector=connector)
        return self.session

    async def _duplicate(self, d: Delivery, out: sender.Outgoing, number: int) -> None:
        """Chaos: the same request once more, as the real platform may do (fact sheet §7.7)."""
        started = stamp(self.clock.now())
        refused = guard.refusal(self.destinations, out.url)
        result = (
            sender.Result(error=refused) if refused else await sender.send(self._client(), out, self.policy.timeout)
        )
        self._remember(Recorded(d, record_of(number, "duplicate", started, out, result, "duplicate", None)))

    def status(self) -> dict[str, Any]:
        """Lanes and destination health, for the control API."""
        now = stamp(self.clock.now())
        urls = sorted(set(self._lanes) | set(self._dest))
        out = {}
        for url in urls:
            lane, dest = self._lanes.get(url), self._dest.get(url) or DestinationState(url)
            out[url] = {
                "queued": len(lane.queue) + len(lane.held) if lane else 0,
                "sending": lane.active if lane else 0,
                "consecutive_failures": dest.failures,
                "downed": rules.is_downed(dest, now),
                "downed_until": dest.downed_until,
                "times_downed": dest.downed_count,
            }
        return {"running": self.running, "retry": self.policy.describe(), "destinations": out}


def _log_attempt(
    d: Delivery,
    number: int,
    result: sender.Result,
    outcome: str,
    next_at: str | None,
    before: DestinationState,
    health: DestinationState,
) -> None:
    """One line per failed attempt and per paused or recovered destination (``serve`` prints them)."""
    if result.error is not None or not 200 <= (result.status or 0) < 300:
        answer = result.error if result.error is not None else f"answered {result.status}"
        retry = f", next attempt at {next_at}" if next_at else ""
        what = f"delivery #{d.id} attempt {number} ({d.callback_type}) to {d.destination}"
        log.info("%s failed: %s (%s)%s", what, answer, outcome, retry)
    if health.downed_until is not None and health.downed_until != before.downed_until:
        log.info("destination %s paused until %s after %s failures in a row", d.destination, health.downed_until,
                 before.failures + 1)  # fmt: skip
    elif before.downed_until is not None and health.downed_until is None:
        log.info("destination %s recovered", d.destination)
