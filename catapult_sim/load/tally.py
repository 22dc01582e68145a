"""What a storm process counts beside Locust's stats: answers per status, and what was acknowledged.

Locust's table groups failures by message; a team sizing a receiver wants ``200: 9,950, 503: 50,
timeout: 3``. The acknowledgements feed ``--verify``: which person's subscription event the
receiver accepted (2XX), hence which outcome the CRM must show afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from catapult_sim.load.storms import Shot

# The subscription state each subscription callback leaves behind.
OUTCOME = {"subscription_added": "subscribed", "subscription_removed": "unsubscribed"}


@dataclass
class Tally:
    """Per-status counts (``"200"``, ``"503"``, ``"timeout"``, ``"error"``) and subscription outcomes."""

    statuses: Counter[str] = field(default_factory=Counter)
    unsent: Counter[str] = field(default_factory=Counter)  # counted here, not yet shipped to the master
    touched: set[tuple[str, str]] = field(default_factory=set)  # (person_key, list_id) sent at least once
    acknowledged: dict[tuple[str, str], str] = field(default_factory=dict)

    def sent(self, shot: Shot) -> None:
        if shot.callback_type in OUTCOME and shot.list_id is not None:
            self.touched.add((shot.person_key, shot.list_id))

    def answered(self, shot: Shot, outcome: str) -> None:
        self.statuses[outcome] += 1
        self.unsent[outcome] += 1
        state = OUTCOME.get(shot.callback_type)
        if state is not None and shot.list_id is not None and outcome.startswith("2"):
            self.acknowledged[(shot.person_key, shot.list_id)] = state

    def take_statuses(self) -> dict[str, int]:
        """The counts since the last call (a worker's share of one report to the master)."""
        out = dict(self.unsent)
        self.unsent.clear()
        return out

    def add_statuses(self, counts: Mapping[str, int]) -> None:
        self.statuses.update(counts)
