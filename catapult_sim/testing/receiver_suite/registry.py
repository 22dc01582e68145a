"""The checks in suite order, each with the part of the delivery contract it stands for."""

from __future__ import annotations

from dataclasses import dataclass

from catapult_sim.testing.receiver_suite import checks
from catapult_sim.testing.receiver_suite.checks import CheckFn
from catapult_sim.testing.receiver_suite.fuzz import valid_bodies


@dataclass(slots=True, frozen=True)
class Check:
    name: str
    run: CheckFn
    summary: str  # what it sends (--list-checks)
    contract: str  # why a receiver must pass it (fact sheet sections as in docs/delivery-contract.md)


CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        Check("valid_bodies", valid_bodies,
              "Hypothesis-generated bodies of every callback type and API version, shrunk on failure",
              "Every documented callback body must get 2XX within the per-attempt timeout (§7, §7.7)."),
        Check("duplicate_event_id", checks.duplicate_event_id,
              "each event delivered three times: first, exact re-send, retry with delivery_attempt 2",
              "Delivery is at least once: the same event_id can arrive again and must still get 2XX (§7.7)."),
        Check("unknown_fields", checks.unknown_fields,
              "bodies with a field no API version has, at the top level and in every nested object",
              "Receivers must ignore fields they do not know, so new fields never break them (§1.7)."),
        Check("mdn_forms", checks.mdn_forms,
              "national 10-digit MDNs (API v1) and E.164 MDNs, US and abroad (API v2)",
              "MDNs follow the registration's API version: v1 writes 10 digits, v2 E.164 (§1.3)."),
        Check("date_forms", checks.date_forms,
              "subscription_removed with opt_out_date as ...Z, ...+0000 and ...000Z",
              "Vibes' pages write opt_out_date with Z and with +0000; a CRM can ask for either (§3.3, §7.4)."),
        Check("optional_fields", checks.optional_fields,
              "each type with every optional field, and with none (no external id, phone, campaign, ...)",
              "Optional fields are left out when they have no value; receivers must not need them (§7)."),
        Check("content_types", checks.content_types,
              "the same kind of body as application/json and as text/json",
              "A registration's destination.content_type is application/json or text/json (§6.2, §7.7)."),
        Check("methods", checks.methods,
              "the same kind of body by POST and by PUT",
              "A registration's destination.method is POST or PUT (§6.2, §7.7)."),
        Check("unicode", checks.unicode,
              "names, external ids and campaign descriptions with accents, CJK, emoji, RTL text",
              "Bodies are UTF-8 JSON and carry whatever subscribers and the platform typed (§7)."),
        Check("burst", checks.burst,
              "--burst callbacks at --rate per second, up to --concurrency at a time",
              "A bulk change sends many callbacks at once; slow handlers time out and are retried (§7.7)."),
    )
}  # fmt: skip
NAMES = tuple(CHECKS)
