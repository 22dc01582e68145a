"""What a receiver-suite run is told: the URL, the time budget, how many examples, which checks."""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from catapult_sim.delivery.policy import PRESET_TIMEOUTS
from catapult_sim.delivery.tls import client_ssl

# The simulator's own per-attempt timeout for the default "vibes" retry preset (docs/delivery-contract.md:
# 2 s, the figure Vibes publishes for its Connect callback services): an answer later than this is
# a failed attempt, so it is the default budget of every request the suite sends.
DEFAULT_BUDGET = PRESET_TIMEOUTS["vibes"]
# The callback types a CRM registers for (fact sheet §6.2; the simulator's --callback-url shortcut
# registers exactly these). company_participant_* carry the ack_participant_* bodies.
RECEIVER_TYPES = (
    "subscription_added",
    "subscription_removed",
    "person_added",
    "person_updated",
    "ack_participant_added",
    "ack_participant_changed",
)
# The simulator sends at most this many requests at a time to one URL (--delivery-concurrency).
DEFAULT_CONCURRENCY = 16
DEFAULT_EXAMPLES = 20
DEFAULT_BURST = 50
DEFAULT_RATE = 25.0
DEFAULT_SHRINK_TIME = 30.0
FORBIDDEN_HEADERS = ("content-type", "content-length", "host")


class OptionsError(ValueError):
    """Options that cannot work together; ``str(self)`` says which and why."""


@dataclass(slots=True, frozen=True)
class Options:
    """One run of the receiver suite.

    ``examples`` is per callback type and API version; ``shrink_time`` bounds the seconds spent
    shrinking a failing body (after it, what was found so far is reported).
    """

    url: str
    budget: float = DEFAULT_BUDGET
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    burst: int = DEFAULT_BURST
    rate: float = DEFAULT_RATE
    api_versions: tuple[int, ...] = (1, 2)
    callback_types: tuple[str, ...] = RECEIVER_TYPES
    headers: tuple[tuple[str, str], ...] = ()
    concurrency: int = DEFAULT_CONCURRENCY
    shrink_time: float = DEFAULT_SHRINK_TIME
    ca_file: str | None = None  # an https receiver's CA (PEM), trusted besides the system's
    insecure: bool = False  # do not verify an https receiver's certificate
    # What the requests check an https receiver's certificate with (catapult_sim/delivery/tls.py): made
    # once from ca_file and insecure, so the CA file is read once.
    tls: ssl.SSLContext | bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate(self)
        try:
            tls = client_ssl(self.ca_file, self.insecure)
        except ValueError as exc:  # a CA file that cannot be read is an option error, not a failed check
            raise OptionsError(str(exc)) from None
        object.__setattr__(self, "tls", tls)  # frozen

    @property
    def current_version(self) -> int:
        """The API version of the bodies the checks other than valid_bodies and mdn_forms send."""
        return max(self.api_versions)


def validate(o: Options) -> None:
    parts = urlsplit(o.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionsError(f"the receiver URL must be http:// or https:// with a host, not {o.url!r}")
    for name, value, low in (("budget", o.budget, 0.0), ("rate", o.rate, 0.0)):
        if not value > low:
            raise OptionsError(f"--{name} must be above zero")
    if o.examples < 1:
        raise OptionsError("--examples must be 1 or more")
    if o.burst < 0 or o.concurrency < 1 or o.shrink_time < 0:
        raise OptionsError("--burst and --shrink-time must be 0 or more, --concurrency 1 or more")
    if not o.api_versions or set(o.api_versions) - {1, 2}:
        raise OptionsError("API versions are 1, 2 or both")
    unknown = sorted(set(o.callback_types) - set(RECEIVER_TYPES))
    if unknown or not o.callback_types:
        raise OptionsError(f"callback types are {', '.join(RECEIVER_TYPES)}; not {', '.join(unknown)}")
    for key, _ in o.headers:
        if key.lower() in FORBIDDEN_HEADERS:
            raise OptionsError(f"{key} is set by the checks themselves and cannot be given")


def parse_header(raw: str) -> tuple[str, str]:
    """``'K: V'`` → ``('K', 'V')``."""
    key, sep, value = raw.partition(":")
    if not sep or not key.strip() or any(c.isspace() for c in key.strip()):
        raise OptionsError(f"a header is NAME:VALUE, not {raw!r}")
    return key.strip(), value.strip()


def parse_versions(raw: str) -> tuple[int, ...]:
    choices = {"1": (1,), "2": (2,), "both": (1, 2)}
    if raw not in choices:
        raise OptionsError(f"the API version is 1, 2 or both, not {raw!r}")
    return choices[raw]


ENV_PREFIX = "CATAPULT_RECEIVER_"


def from_env(url: str, environ: Mapping[str, str] | None = None, **overrides: object) -> Options:
    """Options from ``CATAPULT_RECEIVER_*`` variables (BUDGET, EXAMPLES, SEED, BURST, RATE,
    API_VERSION, TYPES comma-separated, HEADERS one NAME:VALUE a line, CONCURRENCY, SHRINK_TIME,
    CA_FILE, INSECURE 1/true/yes)."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(ENV_PREFIX + name)
        return value.strip() if value and value.strip() else None

    kw: dict[str, object] = {}
    try:
        for name, cast in (("budget", float), ("examples", int), ("seed", int), ("burst", int),
                           ("rate", float), ("concurrency", int), ("shrink_time", float)):  # fmt: skip
            raw = get(name.upper())
            if raw is not None:
                kw[name] = cast(raw)
    except ValueError as exc:
        raise OptionsError(f"{ENV_PREFIX}*: {exc}") from None
    if (raw := get("API_VERSION")) is not None:
        kw["api_versions"] = parse_versions(raw)
    if (raw := get("TYPES")) is not None:
        kw["callback_types"] = tuple(t.strip() for t in raw.split(",") if t.strip())
    if (raw := get("CA_FILE")) is not None:
        kw["ca_file"] = raw
    if (raw := get("INSECURE")) is not None:
        kw["insecure"] = raw.lower() in ("1", "true", "yes", "on")
    if (raw := get("HEADERS")) is not None:
        kw["headers"] = tuple(parse_header(line) for line in raw.splitlines() if line.strip())
    kw.update(overrides)
    return Options(url, **kw)  # type: ignore[arg-type]


def selected(names: Sequence[str], only: Sequence[str], skip: Sequence[str]) -> tuple[str, ...]:
    """The checks to run, in suite order: ``only`` (all when empty) minus ``skip``."""
    unknown = sorted((set(only) | set(skip)) - set(names))
    if unknown:
        raise OptionsError(f"unknown check {', '.join(unknown)}; --list-checks shows them")
    chosen = tuple(n for n in names if (not only or n in only) and n not in skip)
    if not chosen:
        raise OptionsError("no check left to run")
    return chosen
