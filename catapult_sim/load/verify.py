"""``--verify``: after the storm, does the CRM show every person subscribed or unsubscribed exactly once?

Locust measures how fast a receiver answers; it cannot tell whether the receiver *did* the right
thing with three copies of the same ``subscription_added``. This check asks the CRM.

The contract is small. The CRM exposes a read URL answering ``GET`` with its subscription rows::

    {"subscriptions": [{"person_key": "…", "list_id": "1001", "status": "subscribed", "applied": 1}, …]}

(a bare JSON array of rows works too; ``applied``, how many times the CRM applied the change, is
optional). After a ``launch`` or ``optout`` storm, for every (person_key, list_id) whose
subscription callback the receiver acknowledged with a 2XX there must be exactly one row, in the
state the callback left (``subscribed`` / ``unsubscribed``), applied once if ``applied`` is given;
a person whose callbacks were all refused may have at most one row. Rows for persons this storm
never sent are ignored (the CRM may hold other data).

:func:`rows_from_requests` builds the rows from recorded requests (the pytest plugin's
``CallbackInbox`` or the recording receiver), as a receiver that applies each ``event_id`` once
would hold them, or with ``dedupe=False`` as a naive one that applies every copy.
"""

from __future__ import annotations

import json
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from catapult_sim.load.tally import OUTCOME

Pair = tuple[str, str]
SHOWN = 5  # examples listed per kind of problem


@dataclass(slots=True)
class Verification:
    """What the check found."""

    checked: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, example: str) -> None:
        self.problems.setdefault(kind, []).append(example)

    def lines(self) -> list[str]:
        if self.ok:
            return [f"PASS every one of {self.checked:,} acknowledged persons shows its outcome exactly once"]
        out = []
        for kind, examples in self.problems.items():
            shown = ", ".join(examples[:SHOWN]) + (" …" if len(examples) > SHOWN else "")
            out.append(f"FAIL {len(examples):,} {kind}: {shown}")
        return out


def check(acknowledged: Mapping[Pair, str], touched: Iterable[Pair], rows: Iterable[Mapping[str, Any]]) -> Verification:
    """Compare the CRM's rows with what its receiver acknowledged."""
    by_pair: dict[Pair, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_pair[(str(row.get("person_key")), str(row.get("list_id")))].append(row)
    result = Verification(checked=len(acknowledged))
    for pair, state in acknowledged.items():
        found = by_pair.get(pair, [])
        name = f"{pair[0]} on list {pair[1]}"
        if not found:
            result.add("acknowledged but missing", name)
        elif len(found) > 1:
            result.add("shown more than once", f"{name} ({len(found)} rows)")
        elif found[0].get("status") != state:
            result.add(f"not {state}", f"{name} is {found[0].get('status')!r}")
        elif found[0].get("applied", 1) != 1:
            result.add("applied more than once", f"{name} (applied {found[0].get('applied')})")
    for pair in set(touched) - set(acknowledged):
        if len(by_pair.get(pair, [])) > 1:
            result.add("shown more than once", f"{pair[0]} on list {pair[1]} ({len(by_pair[pair])} rows)")
    return result


def fetch_rows(url: str, timeout: float = 30.0) -> list[Mapping[str, Any]]:
    """The rows a CRM's read URL answers; ValueError with a readable reason when it cannot."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            data = json.loads(resp.read())
    except (OSError, ValueError) as exc:
        raise ValueError(f"could not read {url}: {exc}") from None
    rows = data.get("subscriptions") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{url} did not answer a list of rows (or {{'subscriptions': [...]}})")
    return rows


def rows_from_requests(received: Iterable[Any], *, dedupe: bool = True) -> list[dict[str, Any]]:
    """Rows from recorded requests (anything with ``.json``), applied in arrival order."""
    seen: set[str] = set()
    rows: dict[Pair, dict[str, Any]] = {}
    copies: Counter[Pair] = Counter()
    naive: list[dict[str, Any]] = []
    for item in received:
        body = item.json
        if not isinstance(body, dict) or body.get("callback_type") not in OUTCOME:
            continue
        if dedupe and body.get("event_id") in seen:
            continue
        seen.add(str(body.get("event_id")))
        sub = body.get("subscription") or {}
        pair = (str((sub.get("person") or {}).get("person_key")), str((sub.get("subscription_list") or {}).get("id")))
        row = {"person_key": pair[0], "list_id": pair[1], "status": OUTCOME[body["callback_type"]]}
        copies[pair] += 1
        rows[pair] = row | {"applied": copies[pair]}
        naive.append(row)
    return list(rows.values()) if dedupe else naive
