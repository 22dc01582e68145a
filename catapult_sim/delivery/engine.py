"""The callback engine: registrations, the outbox, test events, chaos and the dispatcher, wired once.

``Simulator`` builds one; the app's lifespan starts and stops its dispatcher.
"""

from __future__ import annotations

from catapult_sim.core.callbacks.destinations import DestinationPolicy
from catapult_sim.core.callbacks.events import CallbackEvents
from catapult_sim.core.callbacks.log import Filters, failed_since
from catapult_sim.core.callbacks.outbox import Outbox
from catapult_sim.core.callbacks.registrations import Registrations
from catapult_sim.core.carriers import CarriersOf, no_lookup
from catapult_sim.core.clock import Clock
from catapult_sim.core.ids import Ids
from catapult_sim.core.seed import DEMO_COMPANY
from catapult_sim.core.store import Store
from catapult_sim.delivery.chaos import Chaos
from catapult_sim.delivery.dispatcher import Dispatcher
from catapult_sim.delivery.policy import RetryPolicy
from catapult_sim.delivery.tls import client_ssl
from catapult_sim.errors import CatapultError
from catapult_sim.settings import Settings


class CallbackEngine:
    """Everything callbacks need, over the simulator's store, clock and ids."""

    tables = (*Registrations.tables, *Outbox.tables)  # keyed by company, in the order a reset clears them

    def __init__(
        self, store: Store, clock: Clock, ids: Ids, settings: Settings, carriers: CarriersOf = no_lookup
    ) -> None:
        self.store = store
        self.settings = settings
        # Where callbacks may go: checked at registration and, after name resolution, at sending.
        self.destinations = DestinationPolicy.build(
            settings.host, _entries(settings.callback_allow), _entries(settings.callback_deny)
        )  # ValueError names a bad entry
        self.registrations = Registrations(store, clock, ids, self.destinations)
        self.outbox = Outbox(
            store, clock, ids, self.registrations, settings.delivery_log_cap, settings.opt_out_date_form, carriers
        )
        self.events = CallbackEvents(store, clock, ids, self.registrations, self.outbox)
        self.policy = RetryPolicy.build(
            settings.retry_preset,
            settings.retry_schedule,
            settings.delivery_timeout,
            settings.downed_after,
            settings.downed_cooldown,
        )
        self.chaos = Chaos(settings.random_seed)
        self.dispatcher = Dispatcher(
            self.outbox,
            clock,
            self.policy,
            self.chaos,
            concurrency=settings.delivery_concurrency,
            destinations=self.destinations,
            ssl=client_ssl(settings.callback_ca_file, settings.callback_insecure),  # ValueError: bad file
        )
        self.apply_shortcut()

    async def start(self) -> None:
        await self.dispatcher.start()

    async def stop(self) -> None:
        await self.dispatcher.stop()

    def after_reset(self, companies: list[str]) -> None:
        """After a reset cleared its tables: every URL's health is forgotten, and the
        ``--callback-url`` registrations come back."""
        self.outbox.after_reset()
        self.dispatcher.forget_destinations()
        self.apply_shortcut(companies)

    def apply_shortcut(self, companies: list[str] | None = None) -> None:
        """``--callback-url``: register every supported type to it for the demo company (again
        after a reset of that company; existing registrations are kept)."""
        url = self.settings.callback_url
        if url and (companies is None or DEMO_COMPANY in companies):
            try:
                self.events.register_all(DEMO_COMPANY, url)
            except CatapultError as exc:  # a bad URL is a start-up error, reported by the CLI
                raise ValueError(f"--callback-url {url!r}: {exc}") from None

    def replay(self, delivery_ids: list[int]) -> list[int]:
        return self.outbox.replay(delivery_ids)

    def replay_failed(self, filters: Filters) -> list[int]:
        return self.outbox.replay(failed_since(self.store, filters))


def _entries(text: str | None) -> list[str]:
    return [e.strip() for e in (text or "").split(",") if e.strip()]
