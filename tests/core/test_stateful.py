"""A Hypothesis state machine over add/update/sign-up/confirm/opt-out/unsubscribe, in process.

After every step it checks the invariants the Vibes rules imply:
- external_person_id is unique (fact sheet §2.2), and no two records hold the same MDN unless both
  name different carriers (§2.3, docs/fidelity.md);
- a person's active subscriptions are exactly the lists whose subscriber search finds them (§3, §4.3);
- every answer is 2xx or a documented 4xx, never a 5xx (the TestClient also raises on any server error).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Any

from conftest import AUTH
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.settings import Settings

P = "/companies/demo/mobiledb/persons"
L = "/companies/demo/mobiledb/subscription_lists"
A = "/companies/demo/campaigns/acquisition"
S = "/_sim/companies/demo"
LISTS = ("1001", "1002", "1003")

# Small pools, so that steps collide on the same numbers and ids often.
mdns = st.sampled_from(["2135550001", "2135550002"])
carriers = st.sampled_from([None, "104", "105"])
ext_ids = st.sampled_from(["CRM-1", "CRM-2", "CRM-3"])
first_names = st.sampled_from(["Ada", "Grace", None])


def phone(mdn: str | None, carrier: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if mdn is not None:
        out["mdn"] = mdn
    if carrier is not None:
        out["carrier_code"] = carrier
    return {"mobile_phone": out} if out else {}


class CatapultMachine(RuleBasedStateMachine):
    """Random sequences of CRM and platform-side actions against one in-process simulator."""

    persons = Bundle("persons")

    def __init__(self) -> None:
        super().__init__()
        app = create_app(Settings(random_seed=1, clock="manual", start_time="2030-01-01T00:00:00Z"))
        self.client = TestClient(app, headers=AUTH)
        self.client.__enter__()
        self.touched: set[str] = set()

    def teardown(self) -> None:
        self.touched = {p["person_key"] for p in self.state()["persons"]}
        self.subscriptions_match_subscribers()
        self.client.__exit__(None, None, None)

    # -- helpers -----------------------------------------------------------------------------------

    def call(self, method: str, path: str, allowed: set[int], **kwargs: Any) -> Any:
        r = self.client.request(method, path, **kwargs)
        assert r.status_code in allowed, (method, path, kwargs, r.status_code, r.text)
        if r.status_code >= 400:
            assert r.json()["errors"], r.text
        return r

    def state(self) -> dict[str, Any]:
        dump: dict[str, Any] = self.client.get(f"{S}/state").json()
        return dump

    def keep(self, r: Any, key: str | None) -> Any:
        if r.status_code < 300 and key is not None:
            self.touched.add(key)
            return key
        return multiple()

    # -- rules ---------------------------------------------------------------------------------------

    @initialize(target=persons, carrier=carriers)
    def a_person_with_a_number(self, carrier: str | None) -> Any:
        return self.add_person("2135550001", carrier, "CRM-1", "Ada")

    @initialize(target=persons)
    def a_person_without_a_number(self) -> Any:
        return self.add_person(None, None, "CRM-2", None)

    @rule(target=persons, mdn=st.none() | mdns, carrier=carriers, ext=st.none() | ext_ids, name=first_names)
    def add_person(self, mdn: str | None, carrier: str | None, ext: str | None, name: str | None) -> Any:
        body: dict[str, Any] = {**phone(mdn, carrier), "custom_fields": {"first_name": name}}
        if ext is not None:
            body["external_person_id"] = ext
        r = self.call("POST", P, {200, 201, 409, 422}, json=body)  # fact sheet §2.4
        if mdn is None and ext is None:
            assert r.status_code == 422
        return self.keep(r, r.json().get("person_key"))

    @rule(
        key=persons,
        change=st.sampled_from(["phone", "drop_phone", "carrier", "ext", "drop_ext", "name"]),
        mdn=mdns,
        carrier=carriers,
        ext=ext_ids,
    )
    def update_person(self, key: str, change: str, mdn: str, carrier: str | None, ext: str) -> None:
        body: dict[str, Any] = {
            "phone": phone(mdn, carrier),
            "drop_phone": {"mobile_phone": None},
            "carrier": {"mobile_phone": {"carrier_code": carrier}},
            "ext": {"external_person_id": ext},
            "drop_ext": {"external_person_id": None},
            "name": {"custom_fields": {"first_name": "Lin"}},
        }[change]
        r = self.call("PUT", f"{P}/{key}", {200, 409}, json=body)  # fact sheet §2.5
        self.keep(r, key)

    @rule(
        target=persons,
        campaign=st.sampled_from(["DemoSOI1", "DemoDOI1", "DemoDOI2"]),
        mdn=st.none() | mdns,
        ext=st.none() | ext_ids,
    )
    def sign_up(self, campaign: str, mdn: str | None, ext: str | None) -> Any:
        body: dict[str, Any] = phone(mdn, None)
        if ext is not None:
            body["external_person_id"] = ext
        r = self.call("POST", f"{A}/{campaign}/participants", {200, 201, 409, 422}, json=body)  # §5.3
        return self.keep(r, r.json()["person"]["person_key"] if r.status_code < 300 else None)

    @rule(key=persons, campaign=st.sampled_from(["DemoSOI1", "DemoDOI1", "DemoDOI2"]))
    def sign_up_by_key(self, key: str, campaign: str) -> None:
        r = self.call("POST", f"{A}/{campaign}/participants", {200, 201, 409, 422}, json={"person_key": key})
        self.keep(r, key)

    @rule(key=persons, text=st.sampled_from(["Y", "N", "STOP"]))
    def reply(self, key: str, text: str) -> None:
        person = self.client.get(f"{P}/{key}", headers={"X-API-Version": "2"}).json()
        mdn = (person.get("mobile_phone") or {}).get("mdn")
        if mdn is not None:
            r = self.call("POST", f"{S}/sms/reply", {200, 404}, json={"mdn": mdn, "text": text})
            self.keep(r, r.json().get("person_key"))

    @rule(key=persons, list_id=st.sampled_from(LISTS), reason=st.sampled_from(["disconnect", "keyword_opt_out"]))
    def opt_out(self, key: str, list_id: str, reason: str) -> None:
        body = {"person_key": key, "list_id": list_id, "reason": reason}
        self.keep(self.call("POST", f"{S}/opt-out", {200, 404}, json=body), key)

    @rule(key=persons, list_id=st.sampled_from(LISTS))
    def unsubscribe(self, key: str, list_id: str) -> None:
        self.keep(self.call("DELETE", f"{P}/{key}/subscriptions/{list_id}", {200, 404}), key)  # §3.2

    @rule(minutes=st.sampled_from([30, 90]))
    def time_passes(self, minutes: int) -> None:
        self.call("POST", "/_sim/clock/advance", {200}, json={"seconds": minutes * 60})

    # -- invariants ------------------------------------------------------------------------------------

    @invariant()
    def identities_are_unique(self) -> None:
        people = self.state()["persons"]
        exts = Counter(p["external_person_id"] for p in people if "external_person_id" in p)
        assert all(n == 1 for n in exts.values()), exts
        by_mdn: dict[str, list[str | None]] = {}
        for p in people:
            if "mdn" in p.get("mobile_phone", {}):
                by_mdn.setdefault(p["mobile_phone"]["mdn"], []).append(p["mobile_phone"].get("carrier_code"))
        for mdn, found in by_mdn.items():
            for a, b in combinations(found, 2):
                assert a is not None and b is not None and a != b, (mdn, found)

    @invariant()
    def subscriptions_match_subscribers(self) -> None:
        for key in sorted(self.touched):
            subs = self.client.get(f"{P}/{key}/subscriptions").json()
            active = sorted(s["subscription_list"]["id"] for s in subs)
            assert len(active) == len(set(active)), subs  # at most one active record per list
            found = []
            for list_id in LISTS:
                r = self.call("GET", f"{L}/{list_id}/subscribers", {200, 404}, params={"person_key": key})
                if r.status_code == 200:
                    found.append(list_id)
            assert active == found, (key, active, found)
        self.touched.clear()


CatapultMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestCatapultMachine = CatapultMachine.TestCase
