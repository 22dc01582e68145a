"""Callback registration requests: the fields Vibes documents, checked with every problem listed.

Sources: fact sheet §6.2 [P-cbapi] [OAS callbackRequest-*] [W-cbent] and §6.3 [P-test].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from catapult_sim.core.clock import parse_iso, stamp
from catapult_sim.errors import BadRequest, Code, Problem, Unprocessable

# The types the simulator registers and fires. The published OAS enum also lists event_processed,
# device_*, wallet_* and unmatched_message_received (fact sheet §6.2): those belong to products out
# of scope here and are refused with a 422.
CALLBACK_TYPES = (
    "person_added",
    "person_updated",
    "subscription_added",
    "subscription_removed",
    "ack_participant_added",
    "ack_participant_changed",
    "company_participant_added",
    "company_participant_changed",
    "subscription_list_added",  # [OAS callbackRequest-SubList] [W-slcb-diff]: no selector
    "subscription_list_updated",
)
# Per-type selector objects and the key each must carry (fact sheet §6.2: "required for" its type).
SELECTOR_KEYS = {
    "subscription_added": "list_id",
    "subscription_removed": "list_id",
    "ack_participant_added": "campaign_id",
    "ack_participant_changed": "campaign_id",
}
# Every type the OAS lets a test event name (testcallbackRequest enum, fact sheet §6.3): a test of a
# type the simulator does not register can only find no active registration (404 [P-test]).
TEST_TYPES = CALLBACK_TYPES + tuple(
    t
    for t in ("event_processed", "device_added", "device_removed", "device_updated", "subscription_list_added",
              "subscription_list_updated", "unmatched_message_received", "wallet_item_install", "wallet_item_remove")
    if t not in CALLBACK_TYPES
)  # fmt: skip
METHODS = ("POST", "PUT")  # POST is the default (fact sheet §6.2 [P-cbapi])
CONTENT_TYPES = ("application/json", "text/json")  # application/json is the default [P-cbapi]
MAX_URL = 1024  # destination.url: at most 1024 characters [P-cbapi] (the older wiki said 50)
MAX_ID = 256
# System fields are ignored on write (fact sheet §6.2); the OAS spells two of them *_date.
SYSTEM_FIELDS = frozenset({"callback_id", "url", "created_at", "updated_at", "created_date", "updated_date"})
_KNOWN = frozenset({"callback_type", "event_type", "destination", "start_date", "end_date"})


@dataclass(slots=True, frozen=True)
class Spec:
    """A valid registration request, with times in stored form."""

    callback_type: str
    selector: dict[str, Any] | None
    url: str
    method: str
    content_type: str
    start_date: str | None
    end_date: str | None

    @property
    def selector_id(self) -> str | None:
        key = SELECTOR_KEYS.get(self.callback_type)
        return None if key is None or self.selector is None else str(self.selector[key])


def parse(body: Any) -> Spec:
    """Check a registration body; 400 when it is not an object, 422 listing every field problem."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code=Code.MALFORMED_BODY)
    problems: list[Problem] = []
    type_ = callback_type(body, problems)
    url, method, content_type = _destination(body.get("destination"), problems)
    selector = _selector(body, type_, problems)
    start = _date(body, "start_date", problems)
    end = _date(body, "end_date", problems)
    if start and end and end <= start:
        problems.append(Problem(Code.INVALID, "end_date must be after start_date"))
    _unknown(body, type_, problems)
    if problems:
        raise Unprocessable(problems=problems)
    assert type_ is not None and url is not None
    return Spec(type_, selector, url, method, content_type, start, end)


def callback_type(
    body: dict[str, Any], problems: list[Problem], allowed: tuple[str, ...] = CALLBACK_TYPES
) -> str | None:
    """``callback_type`` or the deprecated ``event_type``: one is required; both must agree."""
    given = {k: body[k] for k in ("callback_type", "event_type") if body.get(k) is not None}
    if not given:
        problems.append(Problem(Code.REQUIRED, "callback_type is required (or the deprecated event_type)"))
        return None
    values = set(given.values())
    if len(values) > 1:
        problems.append(Problem(Code.INVALID, "callback_type and event_type must be the same when both are given"))
        return None
    value = next(iter(values))
    if value not in allowed:
        name = next(iter(given))
        problems.append(Problem(Code.INVALID, f"{name}: {value!r} is not one of {', '.join(allowed)}"))
        return None
    return str(value)


def _destination(raw: Any, problems: list[Problem]) -> tuple[str | None, str, str]:
    if raw is None:
        problems.append(Problem(Code.REQUIRED, "destination.url is required"))
        return None, "POST", "application/json"
    if not isinstance(raw, dict):
        problems.append(Problem(Code.INVALID, "destination must be an object"))
        return None, "POST", "application/json"
    url = _url(raw.get("url"), problems)
    method = _choice(raw, "method", METHODS, str.upper, problems)
    content_type = _choice(raw, "content_type", CONTENT_TYPES, str.lower, problems)
    for key in sorted(set(raw) - {"url", "method", "content_type"}):
        problems.append(Problem(Code.UNKNOWN_FIELD, f"destination.{key} is not a known field"))
    return url, method, content_type


def _url(raw: Any, problems: list[Problem]) -> str | None:
    if raw is None:
        problems.append(Problem(Code.REQUIRED, "destination.url is required"))
        return None
    if not isinstance(raw, str) or not raw.strip():
        problems.append(Problem(Code.INVALID, "destination.url must be a non-empty string"))
        return None
    if len(raw) > MAX_URL:
        problems.append(Problem(Code.INVALID, f"destination.url is longer than {MAX_URL} characters"))
        return None
    try:
        parts = urlsplit(raw)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        ok = False
    if not ok:
        problems.append(Problem(Code.INVALID, f"destination.url must be an http or https URL, not {raw!r}"))
        return None
    return raw


def _choice(raw: dict[str, Any], key: str, allowed: tuple[str, ...], norm: Any, problems: list[Problem]) -> str:
    value = raw.get(key)
    if value is None:
        return allowed[0]
    if isinstance(value, str) and norm(value) in allowed:
        return str(norm(value))
    problems.append(Problem(Code.INVALID, f"destination.{key} must be one of {', '.join(allowed)}"))
    return allowed[0]


def _selector(body: dict[str, Any], type_: str | None, problems: list[Problem]) -> dict[str, Any] | None:
    if type_ is None:
        return None
    raw = body.get(type_)
    key = SELECTOR_KEYS.get(type_)
    if key is None:  # person and company-wide types take no selector (fact sheet §6.2)
        return None
    if not isinstance(raw, dict) or raw.get(key) is None:
        problems.append(Problem(Code.REQUIRED, f"{type_}.{key} is required for callback_type {type_}"))
        return None
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, str | int) or not 0 < len(str(value)) <= MAX_ID:
        problems.append(Problem(Code.INVALID, f"{type_}.{key} must be a non-empty string"))
        return None
    for extra in sorted(set(raw) - {key}):
        problems.append(Problem(Code.UNKNOWN_FIELD, f"{type_}.{extra} is not a known field"))
    return {key: str(value)}


def _date(body: dict[str, Any], key: str, problems: list[Problem]) -> str | None:
    """ISO-8601 or yyyy-mm-dd (fact sheet §6.2: the OAS examples hint at yyyy-mm-dd)."""
    raw = body.get(key)
    if raw is None:
        return None
    try:
        if not isinstance(raw, str):
            raise ValueError
        return stamp(parse_iso(raw))
    except (ValueError, OverflowError):
        problems.append(Problem(Code.INVALID, f"{key} must be an ISO-8601 time or yyyy-mm-dd, not {raw!r}"))
        return None


def _unknown(body: dict[str, Any], type_: str | None, problems: list[Problem]) -> None:
    for key in sorted(set(body) - _KNOWN - SYSTEM_FIELDS):
        if key not in SELECTOR_KEYS:
            problems.append(Problem(Code.UNKNOWN_FIELD, f"{key} is not a known field"))
        elif type_ is not None and key != type_:
            problems.append(Problem(Code.UNKNOWN_FIELD, f"{key} does not apply to callback_type {type_}"))
