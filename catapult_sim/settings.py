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
    auto_companies: bool = False  # with a seed file naming companies, still make unknown ones on first use
    # GET persons?mdn= answers one object (the OAS) or an array (fact sheet §2.6, docs/fidelity.md).
    find_by_mdn_shape: Literal["object", "array"] = "object"
    max_body_bytes: int = 1 << 20
    clock: Literal["system", "manual"] = "system"
    start_time: str | None = None
    random_seed: int | None = None
    event_log_cap: int = 10_000
    # Connection limits (catapult_sim/serving.py, docs/shared-instance.md): request line and headers
    # (431 past it), a connection's wait for its first request and between requests, a request's
    # time to arrive in full (408), concurrent connections and requests (503 past it; 0 = no limit).
    max_header_bytes: int = 16 * 1024
    idle_timeout: str = "5s"
    request_timeout: str = "30s"
    max_concurrency: int = 1000
    # The control API's bearer token (docs/shared-instance.md); serving beyond loopback without one
    # needs insecure_open_control.
    control_token: str | None = None
    insecure_open_control: bool = False
    # Companies made on first use, at most (a seed's own companies do not count).
    max_companies: int = 1000
    log_level: str = "warning"
    access_log: bool = False
    # Callback delivery (docs/delivery-contract.md). Durations are text: "250ms", "10s", "5m", "2h".
    callback_url: str | None = None
    retry_preset: str = "vibes"
    retry_schedule: str | None = None
    delivery_timeout: str | None = None
    delivery_concurrency: int = 16
    delivery_log_cap: int = 10_000
    downed_after: int = 5
    downed_cooldown: str = "5m"
    # https receivers: a CA (PEM) trusted besides the system's, or no verification at all.
    callback_ca_file: str | None = None
    callback_insecure: bool = False
    # Where callbacks may go (core/callbacks/destinations.py): HOST, CIDR or "any", comma-separated.
    # None: loopback and private ranges when bound to loopback, nothing otherwise.
    callback_allow: str | None = None
    callback_deny: str | None = None
    # Test control (docs/error-handling.md): request journal size; per-company requests/second
    # (None = off, fact sheet §1.6); Retry-After on 429, which Vibes does not document.
    journal_cap: int = 10_000
    rate_limit: int | None = None
    retry_after: bool = False

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
