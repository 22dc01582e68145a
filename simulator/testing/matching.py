"""JSON subset matching with readable differences, for assertions on callbacks and requests."""

from __future__ import annotations

import difflib
import json
from typing import Any


def is_subset(expected: Any, actual: Any) -> bool:
    """True when every key/value of ``expected`` is in ``actual`` (recursively for objects)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and is_subset(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(is_subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


def _score(expected: Any, actual: Any) -> int:
    if isinstance(expected, dict) and isinstance(actual, dict):
        return sum(1 + _score(v, actual[k]) for k, v in expected.items() if k in actual)
    return int(expected == actual)


def _project(expected: Any, actual: Any) -> Any:
    """``actual`` cut down to the keys ``expected`` mentions (so the diff shows only what matters)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: _project(v, actual[k]) if k in actual else "<missing>" for k, v in expected.items()}
    return actual


def describe_mismatch(expected: Any, candidates: list[Any]) -> str:
    """A unified diff between ``expected`` and the closest candidate."""
    best = max(candidates, key=lambda c: _score(expected, c))
    want = json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    got = json.dumps(_project(expected, best), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    diff = difflib.unified_diff(want, got, "expected", "closest received", lineterm="")
    return "\n".join(diff)
