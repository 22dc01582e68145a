"""Settings: built once at the edge (defaults < ``CATAPULT_SIM_*`` environment < CLI flags).

Each field is one ``catapult-sim serve`` flag and one environment variable, both named after the
flag (``--seed`` and ``CATAPULT_SIM_SEED``); the CLI builds its flags from these fields, so adding
a setting is adding a field here with :func:`option`. Values from either source go through
:func:`parse_value`, so a bad one is refused the same way wherever it came from.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

ENV_PREFIX = "CATAPULT_SIM_"
SERVER, CALLBACKS, TEST_CONTROL = "server", "callbacks", "test control"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    group: str = SERVER,
    metavar: str | None = None,
    choices: tuple[str, ...] | None = None,
    const: Any = None,
    check: Callable[[Any], None] | None = None,
    repeat: bool = False,
) -> Any:
    """A Settings field that is also a serve flag. ``flag``: its name when not the field's
    (``--seed`` for ``random_seed``); ``const``: the value of the bare flag (``--rate-limit``);
    ``check``: raises ValueError for a value of the right type that is still unusable; ``repeat``: the
    flag may be given more than once, its values joined with commas (the variable's form)."""
    meta = {"help": help, "flag": flag, "group": group, "metavar": metavar, "choices": choices, "const": const,
            "repeat": repeat}  # fmt: skip
    return field(default=default, metadata={**meta, "check": check})


def _port(value: int) -> None:
    if not 0 <= value <= 65535:
        raise ValueError(f"a port is 0 to 65535 (0 picks a free one), not {value}")


def _at_least(low: int) -> Callable[[int | None], None]:
    def check(value: int | None) -> None:
        if value is not None and value < low:
            raise ValueError(f"must be at least {low}, not {value}")

    return check


def _db(value: str) -> None:
    if value != ":memory:" and not value.startswith("file:") and not Path(value).parent.is_dir():
        raise ValueError(f"directory {str(Path(value).parent)!r} does not exist")


# The duration and time forms the simulator reads (core/clock.py); checked here with the standard
# library because settings sit below core.
_DURATION = re.compile(r"\s*(\d+(\.\d*)?|\.\d+)\s*(ms|s|m|h|d)?\s*", re.IGNORECASE)


def _seconds(value: str) -> float:
    found = _DURATION.fullmatch(value)
    if found is None:
        raise ValueError(f"a duration looks like 250ms, 10s, 5m or 2h, not {value!r}")
    unit = (found.group(3) or "s").lower()
    return float(found.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def _duration(value: str | None) -> None:
    if value is not None:
        _seconds(value)


def _timeout(value: str | None) -> None:
    if value is not None and _seconds(value) <= 0:
        raise ValueError(f"must be above zero, not {value!r}")


def _schedule(value: str | None) -> None:
    for part in (value or "").split(","):
        if part.strip():
            _seconds(part)


def _iso(value: str | None) -> None:
    if value is None:
        return
    try:
        datetime.fromisoformat(value.strip().removesuffix("Z").removesuffix("z"))
    except ValueError:
        raise ValueError(f"an ISO-8601 time looks like 2030-01-01T00:00:00Z, not {value!r}") from None


def _folder(value: str | None) -> None:
    if value is not None and Path(value).exists() and not Path(value).is_dir():
        raise ValueError(f"not a folder: {value!r}")


def _file(value: str | None) -> None:
    if value is not None and not Path(value).is_file():
        raise ValueError(f"no such file: {value!r}")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = option("127.0.0.1", "address to bind")
    port: int = option(8080, "port to bind (0 picks a free one)", check=_port)
    db: str = option(":memory:", "SQLite file to persist state in (:memory: keeps none)", metavar="FILE", check=_db)
    seed_file: str | None = option(None, "JSON seed file with companies, lists and campaigns", metavar="FILE")
    persons: str | None = option(
        None, "load a persons file (JSON Lines or CSV, docs/bulk-load.md) into COMPANY (default: the seed's first)"
        " at start; with --db only into a company without persons (repeatable)", metavar="[COMPANY=]FILE",
        repeat=True,
    )  # fmt: skip
    strict_companies: bool = option(False, "answer 401 for company keys that are not in the seed")
    # GET persons?mdn= answers one object (the OAS) or an array (fact sheet §2.6, docs/fidelity.md).
    find_by_mdn_shape: Literal["object", "array"] = option(
        "object", "shape of GET /mobiledb/persons?mdn=", flag="find-by-mdn"
    )
    # opt_out_date in subscription callbacks: "...Z" or the data-sync page's "...+0000" (docs/fidelity.md).
    opt_out_date_form: Literal["z", "offset"] = option(
        "z", "opt_out_date in subscription callbacks: ...Z (z) or ...+0000 (offset)", group=CALLBACKS
    )
    # A carrier_code for numbers the CRM sent without one, looked up as the platform does (fact sheet
    # §2.2; core/carriers.py, docs/fidelity.md); "off" shows only the carrier the CRM sent.
    carrier_lookup: Literal["on", "off"] = option(
        "on", "report a looked-up carrier_code for numbers sent without one (off: only the CRM's)"
    )
    # The daily extracts dropped into a folder as the simulator's days end (core/extract_drop.py).
    extract_dir: str | None = option(
        None, "write both daily extracts of every company into DIR as each day ends (made if missing)",
        metavar="DIR", check=_folder,
    )  # fmt: skip
    max_body_bytes: int = option(1 << 20, "largest accepted request body in bytes", metavar="N", check=_at_least(1))
    clock: Literal["system", "manual"] = option("system", "start with the system clock or a manual one")
    start_time: str | None = option(None, "ISO-8601 start time of a manual clock", metavar="TIME", check=_iso)
    random_seed: int | None = option(None, "random seed for ids (reproducible runs)", flag="seed", metavar="N")
    event_log_cap: int = option(10_000, "domain events kept per company", metavar="N", check=_at_least(1))
    # A shared instance (docs/shared-instance.md): the control token, companies made on first use,
    # and the connection limits (catapult_sim/serving.py).
    control_token: str | None = option(
        None, "require Authorization: Bearer TOKEN on /_sim, pages and the control OpenAPI", metavar="TOKEN"
    )
    insecure_open_control: bool = option(False, "serve beyond loopback without a control token (anyone controls it)")
    max_companies: int = option(
        1000, "companies made on first use, at most (0: no limit)", metavar="N", check=_at_least(0)
    )
    auto_companies: bool = option(False, "with a seed file naming companies, still make unknown ones on first use")
    max_header_bytes: int = option(
        16 * 1024, "largest request line and headers in bytes (431 past it)", metavar="N", check=_at_least(1024)
    )
    idle_timeout: str = option("5s", "close a connection that sends no request this long", check=_timeout)
    request_timeout: str = option("30s", "a request must arrive in full within this (408 past it)", check=_timeout)
    max_concurrency: int = option(
        1000, "connections and requests at once (503 past it; 0: no limit)", metavar="N", check=_at_least(0)
    )
    log_level: str = option("info", "log level; warning hides the delivery lines", choices=LOG_LEVELS)
    access_log: bool = option(False, "log every request")
    # Callback delivery (docs/delivery-contract.md). Durations are text: "250ms", "10s", "5m", "2h".
    callback_url: str | None = option(
        None, "register every callback type to URL for company 'demo'", group=CALLBACKS, metavar="URL"
    )
    retry_preset: str = option("vibes", "retry schedule", group=CALLBACKS, choices=("vibes", "svix", "fast"))
    retry_schedule: str | None = option(
        None, "custom retry delays, e.g. 10s,1m,5m (overrides the preset)", group=CALLBACKS, check=_schedule
    )
    delivery_timeout: str | None = option(
        None, "per-attempt timeout, e.g. 2s (default: the preset's)", group=CALLBACKS, check=_timeout
    )
    delivery_concurrency: int = option(
        16, "attempts in flight per destination", group=CALLBACKS, metavar="N", check=_at_least(1)
    )
    delivery_log_cap: int = option(10_000, "deliveries kept in the log", group=CALLBACKS, metavar="N")
    downed_after: int = option(
        5, "consecutive failures that pause a URL", group=CALLBACKS, metavar="N", check=_at_least(1)
    )
    downed_cooldown: str = option("5m", "how long a paused URL waits, e.g. 5m", group=CALLBACKS, check=_duration)
    # https receivers: a CA (PEM) trusted besides the system's, or no verification at all.
    callback_ca_file: str | None = option(
        None, "trust this CA too for https receivers (e.g. mkcert's rootCA.pem)", group=CALLBACKS, metavar="PEM",
        check=_file,
    )  # fmt: skip
    callback_insecure: bool = option(
        False, "do not verify https receivers' certificates (development only)", group=CALLBACKS
    )
    # Where callbacks may go (core/callbacks/destinations.py), comma-separated. None: loopback and
    # private ranges when bound to loopback, nothing otherwise.
    callback_allow: str | None = option(
        None, "callbacks may go to HOST, CIDR or any (repeatable)", group=CALLBACKS, metavar="HOST|CIDR|any",
        repeat=True,
    )  # fmt: skip
    callback_deny: str | None = option(
        None, "callbacks never go to HOST or CIDR (repeatable; wins over --callback-allow)", group=CALLBACKS,
        metavar="HOST|CIDR", repeat=True,
    )  # fmt: skip
    # Test control (docs/error-handling.md): request journal size; per-company requests/second
    # (None = off; the bare flag means Vibes' documented 100/s, fact sheet §1.6); Retry-After on
    # 429, which Vibes does not document.
    journal_cap: int = option(10_000, "requests kept in the journal", group=TEST_CONTROL, metavar="N")
    rate_limit: int | None = option(
        None, "answer 429 beyond N requests per second per company (bare flag: 100, as Vibes)",
        group=TEST_CONTROL, metavar="N", const=100, check=_at_least(0),
    )  # fmt: skip
    retry_after: bool = option(False, "send Retry-After with 429 answers (Vibes documents none)", group=TEST_CONTROL)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Defaults, then ``CATAPULT_SIM_<FLAG>`` variables, then explicit overrides (not None).

        A bad variable raises :class:`SettingError` naming it."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = env_name(f)
            raw = environ.get(name)
            if raw is not None:
                try:
                    values[f.name] = parse_value(f, raw)
                except ValueError as exc:
                    raise SettingError(f"{name}: {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


class SettingError(ValueError):
    """A setting's value that cannot be used; the message starts with the variable's name."""


def flag_name(f: dataclasses.Field[Any]) -> str:
    """The flag's name without dashes: ``seed`` for ``random_seed``, ``db`` for ``db``."""
    return str(f.metadata.get("flag") or f.name.replace("_", "-"))


def env_name(f: dataclasses.Field[Any]) -> str:
    """The environment variable, named after the flag: ``CATAPULT_SIM_SEED`` for ``--seed``."""
    return ENV_PREFIX + flag_name(f).upper().replace("-", "_")


def field_type(f: dataclasses.Field[Any]) -> Any:
    """The field's annotation as a type (``int | None``, ``Literal[...]``), not text."""
    return _hints()[f.name]


@functools.cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def choices(f: dataclasses.Field[Any]) -> tuple[str, ...] | None:
    found = f.metadata.get("choices")
    kind = field_type(f)
    if found is None and typing.get_origin(kind) is Literal:
        found = typing.get_args(kind)
    return tuple(found) if found else None


def parse_value(f: dataclasses.Field[Any], raw: str) -> Any:
    """Text (a flag's or a variable's) as the field's value; ValueError says what is expected."""
    kind = field_type(f)
    base = {a for a in typing.get_args(kind) if a is not type(None)} or {kind}
    text = raw.strip()
    if bool in base:
        return _boolean(text)
    if int in base:
        if not text and type(None) in typing.get_args(kind):
            return None
        try:
            value: Any = int(text)
        except ValueError:
            raise ValueError(f"expected a whole number, not {raw!r}") from None
    else:
        value = raw
    allowed = choices(f)
    if allowed and value not in allowed:
        raise ValueError(f"expected one of {', '.join(allowed)}, not {raw!r}")
    check = f.metadata.get("check")
    if check is not None:
        check(value)
    return value


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false (1/0, yes/no, on/off), not {text!r}")
