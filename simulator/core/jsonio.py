"""JSON output: ``orjson`` where it can, the standard library where it cannot.

Every answer and every stored body is encoded here. ``orjson`` writes the same compact UTF-8 text as
``json.dumps(separators=(",", ":"), ensure_ascii=False)`` for the values the simulator holds (strings,
integers, booleans, null, lists and objects with string keys) about five times faster. What it
refuses (integers beyond 64 bits, strings with lone surrogates that a client sent as ``\\ud800``
escapes) falls back to the standard library with ``ensure_ascii=True``, which escapes them, so the
output is always valid JSON in valid UTF-8. Parsing stays with the standard library: it keeps big
integers exact, where ``orjson`` turns them into floats.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, separators=(",", ":")).encode("ascii")


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode("utf-8")
