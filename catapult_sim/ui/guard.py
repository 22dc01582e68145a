"""The inspector's own state and its two guards: the control token and cross-site request protection.

- **Control token.** When the simulator runs with a control token (``Settings.control_token``), every
  inspector page needs it: as ``Authorization: Bearer <token>`` or, for a browser, in a cookie the
  login page sets after asking for it (HttpOnly, SameSite=Strict, scoped to ``/_sim``).
- **Cross-site requests.** Every state-changing button is a POST carrying a per-process random
  token that only pages of this origin can read (it is in their HTML); a POST without it, or whose
  ``Origin``/``Sec-Fetch-Site`` says it came from another site, is refused with a 403.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from catapult_sim._http import control_authorized, sim_of
from catapult_sim.ui.feed import Feed

TOKEN_COOKIE = "catapult_sim_control"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(slots=True)
class UiState:
    """What the inspector keeps for one app: its live feed and its cross-site-request secret."""

    feed: Feed
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


def ui_of(request: Request) -> UiState:
    state: UiState = request.scope["app"].state.ui
    return state


def control_token(request: Request) -> str | None:
    """The control token the simulator runs with, if any (None: the control API is open)."""
    return sim_of(request).settings.control_token or None


def token_ok(request: Request) -> bool:
    """True when no token is set, or the request carries it: a Bearer header (checked by the one
    control-token check, :func:`catapult_sim._http.control_authorized`) or the login cookie."""
    token = control_token(request)
    if token is None:
        return True
    if request.headers.get("authorization", "")[:7].lower() == "bearer ":
        return control_authorized(request)
    return hmac.compare_digest(request.cookies.get(TOKEN_COOKIE, "").encode(), token.encode())


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def csrf_ok(request: Request, form_value: str | None) -> bool:
    """The POST carries this process's token (form field or header) and comes from this site."""
    given = form_value or request.headers.get(CSRF_HEADER, "")
    return same_origin(request) and hmac.compare_digest(given.encode(), ui_of(request).csrf.encode())


MAX_FORM_BYTES = 64 * 1024


async def form(request: Request) -> dict[str, str]:
    """The POSTed form (``application/x-www-form-urlencoded``, at most 64 KiB), read once per request.

    The inspector's forms are all small and urlencoded, so the standard library parses them (no
    multipart parser is needed); anything else, or a larger body, is an empty form.
    """
    cached: dict[str, str] | None = getattr(request.state, "ui_form", None)
    if cached is not None:
        return cached
    fields: dict[str, str] = {}
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_FORM_BYTES:
                raw = b""
                break
        fields = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    request.state.ui_form = fields
    return fields
