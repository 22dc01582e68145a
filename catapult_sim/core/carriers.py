"""The simulated carrier lookup: the ``carrier_code`` the platform reports for a number the CRM sent
without one.

Vibes shows ``mobile_phone.carrier_code`` in every example of a person and subscriber (fact sheet
§2.2, §7.2: ``"carrier_code": "104"``); the platform looks the carrier up from the number, and the
code comes from Vibes' carrier-code table (the OAS links ``developer-aggregation.vibes.com/reference/
carrier-codes``). That table is not among our references, so the simulator answers with codes of
the documented form (short numeric strings, the docs' ``"104"`` among them) and names no carrier.

The looked-up code is *reported*, never *stored*: the person keeps the carrier the CRM sent (or
none), so the MDN-and-carrier matching rule (core/persons.py) never sees a made-up code
(docs/fidelity.md, "carrier_code the CRM never sent").

- Deterministic: a hash of the number (SHA-256, the same in every process and after a restart).
- ``+1`` numbers get one of :data:`US_CODES`; any other number one code per country calling code
  (``5`` and the calling code, ``+44`` → ``"544"``; see :func:`country_code`).
- A seed's ``carrier_codes`` table (E.164 number or prefix → code; the longest prefix wins) pins a
  code; ``carrier_lookup: false`` in the seed, or ``serve --carrier-lookup off``, turns it off.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from catapult_sim.core import mdn as mdns
from catapult_sim.core.models import Person

# Codes of the form of the docs' example "104" (fact sheet §2.2); what each stands for is in Vibes'
# carrier-code table, which the simulator does not claim to know.
US_CODES = ("104", "383", "77", "102", "105", "113")


@dataclass(frozen=True, slots=True)
class CarrierLookup:
    """One company's lookup: on or off, and the seed's pinned codes (longest prefix first)."""

    enabled: bool = True
    pinned: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(cls, enabled: bool, table: Mapping[str, str] | None = None) -> CarrierLookup:
        pinned = sorted((table or {}).items(), key=lambda kv: len(kv[0]), reverse=True)
        return cls(enabled, tuple((str(k), str(v)) for k, v in pinned))

    def code(self, e164: str) -> str | None:
        """The code the lookup finds for a number (None when the lookup is off)."""
        if not self.enabled:
            return None
        for prefix, code in self.pinned:
            if e164.startswith(prefix):
                return code
        return looked_up(e164)

    def reported(self, p: Person) -> str | None:
        """The carrier shown for a person: the one the CRM sent, else the looked-up one (if any)."""
        if p.carrier_code is not None:
            return p.carrier_code
        return self.code(p.mdn) if p.mdn is not None else None


OFF = CarrierLookup(enabled=False)
# Each company's lookup by company key (``Companies.carriers``), as the callback outbox takes it.
CarriersOf = Callable[[str], CarrierLookup]


def no_lookup(company: str) -> CarrierLookup:
    """No company has a lookup: persons show only the carrier the CRM sent."""
    return OFF


@functools.lru_cache(maxsize=4096)
def looked_up(e164: str) -> str:
    """The simulated lookup of an E.164 number: the same code for the same number, always."""
    country = _country(e164)
    if country != "1":
        return country_code(country)
    digest = hashlib.sha256(e164.encode()).digest()
    return US_CODES[int.from_bytes(digest[:4], "big") % len(US_CODES)]


def country_code(calling_code: str) -> str:
    """The one code of a country outside +1: 500 plus its calling code below 500 ("44" → "544"),
    the calling code itself from 500 up ("880" → "880"); three digits like the US codes."""
    number = int(calling_code) if calling_code.isdigit() else 0
    return str(number if number >= 500 else 500 + number)


def _country(e164: str) -> str:
    """The country calling code of an E.164 number ("1", "44", ...)."""
    if e164.startswith("+1"):
        return "1"
    return mdns.split_e164(e164)[0] or e164[1:2] or "0"


def for_company(default_on: bool, config: Mapping[str, object]) -> CarrierLookup:
    """A company's lookup from its seed config (``carrier_lookup``, ``carrier_codes``) and the
    server's default (``--carrier-lookup``); the company's own ``carrier_lookup`` wins."""
    enabled = config.get("carrier_lookup")
    table = config.get("carrier_codes")
    return CarrierLookup.build(
        default_on if not isinstance(enabled, bool) else enabled,
        {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else None,
    )
