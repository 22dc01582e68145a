"""What the recording receiver (:class:`catapult_sim.testing.inbox.CallbackInbox`) works with: the
requests it got (:class:`Received`, their :class:`Headers`), the thread-safe log a test waits on
(:class:`Recording`) and how to answer one request (:class:`Answer`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


class Headers(Mapping[str, str]):
    """Request headers as received (names keep their spelling), looked up without regard to case."""

    __slots__ = ("_items", "_lower")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = {}
        self._lower: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            if key in self._lower:  # a repeated header: join the values, as HTTP allows
                self._items[self._lower[key]] += ", " + value
            else:
                self._lower[key] = name
                self._items[name] = value

    def __getitem__(self, name: str) -> str:
        return self._items[self._lower[name.lower()]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(slots=True, frozen=True)
class Received:
    """One request a receiver got, and the status it answered (None until known)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # time.time() on arrival
    status: int | None = None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def callback_type(self) -> str | None:
        """The body's ``callback_type`` (None when the body is not a JSON object with one)."""
        data = self.json
        value = data.get("callback_type") if isinstance(data, dict) else None
        return value if isinstance(value, str) else None


class Recording:
    """The requests a receiver got, in arrival order; safe to read and wait on from any thread."""

    def __init__(self) -> None:
        self._items: list[Received] = []
        self._cond = threading.Condition()

    def add(self, item: Received) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def items(self, keep: Callable[[Received], bool] | None = None) -> list[Received]:
        with self._cond:
            return [r for r in self._items if keep is None or keep(r)]

    def wait(
        self, count: int, keep: Callable[[Received], bool] | None = None, timeout: float = 15.0
    ) -> tuple[list[Received], bool]:
        """Block until ``count`` requests (those ``keep`` accepts) arrived or ``timeout`` passed.

        Returns them and whether there were enough; the caller words the failure."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(got := [r for r in self._items if keep is None or keep(r)]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return got, False
                self._cond.wait(left)
            return got, True


@dataclass(slots=True, frozen=True)
class Answer:
    """How to answer one request: a status, an optional body, and whether to hang until released."""

    status: int = 200
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    hang: bool = False
    delay: float = 0.0  # seconds to wait before answering

    def unhung(self) -> Answer:
        """The same answer without the hang."""
        return Answer(self.status, self.body, self.headers, False, self.delay)
