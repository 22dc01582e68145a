"""Python clients for a running simulator: the Catapult API and the /_sim control API.

Everything here is plain HTTP (httpx), so the same calls work from any language; these classes only
save typing in Python tests::

    api = CatapultClient("http://127.0.0.1:8080", company="acme", version=2)
    api.post("/mobiledb/persons", json={"mobile_phone": {"mdn": "+12135551234"}})
    sim = SimClient("http://127.0.0.1:8080", company="acme")
    sim.keyword("+12135551234", "JOIN")
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from catapult_sim.core.seed import DEMO_PASSWORD, DEMO_USERNAME


class CatapultClient:
    """The Catapult API of one company; paths are relative to ``/companies/{company}``."""

    def __init__(
        self,
        base_url: str,
        company: str = "demo",
        *,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        version: int = 2,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        """``http``: an ``httpx.Client`` (with ``base_url`` set) to share, e.g. one per test session;
        creating an ``httpx.Client`` costs about 20 ms, most of it building an SSL context. A shared
        client is not closed by :meth:`close`. Credentials and the version go with every request."""
        self.company = company
        self.version = version
        self._auth = (username, password)
        self._headers = {"X-API-Version": str(version), "Accept": "application/json"}
        self._owns_http = http is None
        self.http = http or httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=self._auth,
            headers=self._headers,
            timeout=timeout,
            transport=transport,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("auth", self._auth)
        kwargs["headers"] = {**self._headers, **(kwargs.get("headers") or {})}
        return self.http.request(method, f"/companies/{self.company}{path}", **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> CatapultClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SimError(AssertionError):
    """A control call that did not succeed; the message holds the simulator's answer."""


TOKEN_ENV = "CATAPULT_SIM_CONTROL_TOKEN"  # the simulator's --control-token, for the control API


class SimClient:
    """The /_sim control API of a running simulator, for one company."""

    def __init__(
        self,
        base_url: str,
        company: str = "demo",
        *,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
        control_token: str | None = None,
    ) -> None:
        """``http``: a shared ``httpx.Client`` with ``base_url`` set (not closed by :meth:`close`).
        ``control_token``: the simulator's ``--control-token`` (default: ``CATAPULT_SIM_CONTROL_TOKEN``)."""
        token = control_token or os.environ.get(TOKEN_ENV)
        self._control = {"Authorization": f"Bearer {token}"} if token else {}
        self.company = company
        self._owns_http = http is None
        self.http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)

    def _call(self, method: str, path: str, body: Any = None, params: Any = None) -> Any:
        if body is None and method == "POST":
            body = {}  # control POSTs take a JSON body, empty when there is nothing to say
        resp = self.http.request(method, path, json=body, params=params, headers=self._control)
        if not resp.is_success:
            raise SimError(f"{method} {path} answered {resp.status_code}: {resp.text}")
        return resp.json()

    def _company(self, method: str, path: str, body: Any = None, params: Any = None) -> Any:
        return self._call(method, f"/_sim/companies/{self.company}{path}", body, params)

    # -- inspection and control ----------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_sim/health")
        return result

    def reset(self, *, everything: bool = False) -> Any:
        """Reset this company to its seed (``everything=True`` resets every company)."""
        return self._call("POST", "/_sim/reset") if everything else self._company("POST", "/reset")

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._company("GET", "/state")
        return result

    def events(self, type: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        params = {"after": after, **({"type": type} if type else {})}
        result: list[dict[str, Any]] = self._company("GET", "/events", params=params)
        return result

    # -- platform-side events ------------------------------------------------------------------

    def keyword(self, mdn: str, keyword: str) -> Any:
        """The subscriber texts ``keyword`` (an acquisition campaign's keyword)."""
        return self._company("POST", "/sms/keyword", {"mdn": mdn, "keyword": keyword})

    def reply(self, mdn: str, text: str) -> Any:
        """The subscriber replies by SMS: Y, N or a STOP word."""
        return self._company("POST", "/sms/reply", {"mdn": mdn, "text": text})

    def stop(self, mdn: str) -> Any:
        return self.reply(mdn, "STOP")

    def opt_in(self, list_id: str, **who: str) -> Any:
        """Subscribe a person (``mdn=``, ``person_key=`` or ``external_person_id=``) to a list."""
        return self._company("POST", "/opt-in", {**who, "list_id": list_id})

    def opt_out(self, reason: str = "user_opt_out", list_id: str | None = None, **who: str) -> Any:
        body = {**who, "reason": reason, **({"list_id": list_id} if list_id else {})}
        return self._company("POST", "/opt-out", body)

    def disconnect(self, **who: str) -> Any:
        return self._company("POST", "/disconnect", who)

    def archive_list(self, list_id: str) -> Any:
        return self._company("POST", f"/lists/{list_id}/archive")

    def confirm(self, acquisition_id: str, **who: str) -> Any:
        return self._company("POST", f"/participants/{acquisition_id}/confirm", who)

    def decline(self, acquisition_id: str, **who: str) -> Any:
        return self._company("POST", f"/participants/{acquisition_id}/decline", who)

    def expire(self, acquisition_id: str, **who: str) -> Any:
        return self._company("POST", f"/participants/{acquisition_id}/expire", who)

    # -- clock ---------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_sim/clock")
        return result

    def manual_clock(self, at: str | None = None) -> Any:
        return self._call("POST", "/_sim/clock", {"mode": "manual", **({"now": at} if at else {})})

    def system_clock(self) -> Any:
        return self._call("POST", "/_sim/clock", {"mode": "system"})

    def advance(self, by: str | float) -> Any:
        """Move a manual clock forward: ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"`` or seconds."""
        body = {"by": by} if isinstance(by, str) else {"seconds": by}
        return self._call("POST", "/_sim/clock/advance", body)

    # -- callbacks, deliveries, journal, faults --------------------------------------------------

    def register_callbacks(self, url: str, types: list[str] | None = None, api_version: int = 2) -> Any:
        """Register ``url`` for every callback type (or ``types``), one per list or campaign as needed."""
        body: dict[str, Any] = {"url": url, "api_version": api_version}
        if types is not None:
            body["types"] = list(types)
        return self._company("POST", "/callbacks", body)

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        """This company's callback deliveries, newest first (``type``, ``status``, ``destination``, ...)."""
        params = {"company": self.company, **{k: v for k, v in filters.items() if v is not None}}
        result: list[dict[str, Any]] = self._call("GET", "/_sim/deliveries", params=params)
        return result

    def replay(self, delivery_id: int) -> dict[str, Any]:
        """Send a delivery again as a new delivery: same body and ``event_id``."""
        result: dict[str, Any] = self._call("POST", f"/_sim/deliveries/{delivery_id}/replay")
        return result

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """The Catapult requests this company received, oldest first (``method``, ``path``, ...)."""
        params = {"company": self.company, **{k: v for k, v in filters.items() if v is not None}}
        result: list[dict[str, Any]] = self._call("GET", "/_sim/journal", params=params)["requests"]
        return result

    def verify(self, **pattern: Any) -> dict[str, Any]:
        """``POST /_sim/journal/verify`` for this company: ``method``, ``path``, ``body``, ``query``,
        ``times`` / ``at_least`` / ``at_most``, ``near_misses``. Answers the verdict (never raises on
        a failed verification)."""
        body = {"company": self.company, **{k: v for k, v in pattern.items() if v is not None}}
        result: dict[str, Any] = self._call("POST", "/_sim/journal/verify", body)
        return result

    def add_fault(self, **rule: Any) -> list[dict[str, Any]]:
        """Add a fault or latency rule for this company (the ``POST /_sim/faults`` fields)."""
        result: list[dict[str, Any]] = self._call("POST", "/_sim/faults", {"company": self.company, **rule})["faults"]
        return result

    def close(self) -> None:
        if self._owns_http:
            self.http.close()
