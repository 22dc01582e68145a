"""Error classes carrying an HTTP status and a numeric code.

Every error leaves the simulator in the Catapult envelope
``{"errors": [{"code": <int>, "message": <text>}, ...]}`` (fact sheet §1.5: any 4XX carries a JSON
body listing *all* problems of the request; the documented codes are integers). Vibes publishes no
table of codes, so ours is in :class:`Code` and docs/errors.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class Code(IntEnum):
    """Numeric error codes. 1 and 2 mirror the two examples Vibes documents (fact sheet §1.5)."""

    REQUIRED = 1
    INVALID = 2
    UNKNOWN_FIELD = 3
    MALFORMED_BODY = 4
    UNSUPPORTED_MEDIA_TYPE = 5
    BODY_TOO_LARGE = 6
    NESTED_TOO_DEEP = 7
    HEADERS_TOO_LARGE = 8
    UNAUTHORIZED = 10
    CONTROL_TOKEN_REQUIRED = 11
    TOO_MANY_COMPANIES = 12
    NOT_FOUND = 20
    METHOD_NOT_ALLOWED = 21
    MDN_CONFLICT = 30
    EXTERNAL_ID_CONFLICT = 31
    ALREADY_SUBSCRIBED = 32
    INVALID_MDN = 40
    COUNTRY_NOT_SUPPORTED = 41
    MDN_HAS_CONFIRMATION_BLOCK = 50
    EXTERNAL_PERSON_ID_MISMATCH = 51
    NOT_A_MOBILE_NUMBER = 52
    UNKNOWN_CUSTOM_FIELD = 53
    CAMPAIGN_NOT_ACTIVE = 54
    NO_MOBILE_PHONE = 55
    UNPROCESSABLE = 59
    RATE_LIMITED = 60
    LIMIT_EXCEEDED = 61
    DUPLICATE = 62
    ID_COLLISION = 63
    DESTINATION_DENIED = 64
    INJECTED_FAULT = 90


@dataclass(frozen=True, slots=True)
class Problem:
    """One entry of the error envelope."""

    code: int
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class CatapultError(Exception):
    """Base class: raise anywhere, rendered once by the HTTP layer."""

    status: int = 400
    default_code: Code = Code.INVALID

    def __init__(self, message: str = "", *, code: int | None = None, problems: Iterable[Problem] = ()):
        self.problems: list[Problem] = list(problems)
        if message or not self.problems:
            self.problems.insert(0, Problem(int(code if code is not None else self.default_code), message))
        super().__init__("; ".join(p.message for p in self.problems))

    def envelope(self) -> dict[str, object]:
        return {"errors": [p.as_dict() for p in self.problems]}


class BadRequest(CatapultError):
    status = 400


class Unauthorized(CatapultError):
    status = 401
    default_code = Code.UNAUTHORIZED


class NotFound(CatapultError):
    status = 404
    default_code = Code.NOT_FOUND


class MethodNotAllowed(CatapultError):
    status = 405
    default_code = Code.METHOD_NOT_ALLOWED


class Conflict(CatapultError):
    status = 409
    default_code = Code.MDN_CONFLICT


class IdCollision(CatapultError):
    """A generated id that is already taken: refused, never written over the row holding it."""

    status = 409
    default_code = Code.ID_COLLISION


class PayloadTooLarge(CatapultError):
    status = 413
    default_code = Code.BODY_TOO_LARGE


class UnsupportedMediaType(CatapultError):
    status = 415
    default_code = Code.UNSUPPORTED_MEDIA_TYPE


class Unprocessable(CatapultError):
    status = 422
    default_code = Code.UNPROCESSABLE


class TooManyRequests(CatapultError):
    status = 429
    default_code = Code.RATE_LIMITED


def problems_error(cls: type[CatapultError], problems: Iterable[Problem]) -> CatapultError:
    """Build one error of class ``cls`` that lists every problem at once."""
    return cls(problems=problems)
