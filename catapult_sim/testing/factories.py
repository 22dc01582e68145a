"""A seeded Faker generator of every catapult-sim payload, for fixture files and quick load.

One :class:`PayloadFactory` owns one ``Faker`` (``seed_instance``) and uses that instance's
``random.Random`` for every other choice, so the same seed, locale, API version and overrides give the
same payloads, byte for byte, on every run (with the same Faker version). Names, postcodes and
catch phrases come from small pools drawn from Faker once, which keeps 100,000 payloads fast.

    factory = PayloadFactory(seed=7, api_version=1, overrides={"opt_out_reason": "disconnect"})
    bodies = list(factory.generate("subscription_removed", 5))

``overrides`` (``--set`` on the command line) steer the records: ``company``, ``opt_out_reason``,
``status``, ``list_id``, ``acquisition_id`` (``none``: a subscription through no campaign),
``callback_type``, ``mdn``, ``external_person_id`` (a value, ``none`` to leave it out, or ``max`` for a
128-character id) and ``opt_out_date_form`` (``z`` or ``offset``). Any other key is a dotted
path set on the finished payload (``subscription.subscription_list.id=42``).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from faker import Faker

from catapult_sim.core.clock import stamp
from catapult_sim.core.ids import uuid4_text
from catapult_sim.core.models import OPT_OUT_REASONS, Campaign, Participant, Person, Subscription, campaign_source
from catapult_sim.testing import payloads
from catapult_sim.testing.payloads import OPTIONS

KNOBS = ("company", "opt_out_reason", "status", "list_id", "acquisition_id", "callback_type", "mdn",
         "external_person_id", "opt_out_date_form")  # fmt: skip
MAX_EXTERNAL_ID = 128  # fact sheet §2.2
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# Country code and mobile prefix per locale, for X-API-Version 2 numbers; version 1 is always +1.
MOBILE_PREFIX = {"en_GB": ("+44", "7700900", 3), "de_DE": ("+49", "151", 8), "fr_FR": ("+33", "6", 8),
                 "es_ES": ("+34", "6", 8), "it_IT": ("+39", "3", 9), "ja_JP": ("+81", "90", 8)}  # fmt: skip
TIMEZONES = {"en_GB": "Europe/London", "de_DE": "Europe/Berlin", "fr_FR": "Europe/Paris",
             "es_ES": "Europe/Madrid", "it_IT": "Europe/Rome", "ja_JP": "Asia/Tokyo"}  # fmt: skip
AREA_CODES = ("213", "212", "305", "312", "415", "512", "617", "702", "808", "917")
_ALNUM = string.ascii_uppercase + string.digits
T = TypeVar("T")


class PayloadFactory:
    """Makes payloads of every type in :data:`catapult_sim.testing.payloads.PAYLOAD_TYPES`."""

    def __init__(
        self,
        seed: int | str = 0,
        *,
        locale: str = "en_US",
        api_version: int = 2,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        if api_version not in (1, 2):
            raise ValueError("api_version must be 1 or 2")
        self.fake = Faker(locale)
        self.fake.seed_instance(seed)
        self.rng = self.fake.random
        self.locale, self.version = locale, api_version
        self.knobs = {k: v for k, v in (overrides or {}).items() if k in KNOBS}
        self.paths = {k: v for k, v in (overrides or {}).items() if k not in KNOBS}
        self.company = str(self.knobs.get("company", "demo"))
        self.first = [self.fake.first_name() for _ in range(64)]
        self.last = [self.fake.last_name() for _ in range(64)]
        self.postcodes = [self.fake.postcode() for _ in range(32)]
        self.phrases = [self.fake.catch_phrase() for _ in range(16)]
        self.serial = 0
        self.below = _below(self.rng)

    # -- draws: the numbers Random.randrange and Random.choice give, at a fraction of their cost ----

    def pick(self, seq: Sequence[T]) -> T:
        """``self.rng.choice(seq)``: the same element."""
        return seq[self.below(len(seq))]

    def between(self, low: int, high: int) -> int:
        """``self.rng.randrange(low, high)``: the same number."""
        return low + self.below(high - low)

    # -- public --------------------------------------------------------------------------------

    def generate(self, payload_type: str, count: int) -> Iterator[dict[str, Any]]:
        """``count`` payloads of ``payload_type`` (a PAYLOAD_TYPES key, or ``callback-<type>``)."""
        kind = payloads.canonical(payload_type)
        for _ in range(count):
            yield self._one(kind)

    def one(self, payload_type: str) -> dict[str, Any]:
        return self._one(payloads.canonical(payload_type))

    def _one(self, kind: str) -> dict[str, Any]:
        self.serial += 1
        body = self._build(kind)
        for path, value in self.paths.items():
            set_path(body, path, value)
        return body

    # -- atoms ---------------------------------------------------------------------------------

    def when(self, after: datetime = EPOCH, days: int = 365) -> datetime:
        return after + timedelta(seconds=self.below(days * 86400))

    def national(self) -> str:
        area = self.pick(AREA_CODES)
        return f"{area}{self.between(200, 1000)}{self.below(10000):04d}"

    def e164(self) -> str:
        """An E.164 number: the locale's mobile range under version 2, +1 otherwise."""
        if "mdn" in self.knobs:
            return str(self.knobs["mdn"]) if str(self.knobs["mdn"]).startswith("+") else "+1" + self.knobs["mdn"]
        spec = MOBILE_PREFIX.get(self.locale) if self.version == 2 else None
        if spec is None:
            return "+1" + self.national()
        country, lead, rest = spec
        return f"{country}{lead}{self.below(10**rest):0{rest}d}"

    def external_id(self) -> str | None:
        value = self.knobs.get("external_person_id", "")
        if value == "none":
            return None
        if value == "max":
            return ("CRM-" + self.token(MAX_EXTERNAL_ID))[:MAX_EXTERNAL_ID]
        return str(value) if value else f"CRM-{self.below(10**6):06d}"

    def timezone(self) -> str:
        """A timezone that fits the number: the locale's, or a US zone for +1 numbers."""
        zone = TIMEZONES.get(self.locale) if self.version == 2 else None
        return zone or self.pick(("US/Eastern", "US/Central", "US/Mountain", "US/Pacific"))

    def token(self, k: int, alphabet: str = _ALNUM) -> str:
        random, n = self.rng.random, float(len(alphabet))  # what Random.choices does, without its set-up
        return "".join([alphabet[int(random() * n)] for _ in range(k)])

    def custom_fields(self) -> dict[str, Any]:
        first, last = self.pick(self.first), self.pick(self.last)
        fields: dict[str, Any] = {"first_name": first, "last_name": last}
        fields["email"] = f"{self.token(6, string.ascii_lowercase)}@example.com"
        fields["zip_code"] = self.pick(self.postcodes)
        birth = date(1950, 1, 1) + timedelta(days=self.below(20000))
        fields["birthdate"] = payloads.stored_date(birth.isoformat())
        for name in ("gender", "loyalty_tier"):
            fields[name] = dict(self.pick(OPTIONS[name]))
        stores = OPTIONS["favorite_stores"]
        fields["favorite_stores"] = [dict(o) for o in self.rng.sample(stores, self.below(len(stores)))]
        return fields

    # -- records -------------------------------------------------------------------------------

    def person(self, *, phone: bool = True) -> Person:
        created = self.when()
        key = uuid4_text(self.rng.getrandbits(128))  # as Ids.person_key makes them
        return Person(
            self.company, key, 100_000 + self.serial, self.external_id(), self.e164() if phone else None,
            self.pick(("104", "383", "77")), self.custom_fields(), self.timezone(), "area_code",
            stamp(created), stamp(self.when(created, 30)),
        )  # fmt: skip

    def subscription(self, person: Person, *, ended: bool) -> Subscription:
        opt_in = self.when()
        reason = str(self.knobs.get("opt_out_reason") or self.pick(OPT_OUT_REASONS)) if ended else None
        out = stamp(self.when(opt_in, 200)) if ended else None
        list_id = str(self.knobs.get("list_id", "1001"))
        # Through a campaign by default, as both data-sync bodies show; acquisition_id=none: no campaign.
        acq = str(self.knobs.get("acquisition_id", "DemoSOI1"))
        source = "platform" if acq == "none" else campaign_source(acq)
        return Subscription(self.serial, self.company, person.person_key, list_id, stamp(opt_in), out, reason, source)

    def campaign(self) -> Campaign:
        created = self.when(EPOCH - timedelta(days=400))
        acq = str(self.knobs.get("acquisition_id", "DemoDOI1"))
        word = self.pick(("JOIN", "PROMO", "DEALS", "ALERTS"))
        return Campaign(
            self.company, acq, self.pick(self.phrases), "active",
            str(self.knobs.get("list_id", "1002")), True, [word], stamp(created), None, stamp(created),
            stamp(created), 24.0,
        )  # fmt: skip

    def participant(self, person: Person, campaign: Campaign, statuses: tuple[str, ...]) -> Participant:
        start = self.when()
        status = str(self.knobs.get("status") or self.pick(statuses))
        end = stamp(start + timedelta(hours=campaign.confirm_hours))
        return Participant(
            self.serial,
            self.company,
            campaign.acquisition_id,
            person.person_key,
            stamp(start),
            end,
            status,
            end,
        )

    # -- payloads ------------------------------------------------------------------------------

    def _build(self, kind: str) -> dict[str, Any]:
        from catapult_sim.testing.builders import BUILDERS  # the builders take a factory

        return BUILDERS[kind](self)


def _below(rng: random.Random) -> Callable[[int], int]:
    """``rng.randrange(n)`` for n > 0: CPython's ``Random._randbelow_with_getrandbits`` (what
    ``randrange`` and ``choice`` call after checking their arguments), so the numbers, and every
    payload of a seed, stay the same; tests/testing/test_factories_draws.py holds it to that."""
    getrandbits = rng.getrandbits

    def below(n: int) -> int:
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    return below


def set_path(body: dict[str, Any], path: str, raw: Any) -> None:
    """Set ``a.b.c`` in ``body``; JSON objects, arrays, quoted strings, true/false/null are parsed."""
    value = parse_value(raw)
    *parents, leaf = path.split(".")
    node = body
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"cannot set {path}: {part} is not an object")
    node[leaf] = value


def parse_value(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    if raw[:1] in ("{", "[", '"') or raw in ("true", "false", "null"):
        return json.loads(raw)
    return raw
