"""Clocks. Everything time-dependent (dates, retries, expiry) reads one injected clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

_ZERO = timedelta(0)


class Clock(Protocol):
    """What the simulator needs from a clock."""

    @property
    def manual(self) -> bool: ...

    def now(self) -> datetime: ...

    def subscribe(self, listener: Callable[[], None]) -> None: ...


class SystemClock:
    """Wall-clock time in UTC."""

    manual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def subscribe(self, listener: Callable[[], None]) -> None:  # time moves by itself
        return None


class ManualClock:
    """A clock that only moves when told to; listeners are told each time it moves."""

    manual = True

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return self._now

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        return self.set(self._now + timedelta(seconds=seconds))

    def set(self, when: datetime) -> datetime:
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("the clock cannot go backwards")
        self._now = when
        for listener in list(self._listeners):
            listener()
        return self._now


class SwitchableClock:
    """The simulator's clock: system time until switched to manual (and back), through /_sim/clock."""

    def __init__(self, manual: bool = False, start: datetime | None = None) -> None:
        self._system = SystemClock()
        self._manual: ManualClock | None = ManualClock(start) if manual else None
        self._listeners: list[Callable[[], None]] = []

    @property
    def manual(self) -> bool:
        return self._manual is not None

    def now(self) -> datetime:
        return self._manual.now() if self._manual else self._system.now()

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    def use_manual(self, start: datetime | None = None) -> None:
        """Freeze time at ``start`` (default: now) and move only on :meth:`advance`."""
        self._manual = ManualClock(start or self.now())
        self._notify()

    def use_system(self) -> None:
        self._manual = None
        self._notify()

    def switch(self, mode: str | None, when: datetime | None = None) -> None:
        """``POST /_sim/clock``: ``mode`` "system" or "manual" (None: keep it); ``when`` sets a manual
        clock (switching to manual first). ValueError for another mode or a move backwards."""
        if mode not in (None, "manual", "system"):
            raise ValueError("mode must be 'manual' or 'system'")
        if mode == "system":
            self.use_system()
        elif mode == "manual" or when is not None:
            if not self.manual:
                self.use_manual(when)
            elif when is not None:
                self.set(when)

    def advance(self, seconds: float) -> datetime:
        if self._manual is None:
            raise ValueError("the clock is not manual; switch it to manual first")
        now = self._manual.advance(seconds)
        self._notify()
        return now

    def set(self, when: datetime) -> datetime:
        if self._manual is None:
            raise ValueError("the clock is not manual; switch it to manual first")
        now = self._manual.set(when)
        self._notify()
        return now


def iso(dt: datetime | None) -> str | None:
    """Format a time the way Vibes writes it: ISO-8601 UTC with seconds and a Z (fact sheet §1.7)."""
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse the ISO-8601 forms Vibes writes (with or without seconds/fraction, Z or offset, or a date)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def stamp(dt: datetime) -> str:
    """The stored form of a time: microsecond precision, UTC, sortable as text."""
    if dt.tzinfo is not UTC and dt.utcoffset() != _ZERO:
        dt = dt.astimezone(UTC)
    # What isoformat(timespec="microseconds") writes without its "+00:00", at half the cost (an
    # f-string with format specs costs twice as much again): every write, event and delivery attempt
    # stamps at least one time.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond,
    )  # fmt: skip


def wire(stored: str | None) -> str | None:
    """A stored time as Vibes writes it on the wire (seconds, Z)."""
    if stored is None:
        return None
    return stored[:19] + "Z"


_DURATION_UNITS = (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86400.0))


def duration_seconds(text: str) -> float:
    """'250ms', '90s', '15m', '2h', '1d' or a bare number, in seconds; ValueError otherwise."""
    raw = text.strip().lower()
    factor = 1.0
    for unit, size in _DURATION_UNITS:
        if raw.endswith(unit) and raw[: -len(unit)].strip():
            raw, factor = raw[: -len(unit)], size
            break
    return float(raw) * factor
