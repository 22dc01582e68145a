"""Custom field values: checked against the company's field definitions.

Custom fields must exist in the platform before the API can write them, and an unknown one is
rejected with the offending names listed (fact sheet §2.2, §5.3). Values may be strings, dates,
``null`` (removes the field), single-select objects or multi-select arrays (fact sheet §2.2).
"""

from __future__ import annotations

from typing import Any

from catapult_sim.core.clock import parse_iso
from catapult_sim.errors import Code, Problem

_MISSING = object()


def normalize(
    values: dict[str, Any], definitions: dict[str, dict[str, Any]], problems: list[Problem]
) -> dict[str, Any]:
    """Return the values in stored form (``None`` meaning remove); append a problem for each bad one."""
    out: dict[str, Any] = {}
    unknown = [name for name in values if name not in definitions]
    if unknown:
        problems.append(Problem(Code.UNKNOWN_CUSTOM_FIELD, "unknown custom fields: " + ", ".join(sorted(unknown))))
    for name, value in values.items():
        defn = definitions.get(name)
        if defn is None:
            continue
        if value is None:
            out[name] = None
            continue
        result = _one(name, value, defn, problems)
        if result is not _MISSING:
            out[name] = result
    return out


def _one(name: str, value: Any, defn: dict[str, Any], problems: list[Problem]) -> Any:
    kind = defn.get("type", "string")
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        problems.append(Problem(Code.INVALID, f"custom_fields.{name}: expected a string"))
        return _MISSING
    if kind == "date":
        try:
            return parse_iso(value).strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, str) else _bad_date()
        except ValueError:
            problems.append(Problem(Code.INVALID, f"custom_fields.{name}: expected an ISO-8601 date"))
            return _MISSING
    options: list[dict[str, Any]] = defn.get("options", [])
    if kind == "multiselect":
        if not isinstance(value, list):
            value = [value]
        picked = [_option(name, v, options, problems) for v in value]
        return _MISSING if any(p is None for p in picked) else picked
    picked_one = _option(name, value, options, problems)
    return _MISSING if picked_one is None else picked_one


def _bad_date() -> Any:
    raise ValueError


def _option(name: str, value: Any, options: list[dict[str, Any]], problems: list[Problem]) -> Any:
    """Find a select option by option_key, name or id (case-insensitive)."""
    wanted: list[str] = []
    if isinstance(value, str):
        wanted = [value]
    elif isinstance(value, dict):
        wanted = [str(value[k]) for k in ("option_key", "name", "id") if value.get(k) is not None]
    lowered = [w.lower() for w in wanted]  # once, not once per option
    for opt in options:
        names = (opt["option_key"].lower(), opt["name"].lower(), str(opt["id"]).lower())
        for w in lowered:
            if w in names:
                return dict(opt)
    keys = ", ".join(o["option_key"] for o in options)
    problems.append(Problem(Code.INVALID, f"custom_fields.{name}: {value!r} is not one of: {keys}"))
    return None


def apply(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Merge stored-form changes into ``current``; ``None`` removes a field."""
    merged = dict(current)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged
