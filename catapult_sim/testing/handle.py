"""``Catapult``: one company on a running simulator, with shortcuts for the flows a CRM test needs.

The pytest plugin's ``catapult`` fixture is one of these; it works without pytest too::

    with Catapult("http://127.0.0.1:8080", "acme-test-1") as catapult:
        catapult.connect("http://127.0.0.1:9000/hook")
        catapult.sign_up("+12135551234", campaign="DemoSOI1")

Every shortcut is one documented HTTP call (the Catapult API or ``/_sim``, see docs/control-api.md);
a call that fails raises :class:`~catapult_sim.testing.client.SimError` (an ``AssertionError``) with
the simulator's answer.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx

from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME
from catapult_sim.testing.client import CatapultClient, SimClient, SimError

_NATIONAL = re.compile(r"[0-9]{10}")
NEAR_MISSES = 3  # how many near misses an assert_requested failure shows


def e164(mdn: str) -> str:
    """``2135551234`` -> ``+12135551234`` (10 national digits are US/Canada); anything else as given."""
    return "+1" + mdn if _NATIONAL.fullmatch(mdn) else mdn


class Catapult:
    """One company on a running simulator: ``api`` (Catapult API, X-API-Version 2), ``sim`` (control
    API) and shortcuts. ``base_url`` and ``username``/``password`` are what a CRM under test needs."""

    def __init__(
        self,
        url: str,
        company: str,
        *,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        http: httpx.Client | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.company = company
        self.username = username
        self.password = password
        self.api = CatapultClient(self.url, company, username=username, password=password, http=http)
        self.sim = SimClient(self.url, company, http=http)
        self.changed_clock = False

    @property
    def base_url(self) -> str:
        """``{url}/companies/{company}``: the Catapult API root of this company."""
        return f"{self.url}/companies/{self.company}"

    # -- callbacks -----------------------------------------------------------------------------

    def connect(
        self, receiver: Any, types: list[str] | tuple[str, ...] | None = None, *, api_version: int = 2
    ) -> list[dict[str, Any]]:
        """Register a receiver (a URL, or anything with a ``url``, such as ``callback_inbox``) for
        every callback type, or only ``types``: one registration per list for the subscription
        types and per campaign for the participant types. Returns the registrations."""
        url = receiver if isinstance(receiver, str) else receiver.url
        url = url() if callable(url) else url
        made = self.sim.register_callbacks(str(url), list(types) if types else None, api_version)
        result: list[dict[str, Any]] = made["registered"]
        return result

    def register_callback(self, callback_type: str, url: str, **selector: str) -> dict[str, Any]:
        """One registration through the Callback API; pass ``list_id=`` (subscription types) or
        ``campaign_id=`` (``ack_participant_*``) where the type needs it."""
        body: dict[str, Any] = {
            "callback_type": callback_type,
            "destination": {"url": url, "method": "POST", "content_type": "application/json"},
        }
        if selector:
            body[callback_type] = selector
        return self._expect(self.api.post("/config/callbacks", json=body), 201)

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every delivery of this company has had its first attempt, answered and recorded
        (a delivery stays ``pending`` until then); retries are not waited for."""
        deadline = time.monotonic() + timeout
        while self.sim.deliveries(status="pending", limit=1):
            if time.monotonic() > deadline:
                raise AssertionError(f"deliveries still pending after {timeout}s: {self.sim.deliveries()}")
            time.sleep(0.01)

    def replay(self, callback_type: str) -> dict[str, Any]:
        """Send the newest ``callback_type`` delivery again (same body and ``event_id``): a duplicate,
        as at-least-once delivery may produce. Returns the new delivery."""
        newest = self.sim.deliveries(type=callback_type, limit=1)
        if not newest:
            raise AssertionError(f"no {callback_type} delivery to replay")
        return self.sim.replay(int(newest[0]["id"]))

    # -- the CRM side (Catapult API) -----------------------------------------------------------

    def add_person(self, mdn: str | None = None, **fields: Any) -> dict[str, Any]:
        """Add Person (201, or 200 when it merged): ``add_person("+12135551234", external_person_id=...)``."""
        body = {**fields, **({"mobile_phone": {"mdn": e164(mdn)}} if mdn else {})}
        return self._expect(self.api.post("/mobiledb/persons", json=body), 200, 201)

    def sign_up(self, mdn: str, campaign: str = "DemoSOI1") -> dict[str, Any]:
        """Add a participant to an acquisition campaign, as a CRM would (201; 200 when already pending).
        A single opt-in campaign subscribes at once; a double opt-in one answers ``PENDING`` until
        :meth:`confirm`. Returns the participant."""
        resp = self.api.post(f"/campaigns/acquisition/{campaign}/participants", json=_phone(mdn))
        return self._expect(resp, 200, 201)

    # -- the platform side (/_sim) -------------------------------------------------------------

    def text(self, mdn: str, keyword: str) -> dict[str, Any]:
        """The subscriber texts a campaign keyword (``JOIN``, ``PROMO``...)."""
        return dict(self.sim.keyword(e164(mdn), keyword))

    def reply(self, mdn: str, text: str) -> dict[str, Any]:
        """The subscriber replies by SMS: ``Y``, ``N`` or a STOP word."""
        return dict(self.sim.reply(e164(mdn), text))

    def confirm(self, mdn: str, campaign: str = "DemoDOI1") -> dict[str, Any]:
        """Confirm the person's pending double opt-in to ``campaign`` (then they are subscribed)."""
        return dict(self.sim.confirm(campaign, mdn=e164(mdn)))

    def decline(self, mdn: str, campaign: str = "DemoDOI1") -> dict[str, Any]:
        return dict(self.sim.decline(campaign, mdn=e164(mdn)))

    def opt_in(self, mdn: str, list_id: str = "1001") -> dict[str, Any]:
        """A platform-side opt-in to a list (no campaign); a new number creates the person."""
        return dict(self.sim.opt_in(list_id, mdn=e164(mdn)))

    def opt_out(self, mdn: str, list_id: str | None = None, reason: str = "user_opt_out") -> dict[str, Any]:
        """End one subscription (or all) for a documented ``opt_out_reason``."""
        return dict(self.sim.opt_out(reason, list_id, mdn=e164(mdn)))

    def stop(self, mdn: str) -> dict[str, Any]:
        """The subscriber texts STOP: every subscription ends with ``user_opt_out``."""
        return dict(self.sim.stop(e164(mdn)))

    def disconnect(self, mdn: str) -> dict[str, Any]:
        """The carrier reports the number disconnected: every subscription ends with ``disconnect``."""
        return dict(self.sim.disconnect(mdn=e164(mdn)))

    # -- clock -----------------------------------------------------------------------------------

    def freeze(self, at: str | None = None) -> dict[str, Any]:
        """Switch the simulator to its manual clock (at ``at``, ISO-8601, or now)."""
        self.changed_clock = True
        return dict(self.sim.manual_clock(at))

    def advance(self, by: str | float) -> dict[str, Any]:
        """Move the clock forward (``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` or seconds), switching to the
        manual clock first if needed. Due retries and confirmation expiries happen at once."""
        if self.sim.clock().get("mode") != "manual":
            self.freeze()
        return dict(self.sim.advance(by))

    # -- requests the CRM made (the journal) ----------------------------------------------------

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """The Catapult requests this company received, oldest first (``path`` may be a template)."""
        return self.sim.journal(method=method, path=path)

    def assert_requested(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        body: Any = None,
        query: dict[str, Any] | None = None,
        times: int | None = None,
        at_least: int | None = None,
        at_most: int | None = None,
    ) -> list[dict[str, Any]]:
        """Assert the CRM sent matching requests (at least once, or ``times``/``at_least``/``at_most``);
        return them. ``path`` is a template (``/mobiledb/persons/{person_key}``), a glob or a path;
        ``body`` and ``query`` are JSON subsets. The failure message shows the nearest misses."""
        found = self.sim.verify(
            method=method,
            path=path,
            body=body,
            query=query,
            times=times,
            at_least=at_least,
            at_most=at_most,
            near_misses=50,
        )
        if not found["ok"]:
            # The journal is the server's: keep the near misses of this company (other tests' are noise).
            mine = [m for m in found["near_misses"] if m["request"]["company"] == self.company]
            raise AssertionError(_verify_report({**found, "near_misses": mine[:NEAR_MISSES]}))
        result: list[dict[str, Any]] = found["requests"]
        return result

    def fault(self, **rule: Any) -> list[dict[str, Any]]:
        """Make this company's Catapult calls misbehave: ``fault(method="POST",
        path="/mobiledb/persons", status=503, count=2)`` (docs/error-handling.md)."""
        return self.sim.add_fault(**rule)

    # -- misc ------------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything this company holds (persons, subscriptions, participants, lists, campaigns)."""
        return self.sim.state()

    def close(self) -> None:
        self.api.close()
        self.sim.close()

    def __enter__(self) -> Catapult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _expect(self, resp: httpx.Response, *statuses: int) -> dict[str, Any]:
        if resp.status_code not in statuses:
            raise SimError(f"{resp.request.method} {resp.request.url.path} answered {resp.status_code}: {resp.text}")
        result: dict[str, Any] = resp.json()
        return result


def _phone(mdn: str) -> dict[str, Any]:
    return {"mobile_phone": {"mdn": e164(mdn)}}


def _verify_report(found: dict[str, Any]) -> str:
    """The verification message and each near miss with what differs."""
    lines = [found["message"]]
    misses = found.get("near_misses") or []
    if not misses:
        lines.append("no request came near" if not found["count"] else "")
    for miss in misses:
        req = miss["request"]
        lines.append(f"near miss #{req['id']}: {req['method']} {req['path']} -> {req['status']}")
        if req.get("body") is not None:
            lines.append(f"    body: {json.dumps(req['body'], ensure_ascii=False)[:300]}")
        lines += [f"    {note}" for note in miss["differences"]]
    for req in found.get("requests") or []:
        lines.append(f"matched #{req['id']}: {req['method']} {req['path']} -> {req['status']}")
    return "\n".join(line for line in lines if line)
