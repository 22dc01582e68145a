"""JSON output: ``orjson`` where it can, the standard library where it cannot.

Every answer and every stored body is encoded here. ``orjson`` writes the same compact UTF-8 text as
``json.dumps(separators=(",", ":"), ensure_ascii=False)`` for the values the simulator holds (strings,
integers, booleans, null, lists and objects with string keys) about five times faster. What it
refuses (integers beyond 64 bits, strings with lone surrogates that a client sent as ``\\ud800``
escapes) falls back to the standard library with ``ensure_ascii=True``, which escapes them, so the
output is always valid JSON in valid UTF-8. Request bodies are parsed in ``catapult_sim._http``:
``orjson`` when the body holds no run of 19 digits (past 64 bits ``orjson`` makes integers floats),
the standard library otherwise and for whatever ``orjson`` refuses, so the values are the same;
a string with a lone surrogate is refused there (:func:`lone_surrogate`), as it is in a seed file.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")


_LONG_DIGITS = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def long_digits(data: str | bytes) -> bool:
    """Whether JSON text holds a run of 19 digits: an integer past 64 bits may be there, which
    ``orjson`` would read as a float, so the standard library must read it (the same values)."""
    found = _LONG_DIGITS_BYTES.search(data) if isinstance(data, bytes) else _LONG_DIGITS.search(data)
    return found is not None


def loads(text: str) -> Any:
    """JSON this module wrote, read back: ``orjson``, or the standard library where
    :func:`long_digits` says it must."""
    if not long_digits(text):
        return orjson.loads(text)
    return json.loads(text)


def lone_surrogate(value: Any) -> str | None:
    """The first string (value or key) holding a lone UTF-16 surrogate, cut to 40 characters.

    The standard parser turns a ``\\ud800`` escape into such a string; no UTF-8 text can hold it, so
    the simulator could not store it (SQLite text is UTF-8) and refuses it (docs/fidelity.md).
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return item[:40]
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


MAX_DEPTH = 32  # arrays and objects within each other; Vibes' bodies nest 3 deep, seed files 5


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` levels (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def may_be_deep(raw: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """False when the text has too few brackets to nest past ``limit`` (the cheap test first)."""
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{") > limit
    return raw.count(b"[") + raw.count(b"{") > limit


def finite_float(text: str) -> float:
    """A JSON number with a fraction or exponent; ValueError for one no double holds (``1e400``)."""
    value = float(text)
    if value in (_INF, -_INF):
        raise NonFinite(f"the number {text[:40]} is too large for a double")
    return value


class NonFinite(ValueError):
    """A number outside what a double holds (JSON has no infinity)."""


_INF = float("inf")
