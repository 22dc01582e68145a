"""The daily extract drop: both extracts of every company written into a folder as each day of the
simulator's clock ends, the way Vibes drops them on the SFTP server a CRM's reconciliation job polls
(the Subscription Extract and the Current Subscriber Extract are daily files [P-extract] [P-cursub]).

When the clock passes midnight (UTC) ending day D, the folder gets, for every company:

- ``subscriptions_<company>_<D>.txt``: the opt-ins and opt-outs of day D, now complete;
- ``current_subscribers_<company>_<D+1>.txt``: every active subscription as of that midnight.

Their text is exactly what ``catapult-sim extract`` and ``GET /_sim/.../extracts/...`` give for the
same company and day (core/extracts.py). A file is written under a temporary name and renamed, so a
job polling the folder never reads half of one. A clock moved forward by several days writes each
ended day (the last :data:`MAX_DAYS` of them). The time of day and the time zone are choices where
Vibes' pages are silent (docs/fidelity.md, "Extracts and imports").
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from catapult_sim.core import extracts
from catapult_sim.core.clock import Clock
from catapult_sim.core.companies import Companies
from catapult_sim.core.store import Store

MAX_DAYS = 31  # a clock moved a year ahead writes the last month, not 365 files per company and kind
RECHECK_S = 3600.0  # with the system clock: look at least this often (a suspended machine, a clock change)
log = logging.getLogger("catapult_sim.extracts")


class ExtractDrop:
    """Writes the ended days' extracts into ``folder`` (created if missing)."""

    def __init__(self, folder: str | Path, store: Store, companies: Companies, clock: Clock) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"--extract-dir {folder}: cannot make the folder ({exc.strerror})") from None
        self.store = store
        self.companies = companies
        self.clock = clock
        self.day = _today(clock)  # the day in progress: its files come when it ends

    def catch_up(self) -> list[Path]:
        """Write the files of every day that ended since the last call; the paths written."""
        today = _today(self.clock)
        if today <= self.day:
            return []
        ended = [today - timedelta(days=n) for n in range(min((today - self.day).days, MAX_DAYS), 0, -1)]
        self.day = today
        written: list[Path] = []
        companies = [(c.key, self.companies.carriers(c.key)) for c in self.companies.all()]
        for day in ended:
            for key, carriers in companies:
                with self.store.read() as tx:
                    made = [
                        extracts.build(tx, "subscriptions", key, day, carriers),
                        extracts.build(tx, "current_subscribers", key, day + timedelta(days=1), carriers),
                    ]
                for extract in made:
                    try:
                        written.append(self._write(extract))
                    except OSError as exc:  # a full disk, a folder taken away: said, never a failed request
                        log.warning("extract %s not written to %s: %s", extract.name, self.folder, exc)
        return written

    def on_clock_moved(self) -> None:
        """A clock listener (``clock.subscribe``): a manual clock moved past midnight ends days."""
        self.catch_up()

    def seconds_to_midnight(self) -> float:
        """How long until the day in progress ends, by the simulator's clock."""
        now = self.clock.now().astimezone(UTC)
        midnight = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
        return (midnight - now).total_seconds()

    async def run(self) -> None:
        """With the system clock: wake at each midnight (and at least hourly) and write what ended.
        A manual clock's moves call :meth:`catch_up` themselves (``clock.subscribe``)."""
        while True:
            await asyncio.sleep(min(self.seconds_to_midnight() + 0.05, RECHECK_S))
            self.catch_up()

    def _write(self, extract: extracts.Extract) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / extract.name
        partial = path.with_name(f".{extract.name}.partial")
        partial.write_text(extract.text, encoding="utf-8", newline="")
        os.replace(partial, path)  # appears whole or not at all
        return path


def _today(clock: Clock) -> date:
    return clock.now().astimezone(UTC).date()
