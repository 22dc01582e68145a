"""Hypothesis strategies for every catapult-sim wire shape, one per payload.

Each generates realistic values (valid MDNs for both API versions, UUID person keys, ordered
timestamps, the demo company's custom fields) and renders them with the simulator's own renderers
(:mod:`catapult_sim.testing.payloads`), so whatever they produce validates against ``catapult_sim/schemas``.
Choices are drawn with ``sampled_from`` and ``fixed_dictionaries(optional=...)``, which shrink towards
the first option and the fewest optional fields::

    from hypothesis import given
    from catapult_sim.testing import strategies as cs

    @given(cs.callbacks("subscription_removed", api_version=1, opt_out_reason="disconnect"))
    def test_my_receiver(body): ...
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from hypothesis import strategies as st

from catapult_sim.core import views
from catapult_sim.core.callbacks import payloads as callback_payloads
from catapult_sim.core.callbacks.registrations import Registration
from catapult_sim.core.clock import stamp
from catapult_sim.core.models import SubscriptionList
from catapult_sim.testing import payloads
from catapult_sim.testing.payloads import CALLBACK_TYPES, OPT_OUT_REASONS, OPTIONS, SELECTOR_KEY
from catapult_sim.testing.records import (
    COMPANIES,
    FIRST_NAMES,
    LAST_NAMES,
    Strategy,
    _maybe,
    callback_ids,
    campaign_ids,
    campaign_records,
    custom_fields,
    datetimes,
    e164_numbers,
    event_ids,
    external_person_ids,
    list_ids,
    mdns,
    national_numbers,
    participant_records,
    person_keys,
    persons,
    stamps,
    subscription_records,
)

__all__ = [
    "BY_SCHEMA",
    "acquisition_campaigns",
    "callback_ids",
    "callback_registration_requests",
    "callback_registrations",
    "callback_test_requests",
    "callback_test_responses",
    "callbacks",
    "custom_fields",
    "datetimes",
    "e164_numbers",
    "error_envelopes",
    "event_ids",
    "external_person_ids",
    "for_schema",
    "mdns",
    "national_numbers",
    "participant_requests",
    "participant_responses",
    "person_keys",
    "person_requests",
    "person_responses",
    "persons",
    "stamps",
    "subscription_lists",
    "subscriptions",
]


# -- resources ---------------------------------------------------------------------------------


def person_responses(api_version: int = 2, with_external_id: bool | None = None) -> Strategy[dict[str, Any]]:
    """The person resource as GET/POST/PUT .../persons answer it."""
    return persons(api_version, with_external_id).map(lambda p: views.person(p, api_version))


def _request_fields() -> Strategy[dict[str, Any]]:
    """Custom fields as a client writes them: option keys for selects, yyyy-mm-dd for dates."""
    keys = {name: st.sampled_from([o["option_key"] for o in opts]) for name, opts in OPTIONS.items()}
    multi = st.lists(keys.pop("favorite_stores"), max_size=3, unique=True)
    return st.fixed_dictionaries(
        {},
        optional={
            "first_name": st.sampled_from(FIRST_NAMES),
            "last_name": st.sampled_from(LAST_NAMES),
            "zip_code": st.integers(501, 99950).map(lambda n: f"{n:05d}"),
            "birthdate": st.dates().map(lambda d: d.isoformat()),
            "favorite_stores": multi,
            **keys,
        },
    )


@st.composite
def person_requests(draw: st.DrawFn, api_version: int = 2, with_external_id: bool | None = None) -> dict[str, Any]:
    """An add/update person body the demo company accepts: an MDN, an external id, or both."""
    external = draw(_maybe(with_external_id, external_person_ids()))
    body: dict[str, Any] = {} if external is None else {"external_person_id": external}
    if external is None or draw(st.booleans()):
        body["mobile_phone"] = {"mdn": draw(mdns(api_version))}
    fields = draw(_request_fields())
    if fields:
        body["custom_fields"] = fields
    return body


def participant_requests(api_version: int = 2, with_external_id: bool | None = None) -> Strategy[dict[str, Any]]:
    """An add-participant body: always an MDN (sign-up needs a phone), an external id maybe."""

    def build(mdn: str, ext: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"mobile_phone": {"mdn": mdn}}
        if ext is not None:
            body["external_person_id"] = ext
        return {**body, "custom_fields": fields} if fields else body

    return st.builds(build, mdns(api_version), _maybe(with_external_id, external_person_ids()), _request_fields())


def subscriptions(
    api_version: int = 2, opt_out_reason: str | None = None, active: bool | None = None
) -> Strategy[dict[str, Any]]:
    """A subscription record; ended ones carry opt_out_date and opt_out_reason."""
    return persons(api_version).flatmap(
        lambda p: subscription_records(p, opt_out_reason, active).map(lambda s: views.subscription(s, p, api_version))
    )


def list_records(company: str | None = None) -> Strategy[SubscriptionList]:
    names = st.sampled_from(("Newsletter", "Promotions", "Store alerts", "Ofertas en español"))
    companies = st.sampled_from(COMPANIES) if company is None else st.just(company)
    return st.builds(lambda c, list_id, name: SubscriptionList(c, list_id, name, False), companies, list_ids(), names)


def subscription_lists() -> Strategy[dict[str, Any]]:
    return list_records().map(views.subscription_list)


def acquisition_campaigns() -> Strategy[dict[str, Any]]:
    return campaign_records().map(views.campaign)


def participant_responses(status: str | None = None, with_external_id: bool | None = None) -> Strategy[dict[str, Any]]:
    statuses = (
        st.sampled_from(("PENDING", "SUBSCRIBED", "CONFIRMED", "REJECTED")) if status is None else st.just(status)
    )

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        person = draw(persons(2, with_external_id))
        part = draw(participant_records(person, draw(campaign_records()), draw(statuses)))
        return views.participant(part, person)

    return build()


# -- callbacks ---------------------------------------------------------------------------------


def _types(callback_type: str | None) -> Strategy[str]:
    return st.sampled_from(CALLBACK_TYPES) if callback_type is None else st.just(callback_type)


@st.composite
def _callback(
    draw: st.DrawFn,
    callback_type: str,
    api_version: int,
    opt_out_reason: str | None,
    with_external_id: bool | None,
) -> dict[str, Any]:
    person = draw(persons(api_version, with_external_id))
    if callback_type in payloads.SUBSCRIPTION_TYPES or callback_type in payloads.PARTICIPANT_TYPES:
        person.mdn = person.mdn or draw(e164_numbers(us_only=api_version == 1))  # sign-ups have a phone
    extra: dict[str, Any] = {}
    if callback_type in payloads.SUBSCRIPTION_TYPES:
        removed = callback_type == "subscription_removed"
        reason = (opt_out_reason or draw(st.sampled_from(OPT_OUT_REASONS))) if removed else None
        extra["subscription"] = draw(subscription_records(person, reason, active=not removed))
    elif callback_type in payloads.LIST_TYPES:
        extra["subscription_list"] = draw(list_records(person.company))
    elif callback_type in payloads.PARTICIPANT_TYPES:
        added = callback_type.endswith("_added")
        campaign = draw(campaign_records(person.company))
        status = draw(st.sampled_from(payloads.ADDED_STATUSES if added else payloads.CHANGED_STATUSES))
        extra = {"campaign": campaign, "participant": draw(participant_records(person, campaign, status))}
    return payloads.callback_body(
        callback_type,
        person,
        api_version,
        event_id=draw(event_ids()),
        callback_id=draw(callback_ids()),
        attempt=draw(st.integers(1, 10)),
        opt_out_form=draw(st.sampled_from(callback_payloads.OPT_OUT_DATE_FORMS)),  # both forms a CRM may get
        **extra,
    )


def callbacks(
    callback_type: str | None = None,
    api_version: int = 2,
    opt_out_reason: str | None = None,
    with_external_id: bool | None = None,
) -> Strategy[dict[str, Any]]:
    """A callback body of ``callback_type`` (any when None), MDNs in ``api_version``'s form."""
    if callback_type is not None and callback_type not in CALLBACK_TYPES:
        raise ValueError(f"unknown callback type {callback_type!r}")
    if opt_out_reason is not None and opt_out_reason not in OPT_OUT_REASONS:
        raise ValueError(f"unknown opt_out_reason {opt_out_reason!r}")
    return _types(callback_type).flatmap(lambda t: _callback(t, api_version, opt_out_reason, with_external_id))


def destinations() -> Strategy[dict[str, Any]]:
    paths = st.sampled_from(("/hooks/vibes", "/api/v1/vibes/callbacks", "/webhooks/catapult"))
    hosts = st.sampled_from(("https://crm.example.com", "https://hooks.example.org", "http://127.0.0.1:8000"))
    return st.fixed_dictionaries(
        {"url": st.builds(str.__add__, hosts, paths)},
        optional={
            "method": st.sampled_from(("POST", "PUT")),
            "content_type": st.sampled_from(("application/json", "text/json")),
        },
    )


def _selector(callback_type: str) -> Strategy[dict[str, Any]]:
    key = SELECTOR_KEY.get(callback_type)
    if key is None:
        return st.just({})
    return (list_ids() if key == "list_id" else campaign_ids()).map(lambda v: {callback_type: {key: v}})


def callback_registration_requests(callback_type: str | None = None) -> Strategy[dict[str, Any]]:
    """A registration body; sometimes with the deprecated event_type instead of callback_type."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(_types(callback_type))
        body: dict[str, Any] = {draw(st.sampled_from(("callback_type", "event_type"))): kind}
        body["destination"] = draw(destinations())
        body.update(draw(_selector(kind)))
        start = draw(st.one_of(st.none(), datetimes()))
        if start is not None:
            body["start_date"] = start.date().isoformat()
            if draw(st.booleans()):
                body["end_date"] = (start + timedelta(days=draw(st.integers(1, 365)))).date().isoformat()
        return body

    return build()


def callback_registrations(callback_type: str | None = None, api_version: int = 2) -> Strategy[dict[str, Any]]:
    """A registration resource as the Callback API answers it."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(_types(callback_type))
        selector = draw(_selector(kind)).get(kind)
        dest = {"method": "POST", "content_type": "application/json", **draw(destinations())}
        created = draw(datetimes())
        end = draw(st.one_of(st.none(), stamps(after=created)))
        reg = Registration(
            draw(st.sampled_from(COMPANIES)), draw(callback_ids()), kind, selector,
            None if selector is None else next(iter(selector.values())),
            dest["url"], dest["method"], dest["content_type"], stamp(created), end, api_version,
            stamp(created), draw(stamps(after=created)), False,
        )  # fmt: skip
        return payloads.registration(reg)

    return build()


def callback_test_requests(callback_type: str | None = None) -> Strategy[dict[str, Any]]:
    """A test-event body: the type and, sometimes, override data (fact sheet §6.3)."""

    def overrides(kind: str) -> Strategy[dict[str, Any]]:
        data: Strategy[dict[str, Any]]
        if kind in payloads.SUBSCRIPTION_TYPES:
            data = list_ids().map(lambda i: {"subscription": {"subscription_list": {"id": i}}})
        elif kind in payloads.PERSON_TYPES:
            data = external_person_ids().map(lambda e: {"person": {"external_person_id": e}})
        elif kind in payloads.LIST_TYPES:
            data = list_ids().map(lambda i: {"subscription_list": {"id": i}})
        else:
            data = campaign_ids().map(lambda c: {"participant": {"acquisition_campaign": {"api_key": c}}})
        return st.one_of(st.just({}), data)

    return _types(callback_type).flatmap(lambda t: overrides(t).map(lambda o: {"callback_type": t, **o}))


def callback_test_responses() -> Strategy[dict[str, Any]]:
    return st.builds(lambda t, e: {"message": f"test {t} callback queued", "event_id": e}, _types(None), event_ids())


def error_envelopes() -> Strategy[dict[str, Any]]:
    problem = st.fixed_dictionaries(
        {"code": st.sampled_from((1, 2, 3, 20, 30, 40, 41, 50)), "message": st.text(min_size=1, max_size=80)}
    )
    return st.lists(problem, min_size=1, max_size=4).map(lambda errors: {"errors": errors})


# -- by schema ---------------------------------------------------------------------------------

BY_SCHEMA: dict[str, Callable[..., Strategy[Any]]] = {
    "person-request": person_requests,
    "person-response": person_responses,
    "subscription": subscriptions,
    "subscription-list": subscription_lists,
    "acquisition-campaign": acquisition_campaigns,
    "participant-request": participant_requests,
    "participant-response": participant_responses,
    "callback-registration-request": callback_registration_requests,
    "callback-registration": callback_registrations,
    "test-callback-request": callback_test_requests,
    "test-callback-response": callback_test_responses,
    "error-envelope": error_envelopes,
    "event-request": lambda: event_requests(),
    "event-response": lambda: event_ids().map(lambda e: {"event_id": e}),
    **{f"callback-{t}": partial(callbacks, t) for t in CALLBACK_TYPES},
}


def event_requests() -> Strategy[dict[str, Any]]:
    """An Event API body: an event_type, the recipient and some event data; an event_id maybe."""
    recipients = st.one_of(
        external_person_ids().map(lambda e: {"external_person_id": e}),
        mdns(2).map(lambda m: {"mdn": m}),
    )
    extra = st.dictionaries(st.sampled_from(("order_number", "sku", "store")), st.text(max_size=12), max_size=2)
    kinds = st.sampled_from(("order_shipped", "cart-abandoned", "Purchase"))

    def build(kind: str, who: dict[str, Any], more: dict[str, Any], event_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"event_type": kind, "event_data": {**more, **who}}
        return {"event_id": event_id, **body} if event_id is not None else body

    return st.builds(build, kinds, recipients, extra, st.none() | event_ids())


def for_schema(name: str, **options: Any) -> Strategy[Any]:
    """The strategy for schema ``name`` (or payload type, such as ``subscription_removed``)."""
    return BY_SCHEMA[payloads.schema_of(name)](**options)
