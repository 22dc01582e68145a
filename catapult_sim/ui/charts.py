"""The pictures on the Deliveries page, as geometry for inline SVG (no script, no network fetch).

- :func:`per_second`: deliveries per second by outcome over the last minute, stacked bars.
- :func:`timeline`: one lane per destination, a tick per attempt, coloured by outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from catapult_sim.core.clock import parse_iso, stamp

OUTCOMES = ("delivered", "retry", "failed", "paused")
WINDOW = 60  # seconds shown by both pictures
WIDTH, BAR_AREA, LANE = 600, 80, 18


@dataclass(slots=True)
class Bar:
    x: float
    y: float
    height: float
    outcome: str
    count: int
    second: int


@dataclass(slots=True)
class Tick:
    x: float
    outcome: str
    delivery_id: int
    status: int | None
    when: str


@dataclass(slots=True)
class Lane:
    destination: str
    y: float
    ticks: list[Tick] = field(default_factory=list)


def window_start(now: datetime) -> str:
    return stamp(now - timedelta(seconds=WINDOW))


def _offset(started_at: str, now: datetime) -> float:
    """Seconds from the window's start (0..WINDOW) of a stored time."""
    return WINDOW - (now - parse_iso(started_at)).total_seconds()


def per_second(attempts: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """Stacked bars: for each of the last WINDOW seconds, how many attempts ended in each outcome."""
    counts: dict[tuple[int, str], int] = {}
    for a in attempts:
        second = int(_offset(a["started_at"], now))
        if 0 <= second < WINDOW:
            key = (second, a["outcome"] if a["outcome"] in OUTCOMES else "failed")
            counts[key] = counts.get(key, 0) + 1
    totals: dict[int, int] = {}
    for (second, _), n in counts.items():
        totals[second] = totals.get(second, 0) + n
    peak = max(totals.values(), default=0)
    scale = BAR_AREA / peak if peak else 0.0
    step = WIDTH / WINDOW
    bars: list[Bar] = []
    base = dict.fromkeys(range(WINDOW), float(BAR_AREA))
    for outcome in OUTCOMES:
        for second in range(WINDOW):
            n = counts.get((second, outcome), 0)
            if n:
                h = n * scale
                base[second] -= h
                bars.append(Bar(second * step + 1, base[second], h, outcome, n, WINDOW - second))
    return {"bars": bars, "peak": peak, "width": WIDTH, "height": BAR_AREA, "bar_width": step - 2,
            "total": sum(counts.values())}  # fmt: skip


def timeline(attempts: list[dict[str, Any]], now: datetime, max_lanes: int = 8) -> dict[str, Any]:
    """One lane per destination (the busiest ``max_lanes``), one tick per attempt in the window."""
    by_dest: dict[str, list[dict[str, Any]]] = {}
    for a in attempts:
        by_dest.setdefault(a["destination"], []).append(a)
    busiest = sorted(by_dest, key=lambda d: -len(by_dest[d]))[:max_lanes]
    lanes: list[Lane] = []
    for i, dest in enumerate(sorted(busiest)):
        lane = Lane(dest, i * LANE)
        for a in by_dest[dest]:
            x = _offset(a["started_at"], now) * WIDTH / WINDOW
            if 0 <= x <= WIDTH:
                lane.ticks.append(Tick(x, a["outcome"], a["delivery_id"], a["response_status"], a["started_at"]))
        lanes.append(lane)
    return {"lanes": lanes, "width": WIDTH, "height": max(len(lanes), 1) * LANE, "lane": LANE}
