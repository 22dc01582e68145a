"""HTTP plumbing shared by the Catapult endpoints: auth, X-API-Version, JSON bodies, responses."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from catapult_sim import schemas
from catapult_sim.core import jsonio, views
from catapult_sim.core.models import Company, Person
from catapult_sim.core.store import Tx
from catapult_sim.errors import (
    BadRequest,
    Code,
    PayloadTooLarge,
    Problem,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from catapult_sim.sim import Simulator

JSON_TYPES = ("application/json", "text/json")  # text/json is also a documented callback type
MAX_ID_LENGTH = 256
BODY_KEY = "catapult_sim.body"  # where the body read lands in the scope, for the request journal
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1, line/paragraph separators


def sim_of(request: Request) -> Simulator:
    sim: Simulator = request.scope["app"].simulator  # app.SimulatorApp (also as app.state.sim)
    return sim


class JSONBody(JSONResponse):
    """A JSON answer encoded by :mod:`catapult_sim.core.jsonio` (the same bytes, faster).

    It sets the two headers ``Response.init_headers`` would (no caller passes others): that
    generic path is a measurable part of a request.
    """

    def __init__(self, content: Any, status_code: int = 200) -> None:
        self.status_code = status_code
        self.background = None
        self.body = body = self.render(content)
        self.raw_headers = (
            [(b"content-type", b"application/json")]
            if status_code < 200 or status_code in (204, 304)
            else [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        )

    def render(self, content: Any) -> bytes:
        return jsonio.dumps_bytes(content)


def json_response(body: Any, status: int = 200) -> Response:
    return JSONBody(body, status_code=status)


def header(request: Request, name: bytes) -> str | None:
    """The first value of header ``name`` (lower case), as ``request.headers.get`` gives it.

    A scan of the raw list: ``Headers.get`` costs an exception for every absent header.
    """
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def api_version(request: Request) -> int:
    """``X-API-Version``: 1 when absent (fact sheet §1.3); 1 or 2, else 400."""
    raw = header(request, b"x-api-version")
    if raw is None or raw.strip() == "":
        return 1
    value = raw.strip()
    if value not in ("1", "2"):
        raise BadRequest(f"X-API-Version must be 1 or 2, not {raw!r}", code=Code.INVALID)
    return int(value)


@lru_cache(maxsize=256)
def basic_credentials(header: str) -> tuple[str, str] | str:
    """``(user, password)`` from an Authorization header, or why it is not usable HTTP Basic.

    A pure function of the header, cached: a CRM sends the same header on every call.
    """
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return "HTTP Basic authentication is required"
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "malformed Basic credentials"
    if not sep:
        return "malformed Basic credentials"
    return user, password


def authenticate(request: Request, company_key: str, sim: Simulator | None = None) -> Company:
    """HTTP Basic against the company's own credentials (fact sheet §1.2); 401 otherwise."""
    found = basic_credentials(header(request, b"authorization") or "")
    if isinstance(found, str):
        raise Unauthorized(found)
    user, password = found
    if len(company_key) > MAX_ID_LENGTH:
        raise Unauthorized("invalid credentials for this company")
    company = (sim or sim_of(request)).db.companies.authenticate(company_key, user, password)
    if company is None:
        raise Unauthorized("invalid credentials for this company")
    return company


async def read_json(request: Request, max_bytes: int) -> Any:
    """The request body as JSON: 415 for a non-JSON type, 413 over the cap, 400 when malformed."""
    ctype = header(request, b"content-type")
    if ctype is not None:
        media = ctype.split(";", 1)[0].strip().lower()
        if media not in JSON_TYPES and not media.endswith("+json"):
            raise UnsupportedMediaType(f"Content-Type must be application/json, not {media!r}")
    declared = header(request, b"content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the body is larger than {max_bytes} bytes")
    raw = await _body(request, max_bytes)
    if not raw.strip():
        raise BadRequest("a JSON body is required", code=Code.MALFORMED_BODY)
    value = _parse(raw)
    if jsonio.may_be_deep(raw) and jsonio.too_deep(value):
        raise BadRequest(
            f"the body nests arrays and objects more than {jsonio.MAX_DEPTH} levels deep", code=Code.NESTED_TOO_DEEP
        )
    return value


def _parse(raw: bytes) -> Any:
    """JSON (RFC 8259: UTF-8, no NaN or infinity) from ``raw``; 400 naming what is wrong."""
    if len(raw) - len(raw.translate(None, b"0123456789")) < 19 or not jsonio.long_digits(raw):
        # orjson gives the same values as the standard parser below, except integers past 64 bits
        # (floats there), hence the guard (counting digits first is cheaper than the regex); on
        # any error (it refuses 1e400, non-UTF-8 and nesting past 1024) the standard parser
        # decides and words it.
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    if raw[:3] != b"\xef\xbb\xbf" and json.detect_encoding(raw) != "utf-8":
        raise BadRequest("the body is not UTF-8 (JSON travels in UTF-8, RFC 8259 §8.1)", code=Code.MALFORMED_BODY)
    try:
        text = raw.decode("utf-8-sig", "surrogatepass")
        value = _DECODER.decode(text)
    except _NotJson as exc:
        raise BadRequest(f"malformed JSON: {exc}", code=Code.MALFORMED_BODY) from None
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8", code=Code.MALFORMED_BODY) from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", code=Code.MALFORMED_BODY
        ) from None
    except RecursionError:
        raise BadRequest(
            f"the body nests arrays and objects more than {jsonio.MAX_DEPTH} levels deep", code=Code.NESTED_TOO_DEEP
        ) from None
    except ValueError as exc:  # an integer past Python's 4,300-digit limit, a number past a double
        raise BadRequest(f"malformed JSON: {str(exc)[:200]}", code=Code.MALFORMED_BODY) from None
    # Only bodies orjson refused (or long-digit ones) get here: the walk is off the hot path.
    lone = jsonio.lone_surrogate(value)
    if lone is not None:
        raise BadRequest(
            f"malformed JSON: the string {lone!r} holds a lone UTF-16 surrogate, which is not a character",
            code=Code.MALFORMED_BODY,
        )
    return value


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The raw request body (a file upload, say), 413 past ``max_bytes``."""
    return await _body(request, max_bytes)


async def _body(request: Request, max_bytes: int) -> bytes:
    """The whole request body, 413 past ``max_bytes`` (``Request.stream`` without the generator).

    What was read is also left in the scope (``BODY_KEY``), where the request journal takes it.
    """
    receive, scope = request.receive, request.scope
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            chunks.append(chunk)
            if size > max_bytes:
                scope[BODY_KEY] = b"".join(chunks)
                raise PayloadTooLarge(f"the body is larger than {max_bytes} bytes")
            if not message.get("more_body", False):
                scope[BODY_KEY] = body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                return body
        elif message["type"] == "http.disconnect":
            scope[BODY_KEY] = b"".join(chunks)
            raise ClientDisconnect()


class _NotJson(ValueError):
    """A token Python's json module accepts but JSON (RFC 8259) does not."""


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


# Built once (it is stateless): NaN and Infinity are not JSON, nor is a number no double holds.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=jsonio.finite_float)


def check_schema(name: str, body: Any, status: int = 422) -> None:
    """Validate ``body`` against ``schemas/<name>.json``; every violation becomes one envelope entry."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", code=Code.MALFORMED_BODY)
    found = schemas.problems(name, body)
    if found:
        err = Unprocessable(problems=found) if status == 422 else BadRequest(problems=found)
        raise err


def check_id(value: str, name: str) -> str:
    """A path identifier: at most MAX_ID_LENGTH characters, no control characters, not ``.``/``..``.

    An id becomes part of the links the simulator writes (``/companies/{key}/...``) and of log
    lines; ``..`` would make such a link climb, CR/LF would split a header or a log line.
    """
    if len(value) > MAX_ID_LENGTH:
        raise BadRequest(f"{name} is longer than {MAX_ID_LENGTH} characters", code=Code.INVALID)
    # Every character _CONTROL names is one str.isprintable refuses: the regex runs only for those.
    if value in (".", "..") or (not value.isprintable() and _CONTROL.search(value)):
        raise BadRequest(f"{name} must not be . or .. or hold control characters", code=Code.INVALID)
    return value


@dataclass(slots=True)
class Call:
    """One authenticated Catapult call: the simulator, the company and the API version."""

    sim: Simulator
    company: str
    version: int
    request: Request

    def tx(self) -> AbstractContextManager[Tx]:
        return self.sim.store.transaction()

    def read(self) -> AbstractContextManager[Tx]:
        return self.sim.store.read()

    async def body(self, schema: str, also: Callable[[dict[str, Any]], list[Problem]] | None = None) -> dict[str, Any]:
        """The JSON body, valid against ``schemas/<schema>.json``, else 422 listing every problem.

        ``also`` finds the problems the schema cannot see (an MDN in the wrong format for the API
        version, say); when the schema already failed, they are added to its problems (a field the
        schema already named is not named twice), so one answer lists everything that is wrong.
        """
        data = await read_json(self.request, self.sim.settings.max_body_bytes)
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object", code=Code.MALFORMED_BODY)
        found = schemas.problems(schema, data)
        if found:
            if also is not None:
                named = {p.message.split(":", 1)[0].split(" ", 1)[0] for p in found}
                found += [p for p in also(data) if p.message.split(":", 1)[0].split(" ", 1)[0] not in named]
            raise Unprocessable(problems=found)
        return data

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def path(self, name: str) -> str:
        value: str = self.request.path_params[name]
        return check_id(value, name)

    def person(self, person: Person) -> dict[str, Any]:
        """``person`` as this call's API version shows it, with the company's carrier lookup."""
        return views.person(person, self.version, carriers=self.sim.db.companies.carriers(self.company))


def call(request: Request) -> Call:
    """Authenticate and read the version; every Catapult endpoint starts here."""
    company = check_id(request.path_params["company_key"], "company_key")
    sim = sim_of(request)
    authenticate(request, company, sim)
    version = api_version(request)
    return Call(sim, company, version, request)


def problem_list(*pairs: tuple[int, str]) -> list[Problem]:
    return [Problem(code, message) for code, message in pairs]


def bool_query(raw: str | None, name: str, default: bool) -> bool:
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise BadRequest(f"{name} must be true or false, not {raw!r}")


# -- the control token -------------------------------------------------------------------------------

# Not guarded here: the Catapult API (its own Basic credentials), the OpenAPI document (its control
# part needs the token: routes.openapi_json), and the inspector, which checks the token itself
# (catapult_sim/ui/guard.py: Bearer, or a login cookie for browsers) and redirects / to itself.
OPEN_PREFIXES = ("/companies/", "/_sim/ui/")
OPEN_PATHS = ("/openapi.json", "/_sim/ui", "")


def control_refusal(headers: list[tuple[bytes, bytes]], token: str | None) -> str | None:
    """Why a request may not use the control side (``/_sim``, pages, the control OpenAPI), or None.

    The one check of ``--control-token``: ``Authorization: Bearer <token>``, compared in constant
    time. Any part of the simulator that serves control or pages calls this (or relies on
    :class:`AccessGuard`, which does).
    """
    if not token:
        return None
    for name, value in headers:
        if name == b"authorization":
            scheme, _, given = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
                return None
            return "the control token in Authorization: Bearer is wrong"
    return "this simulator requires its control token: Authorization: Bearer <token>"


def control_authorized(request: Request) -> bool:
    """Whether ``request`` carries the control token (always, when the simulator has none)."""
    return control_refusal(request.scope["headers"], sim_of(request).settings.control_token) is None


class AccessGuard:
    """Outermost ASGI layer: the control token on everything but the Catapult API and the OpenAPI
    document (which shows its control part only with the token); notes the simulator's own
    listening addresses for the callback destination policy."""

    def __init__(self, app: Any, sim: Simulator) -> None:
        self.app = app
        self.sim = sim
        self.token = sim.settings.control_token
        self.destinations = sim.callbacks.destinations
        self.seen: set[Any] = set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            server = scope.get("server")
            if server is not None and (server := tuple(server)) not in self.seen:
                self.seen.add(server)
                if _is_address(server[0]):  # the TestClient's "testserver" is not one
                    self.destinations.listening(server[0], int(server[1]))
            path = scope["path"]
            if self.token and not path.startswith(OPEN_PREFIXES) and path.rstrip("/") not in OPEN_PATHS:
                refused = control_refusal(scope["headers"], self.token)
                if refused is not None:
                    err = Unauthorized(refused, code=Code.CONTROL_TOKEN_REQUIRED)
                    headers = {"WWW-Authenticate": 'Bearer realm="catapult-sim control"'}
                    await JSONResponse(err.envelope(), status_code=401, headers=headers)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
