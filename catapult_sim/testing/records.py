"""Hypothesis strategies for the atoms (MDNs, ids, times, custom fields) and core records.

Used by :mod:`catapult_sim.testing.strategies`, which renders these records into wire payloads.

"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from catapult_sim.core.clock import stamp
from catapult_sim.core.models import Campaign, Participant, Person, Subscription, campaign_source
from catapult_sim.testing import payloads
from catapult_sim.testing.payloads import OPT_OUT_REASONS, OPTIONS

Strategy = st.SearchStrategy
COMPANIES = ("demo", "acme")
AREA_CODES = ("213", "212", "305", "312", "415", "512", "617", "702", "808", "917")  # real US area codes
# (country prefix, leading digits, remaining digits) of mobile ranges kept for fiction/testing.
INTERNATIONAL = (("+44", "7700900", 3), ("+49", "15", 9), ("+33", "6", 8), ("+61", "491570", 3))
FIRST_NAMES = ("Ada", "Grace", "José", "Zoë", "Łukasz", "Søren", "Aiko", "Chloé", "Mateo", "陈伟")
LAST_NAMES = ("Lovelace", "Hopper", "García", "Müller", "Kowalski", "Nakamura", "O'Brien", "Ng")
TIMEZONES = ("US/Eastern", "US/Central", "US/Mountain", "US/Pacific", "Europe/London")
CARRIERS = ("104", "383", "77", "102")


# -- atoms -------------------------------------------------------------------------------------


def national_numbers() -> Strategy[str]:
    """10-digit US numbers: a real area code, an exchange 200-999, any line."""
    return st.builds(
        lambda area, exchange, line: f"{area}{exchange}{line:04d}",
        st.sampled_from(AREA_CODES),
        st.integers(200, 999),
        st.integers(0, 9999),
    )


def e164_numbers(*, us_only: bool = False) -> Strategy[str]:
    """E.164 numbers: mostly +1, sometimes a UK, German, French or Australian mobile."""
    us = national_numbers().map(lambda n: "+1" + n)
    if us_only:
        return us
    abroad = st.sampled_from(INTERNATIONAL).flatmap(
        lambda c: st.integers(0, 10 ** c[2] - 1).map(lambda n: f"{c[0]}{c[1]}{n:0{c[2]}d}")
    )
    return st.one_of(us, abroad)


def mdns(api_version: int = 2) -> Strategy[str]:
    """MDNs as ``api_version`` writes them: 10 digits under 1, E.164 under 2 (fact sheet §1.3)."""
    return national_numbers() if api_version == 1 else e164_numbers()


def person_keys() -> Strategy[str]:
    return st.uuids(version=4).map(str)


def external_person_ids() -> Strategy[str]:
    """CRM-style ids, or any printable text up to the 128-character maximum (fact sheet §2.2)."""
    crm = st.integers(0, 999_999).map(lambda n: f"CRM-{n:06d}")
    free = st.text(st.characters(codec="utf-8", categories=("L", "N", "Pd")), min_size=1, max_size=128)
    return st.one_of(crm, free)


def datetimes() -> Strategy[datetime]:
    """Whole-second UTC times between 2015 and 2035."""
    return st.integers(1_420_070_400, 2_082_758_399).map(lambda s: datetime.fromtimestamp(s, UTC))


def stamps(after: datetime | None = None) -> Strategy[str]:
    """Stored-form times (rendered on the wire as YYYY-MM-DDTHH:MM:SSZ)."""
    if after is None:
        return datetimes().map(stamp)
    return st.integers(0, 400 * 86400).map(lambda s: stamp(after + timedelta(seconds=s)))


def event_ids() -> Strategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=12, max_size=12)


def callback_ids() -> Strategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=8)


def _option(field: str) -> Strategy[dict[str, Any]]:
    return st.sampled_from(OPTIONS[field]).map(dict)


def custom_fields() -> Strategy[dict[str, Any]]:
    """The demo company's custom fields in stored form (strings, dates, select options; unicode)."""
    return st.fixed_dictionaries(
        {},
        optional={
            "first_name": st.sampled_from(FIRST_NAMES),
            "last_name": st.sampled_from(LAST_NAMES),
            "email": st.integers(1, 9999).map(lambda n: f"user{n}@example.com"),
            "zip_code": st.integers(501, 99950).map(lambda n: f"{n:05d}"),
            "birthdate": st.dates().map(lambda d: payloads.stored_date(d.isoformat())),
            "gender": _option("gender"),
            "loyalty_tier": _option("loyalty_tier"),
            "favorite_stores": st.lists(_option("favorite_stores"), max_size=3, unique_by=lambda o: o["id"]),
        },
    )


# -- records -----------------------------------------------------------------------------------


def _maybe(flag: bool | None, strategy: Strategy[Any]) -> Strategy[Any]:
    """``strategy`` when flag is True, None when False, either when None."""
    if flag is True:
        return strategy
    return st.none() if flag is False else st.one_of(st.none(), strategy)


@st.composite
def persons(
    draw: st.DrawFn, api_version: int = 2, with_external_id: bool | None = None, company: str = "demo"
) -> Person:
    """A Person record; under API version 1 only +1 numbers (others cannot be shown, §1.3)."""
    created = draw(datetimes())
    timezone = draw(st.one_of(st.none(), st.sampled_from(TIMEZONES)))
    mdn = draw(st.one_of(st.none(), e164_numbers(us_only=api_version == 1)))
    return Person(
        company=company,
        person_key=draw(person_keys()),
        person_id=draw(st.integers(1, 10**9)),
        external_person_id=draw(_maybe(with_external_id, external_person_ids())),
        mdn=mdn,
        carrier_code=draw(st.sampled_from(CARRIERS)) if mdn and draw(st.booleans()) else None,
        custom_fields=draw(custom_fields()),
        timezone=timezone,
        timezone_source=draw(st.sampled_from(("api", "area_code"))) if timezone else None,
        created_at=stamp(created),
        updated_at=draw(stamps(after=created)),
    )


def list_ids() -> Strategy[str]:
    return st.one_of(st.sampled_from(("1001", "1002", "1003")), st.integers(1, 10**8).map(str))


def campaign_ids() -> Strategy[str]:
    return st.one_of(st.sampled_from(("DemoSOI1", "DemoDOI1", "DemoDOI2")), callback_ids())


@st.composite
def subscription_records(
    draw: st.DrawFn, person: Person, opt_out_reason: str | None = None, active: bool | None = None
) -> Subscription:
    """A Subscription of ``person``: ended with ``opt_out_reason`` when given, active when asked."""
    opt_in = draw(datetimes())
    if opt_out_reason is None and active is not True and (active is False or draw(st.booleans())):
        opt_out_reason = draw(st.sampled_from(OPT_OUT_REASONS))
    opt_out = draw(stamps(after=opt_in)) if opt_out_reason else None
    # Through a campaign (the callback names it) or not (seeded, platform-side: no acquisition_campaign).
    source = draw(st.one_of(st.just("platform"), campaign_ids().map(campaign_source)))
    return Subscription(
        0, person.company, person.person_key, draw(list_ids()), stamp(opt_in), opt_out, opt_out_reason, source
    )


@st.composite
def campaign_records(draw: st.DrawFn, company: str = "demo") -> Campaign:
    created = draw(datetimes())
    words = draw(st.lists(st.sampled_from(("JOIN", "PROMO", "DEALS", "ALERTS", "NEWS")), max_size=3, unique=True))
    return Campaign(
        company,
        draw(campaign_ids()),
        draw(st.sampled_from(("Newsletter sign-up", "Promotions (double opt-in)", "Store alerts"))),
        draw(st.sampled_from(("active", "scheduled", "past", "deleted"))),
        draw(list_ids()),
        draw(st.booleans()),
        words,
        stamp(created),
        draw(st.one_of(st.none(), stamps(after=created))),
        stamp(created),
        draw(stamps(after=created)),
        draw(st.sampled_from((24.0, 1.0, 48.0))),
    )


@st.composite
def participant_records(draw: st.DrawFn, person: Person, campaign: Campaign, status: str) -> Participant:
    """A participation; a CONFIRMED or REJECTED one changed inside its confirmation window."""
    start = draw(datetimes())
    window = timedelta(hours=campaign.confirm_hours)
    changed = start + window * draw(st.floats(0, 1)) if status in ("CONFIRMED", "REJECTED") else start
    return Participant(
        0,
        person.company,
        campaign.acquisition_id,
        person.person_key,
        stamp(start),
        stamp(start + window),
        status,
        stamp(changed),
    )
