"""Settings: built once at the edge (defaults < ``CATAPULT_SIM_*`` environment < CLI flags)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

ENV_PREFIX = "CATAPULT_SIM_"


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    db: str = ":memory:"
    seed_file: str | None = None
    strict_companies: bool = False
    # GET persons?mdn= answers one object (the OAS) or an array (fact sheet §2.6, docs/fidelity.md).
    find_by_mdn_shape: Literal["object", "array"] = "object"
    max_body_bytes: int = 1 << 20
    clock: Literal["system", "manual"] = "system"
    start_time: str | None = None
    random_seed: int | None = None
    event_log_cap: int = 10_000
    log_level: str = "warning"
    access_log: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Defaults, then ``CATAPULT_SIM_<FIELD>`` variables, then explicit overrides (not None)."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(type_: Any, raw: str, name: str) -> Any:
    text = str(type_)
    try:
        if "bool" in text:
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if text.startswith("int"):
            return int(raw)
        if "int | None" in text:
            return int(raw) if raw else None
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}: not a number: {raw!r}") from None
    return raw
