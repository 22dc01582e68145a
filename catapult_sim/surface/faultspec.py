"""Validation of fault rules as they arrive (control API body, CLI, or the seed file's ``faults``).

Every problem is collected, so one answer lists them all. The accepted shape (docs/error-handling.md):

    {"company": "acme", "method": "POST", "path": "/mobiledb/persons",
     "fault": "status" | "latency" | "empty" | "truncated" | "reset",
     "status": 503, "code": 50 | "MDNHASCONFIRMATIONBLOCK", "message": "...",
     "latency_ms": 2000, "jitter_ms": 500, "count": 2, "probability": 0.5, "seed": 7}
"""

from __future__ import annotations

from typing import Any

from catapult_sim.errors import Code
from catapult_sim.surface.journal import PathTable, PatternError

KINDS = ("latency", "status", "empty", "truncated", "reset")
FIELDS = frozenset(
    {"company", "method", "path", "fault", "status", "code", "message", "latency_ms", "jitter_ms",
     "probability", "count", "seed"}
)  # fmt: skip
MAX_LATENCY_MS = 600_000
_CODES = {m.name.replace("_", ""): int(m) for m in Code}


class FaultSpecError(ValueError):
    """A rule that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def parse_rule(spec: Any, table: PathTable) -> dict[str, Any]:
    """The keyword arguments of a :class:`~catapult_sim.surface.faults.FaultRule`, or FaultSpecError."""
    if not isinstance(spec, dict):
        raise FaultSpecError(["a fault rule must be a JSON object"])
    problems = [f"{k} is not a known field" for k in sorted(set(spec) - FIELDS, key=str)]
    out: dict[str, Any] = {}
    for name, check in _CHECKS:
        if spec.get(name) is not None:
            try:
                out[name] = check(spec[name], table)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    problems += _combination(spec, out, table)
    if problems:
        raise FaultSpecError(problems)
    return out


def _company(value: Any, table: PathTable) -> str:
    if not isinstance(value, str) or not value or len(value) > 256 or "/" in value:
        raise ValueError("must be a company key (a non-empty string without '/')")
    return value


def _method(value: Any, table: PathTable) -> str:
    known = sorted({m for ms in table.methods.values() for m in ms})
    if not isinstance(value, str) or value.upper() not in known:
        raise ValueError(f"must be one of {', '.join(known)}")
    return value.upper()


def _path(value: Any, table: PathTable) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a path template such as /mobiledb/persons/{person_key}")
    try:
        return table.template(value)
    except PatternError as exc:
        raise ValueError(str(exc)) from None


def _kind(value: Any, table: PathTable) -> str:
    if value not in KINDS:
        raise ValueError(f"must be one of {', '.join(KINDS)}")
    return str(value)


def _status(value: Any, table: PathTable) -> int:
    if not _is_int(value) or not 200 <= value <= 599:
        raise ValueError("must be an HTTP status from 200 to 599")
    return int(value)


def _code(value: Any, table: PathTable) -> int:
    if _is_int(value) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.upper().replace("_", "").replace(" ", "") in _CODES:
        return _CODES[value.upper().replace("_", "").replace(" ", "")]
    raise ValueError("must be a non-negative integer or a code name such as MDNHASCONFIRMATIONBLOCK")


def _message(value: Any, table: PathTable) -> str:
    if not isinstance(value, str) or not value or len(value) > 1000:
        raise ValueError("must be a non-empty string of at most 1000 characters")
    return value


def _millis(value: Any, table: PathTable) -> float:
    if not _is_number(value) or not 0 <= value <= MAX_LATENCY_MS:
        raise ValueError(f"must be a number of milliseconds from 0 to {MAX_LATENCY_MS}")
    return float(value)


def _probability(value: Any, table: PathTable) -> float:
    if not _is_number(value) or not 0 < value <= 1:
        raise ValueError("must be a number greater than 0 and at most 1")
    return float(value)


def _count(value: Any, table: PathTable) -> int:
    if not _is_int(value) or value < 1:
        raise ValueError("must be a whole number of calls, at least 1")
    return int(value)


def _seed(value: Any, table: PathTable) -> int:
    if not _is_int(value):
        raise ValueError("must be an integer")
    return int(value)


_CHECKS = (
    ("company", _company), ("method", _method), ("path", _path), ("fault", _kind), ("status", _status),
    ("code", _code), ("message", _message), ("latency_ms", _millis), ("jitter_ms", _millis),
    ("probability", _probability), ("count", _count), ("seed", _seed),
)  # fmt: skip


def _combination(spec: dict[str, Any], out: dict[str, Any], table: PathTable) -> list[str]:
    """Rules about fields together; fills ``out["kind"]`` (the ``fault`` field, or inferred)."""
    given = {k for k, v in spec.items() if v is not None}
    kind = out.pop("fault", None) or ("status" if "status" in given else None)
    kind = kind or ("latency" if "latency_ms" in given else None)
    if kind is None:
        return [f"fault is required: one of {', '.join(KINDS)}"] if spec.get("fault") is None else []
    out["kind"] = kind
    problems = []
    if kind == "status" and "status" not in given:
        problems.append("status is required for a status fault")
    elif kind == "status" and not 400 <= out.get("status", 400) <= 599:
        problems.append("status must be an error status (400 to 599) for a status fault")
    if kind not in ("status", "empty") and "status" in out:
        problems.append(f"status does not apply to a {kind} fault")
    problems += [f"{f} applies only to a status fault" for f in ("code", "message") if f in out and kind != "status"]
    if kind == "latency" and not out.get("latency_ms"):
        problems.append("latency_ms (more than 0) is required for a latency fault")
    if out.get("jitter_ms", 0) > out.get("latency_ms", 0):
        problems.append("jitter_ms cannot be larger than latency_ms")
    if "method" in out and "path" in out and out["method"] not in table.methods.get(out["path"], set()):
        problems.append(f"no Catapult operation {out['method']} {out['path']}")
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value
