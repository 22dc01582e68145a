"""JSON subset matching with readable differences, for assertions on callbacks and requests.

The rules are those of the request journal's verification (``catapult_sim.surface.verify``), so a callback
assertion and ``assert_requested`` agree on what "contains" means: objects may have more keys than
expected, arrays must match element by element with the same length, and scalars must be equal as
JSON values (``1`` equals ``1.0``, but neither equals ``true`` and ``"1"`` equals neither).
"""

from __future__ import annotations

import json
from typing import Any

from catapult_sim.surface.verify import leaves, subset_differences

_ROOT = "$"


def differences(expected: Any, actual: Any) -> list[str]:
    """Where ``actual`` fails to contain ``expected``, one line per field, with nested paths such as
    ``subscription.subscription_list.id: expected "1002", got "1001"``."""
    return [_relative(note) for _, note in subset_differences(expected, actual, _ROOT)]


def is_subset(expected: Any, actual: Any) -> bool:
    """True when ``actual`` contains ``expected`` (see the module docstring)."""
    return not subset_differences(expected, actual, _ROOT)


def distance(expected: Any, actual: Any) -> float:
    """The share of ``expected``'s values that ``actual`` does not match: 0.0 (contains) to 1.0."""
    missed = sum(weight for weight, _ in subset_differences(expected, actual, _ROOT))
    return min(1.0, missed / max(1, leaves(expected)))


def closest(expected: Any, candidates: list[Any]) -> int:
    """The index of the candidate nearest to containing ``expected`` (the latest one on a tie)."""
    if not candidates:
        raise ValueError("no candidates")
    scores = [distance(expected, c) for c in candidates]
    return min(range(len(scores)), key=lambda i: (scores[i], -i))


def describe_mismatch(expected: Any, candidates: list[Any]) -> str:
    """The closest candidate and, one per line, every field in which it differs from ``expected``."""
    best = closest(expected, candidates)
    lines = [f"closest is #{best + 1} of {len(candidates)}; it differs in:"]
    lines += [f"  {note}" for note in differences(expected, candidates[best])]
    return "\n".join(lines)


def show(value: Any, width: int = 200) -> str:
    """Compact JSON, cut to ``width`` characters."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def _relative(note: str) -> str:
    """``$.a.b: ...`` -> ``a.b: ...``; ``$: ...`` (the whole body) -> ``body: ...``."""
    if note.startswith(_ROOT + "."):
        return note[len(_ROOT) + 1 :]
    if note.startswith(_ROOT):
        return "body" + note[len(_ROOT) :]
    return note
