"""MDN (mobile number) parsing and formatting for X-API-Version 1 and 2.

Sources (fact sheet §1.3, §1.4):
- Version 1 is the default; it takes and returns national numbers (no country code) and rejects E.164.
- Version 2 takes and returns E.164 (``+`` country code number); a number without ``+`` is invalid.
- Numbers stored under version 1 are US/Canada (``+1``).
- Under version 1 a person with a non-+1 number cannot be shown: CountryNotSupported.
- In a query string ``+`` must be sent as ``%2B``; a raw ``+`` decodes to a space and is rejected.

The store always keeps E.164.
"""

from __future__ import annotations

import re

import phonenumbers

from catapult_sim.errors import BadRequest, Code, Problem, Unprocessable

API_VERSIONS = (1, 2)
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_NATIONAL = re.compile(r"[0-9]{10}")

PLUS_HINT = "send the + of an E.164 number as %2B in a query string"


class MdnError(ValueError):
    """A number that does not fit the API version; ``str(self)`` is the user-facing reason."""


def parse(raw: str, version: int) -> str:
    """Return the E.164 form of ``raw`` as sent under ``version``, or raise :class:`MdnError`."""
    if not isinstance(raw, str) or not raw:
        raise MdnError("the MDN must be a non-empty string")
    if version >= 2:
        if _E164.fullmatch(raw):
            return raw
        if raw.startswith(" ") and _E164.fullmatch("+" + raw[1:]):
            raise MdnError(f"invalid MDN format {raw!r}: {PLUS_HINT}")
        if _NATIONAL.fullmatch(raw):
            raise MdnError(f"invalid MDN format {raw!r}: X-API-Version 2 needs E.164 (+ and country code)")
        raise MdnError(f"invalid MDN format {raw!r}: expected E.164 such as +12135551234")
    if _NATIONAL.fullmatch(raw):
        return "+1" + raw
    if raw.startswith(("+", " ")):
        raise MdnError(
            f"invalid MDN format {raw!r}: X-API-Version 1 does not accept E.164; "
            "send the 10-digit national number or use X-API-Version: 2"
        )
    raise MdnError(f"invalid MDN format {raw!r}: expected a 10-digit number such as 2135551234")


def parse_any(raw: str) -> str:
    """The E.164 form of an MDN in either version's form (E.164 with its ``+``, else 10 national
    digits taken as +1), for input that is not tied to an API version; :class:`MdnError` otherwise."""
    return parse(raw, 2 if isinstance(raw, str) and raw.startswith("+") else 1)


def split_e164(e164: str) -> tuple[str, str]:
    """(country calling code, national number) of an E.164 number: ``+447700900123`` → ("44", "7700900123");
    ("", the digits) when it is no number phonenumbers knows."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "", e164.lstrip("+")
    return str(parsed.country_code), str(parsed.national_number)


def render(e164: str, version: int) -> str:
    """Return the stored E.164 number as ``version`` shows it; raise :class:`CountryNotSupported`."""
    if version >= 2:
        return e164
    if e164.startswith("+1") and len(e164) == 12:
        return e164[2:]
    raise CountryNotSupported()


def render_callback(e164: str, version: int) -> str:
    """The MDN inside a callback body registered under ``version``; never fails.

    The registration's version decides only how the number is written (fact sheet §1.3 [P-subcb]
    [P-personcb]). Version 1 has no form for a non-+1 number; such a number is written in E.164,
    the only form that names it (docs/fidelity.md), so no write fails for the sake of a callback.
    """
    if version < 2 and e164.startswith("+1") and len(e164) == 12:
        return e164[2:]
    return e164


class CountryNotSupported(Unprocessable):
    """Version 1 cannot show a non-+1 number (fact sheet §1.3, wiki E.164 page)."""

    default_code = Code.COUNTRY_NOT_SUPPORTED

    def __init__(self) -> None:
        super().__init__(
            "CountryNotSupported: this person's MDN has a country code other than +1; use X-API-Version: 2"
        )


def parse_query(raw: str | None, version: int, name: str = "mdn") -> str:
    """Parse an MDN from a query parameter: 400 with the ``%2B`` hint when malformed (OAS find-by-MDN)."""
    if raw is None or raw == "":
        raise BadRequest(f"query parameter {name!r} is required", code=Code.REQUIRED)
    try:
        return parse(raw, version)
    except MdnError as exc:
        raise BadRequest(problems=[Problem(Code.INVALID_MDN, f"{name}: {exc}")]) from None
