"""An example CRM callback receiver for Vibes subscription callbacks, in a few dozen lines of Starlette.

What a receiver should do, and this one does:

- answer 2xx fast: it only updates an in-memory table, then answers (slow work belongs in a queue);
- be idempotent on ``event_id``: delivery is at least once, so the same event can come twice;
- cope with reordering: an event older than what it already applied for that MDN and list is ignored;
- tolerate what it does not know: extra fields, other callback types (200, ignored);
- answer 400 to a body that is not a callback at all (a 4XX tells the platform not to retry).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Subscription:
    status: str  # "subscribed" or "unsubscribed"
    opt_in_date: str
    opt_out_reason: str | None = None


@dataclass
class Subscriptions:
    """Subscription state per (MDN, list id), as the CRM would keep it."""

    by_key: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0

    def status(self, mdn: str, list_id: str) -> str | None:
        found = self.by_key.get((mdn, list_id))
        return found.status if found else None

    def apply(self, event: dict[str, Any]) -> None:
        """Apply one subscription callback; raise KeyError/TypeError when it is not one."""
        if event["event_id"] in self.seen:
            self.duplicates += 1
            return
        sub = event["subscription"]
        key = (sub["person"]["mobile_phone"]["mdn"], sub["subscription_list"]["id"])
        removed = event["callback_type"] == "subscription_removed"
        new = Subscription("unsubscribed" if removed else "subscribed", sub["opt_in_date"])
        new.opt_out_reason = sub.get("opt_out_reason") if removed else None
        old = self.by_key.get(key)
        # A subscription record starts (added) and ends (removed) at its opt_in_date; a later record
        # has a later opt_in_date. Anything not newer than what we hold arrived out of order.
        if old is None or (new.opt_in_date, removed) > (old.opt_in_date, old.status == "unsubscribed"):
            self.by_key[key] = new
        self.seen.add(event["event_id"])


HANDLED = ("subscription_added", "subscription_removed")


def create_app(store: Subscriptions | None = None) -> Starlette:
    subscriptions = store if store is not None else Subscriptions()

    async def hook(request: Request) -> JSONResponse:
        try:
            event = json.loads(await request.body())
            if event.get("callback_type") in HANDLED:
                subscriptions.apply(event)
        except (ValueError, AttributeError, KeyError, TypeError):
            return JSONResponse({"error": "not a Vibes callback"}, status_code=400)
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/vibes/callbacks", hook, methods=["POST", "PUT"])])
    app.state.subscriptions = subscriptions
    return app
