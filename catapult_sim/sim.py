"""The Simulator: one object per app holding the store, clock, ids and rule modules."""

from __future__ import annotations

from typing import Any

from catapult_sim.core.clock import SwitchableClock, parse_iso
from catapult_sim.core.extract_drop import ExtractDrop
from catapult_sim.core.ids import Ids
from catapult_sim.core.mobiledb import MobileDB
from catapult_sim.core.seed import SeedError, load_seed
from catapult_sim.core.store import Store
from catapult_sim.delivery.engine import CallbackEngine
from catapult_sim.settings import Settings
from catapult_sim.surface.faults import Faults, FaultSpecError
from catapult_sim.surface.journal import Journal, PathTable
from catapult_sim.surface.ratelimit import RateLimits


class Simulator:
    """Everything one running simulator owns. ``create_app`` builds one; tests build many."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        start = parse_iso(settings.start_time) if settings.start_time else None
        self.clock = SwitchableClock(manual=settings.clock == "manual", start=start)
        self.seed = load_seed(settings.seed_file)  # a bad seed file is refused before the db is touched
        self.store = Store(settings.db)
        self.ids = Ids(settings.random_seed, self.store)  # never repeats what the store holds
        self.db = MobileDB(
            self.store,
            self.clock,
            self.ids,
            self.seed,
            strict=_strict(settings, self.seed),
            event_cap=settings.event_log_cap,
        )
        self.db.companies.max_new = settings.max_companies if settings.max_companies > 0 else None
        self.db.companies.carrier_lookup = settings.carrier_lookup == "on"
        self.db.companies.seed_all()
        if settings.persons:  # --persons: before anything is served; a bad file stops the start
            from catapult_sim.core import bulk  # here: only a start with --persons needs it

            bulk.load_files(self.db.env, settings.persons, fresh_only=settings.db != ":memory:")
        # registrations, outbox; callback bodies show a person's carrier as the company's lookup does
        self.callbacks = CallbackEngine(self.store, self.clock, self.ids, settings, self.db.companies.carriers)
        # What a transaction that emitted domain events does with them: inside it, just before
        # COMMIT, the events log (with --db) and the outbox write their rows, so a state change and
        # the callbacks it causes commit together; after COMMIT the in-memory events log keeps the
        # events. (The outbox announces its new deliveries to the dispatcher after COMMIT too.)
        log = self.db.event_log
        self.store.handle_events(
            before_commit=(log.before_commit, self.callbacks.outbox.sink), after_commit=(log.after_commit,)
        )
        # --extract-dir: the ended days' extracts into a folder; a manual clock's moves end days too.
        self.extract_drop: ExtractDrop | None = None
        if settings.extract_dir:
            self.extract_drop = ExtractDrop(settings.extract_dir, self.store, self.db.companies, self.clock)
            self.clock.subscribe(self.extract_drop.on_clock_moved)
        # Test control of the Catapult surface; clearing these never touches company data.
        self.journal = Journal(settings.journal_cap)
        self.faults = Faults(settings.random_seed)
        self.rate_limits = RateLimits(settings.rate_limit, self.seed, retry_after=settings.retry_after)

    def load_seed_faults(self, table: PathTable) -> None:
        """Add the seed file's ``faults`` (once per simulator), naming paths as ``table`` does."""
        specs = self.seed.get("faults")
        if self.faults.seeded or specs is None:
            return
        if not isinstance(specs, list):
            raise SeedError("seed file: 'faults' must be an array of fault rules")
        try:
            self.faults.add_all(specs, table)
        except FaultSpecError as exc:
            raise SeedError(f"seed file faults: {exc}") from None
        self.faults.seeded = True

    def company_tables(self) -> tuple[str, ...]:
        """Every table keyed by company, in the order a reset clears them; each part declares its own."""
        return (*self.db.event_log.tables, *self.db.tables, *self.callbacks.tables)

    def reset(self, company: str | None = None, *, seed: int | None = None) -> list[str]:
        """Reset one company's data (or all, which also re-seeds the id factory when asked).

        The whole sequence, under the store's lock so that no request sees it half done: clear
        every part's tables and seed the data again; the events log forgets what it keeps in memory;
        the callback engine forgets every URL's health and registers ``--callback-url`` again.
        """
        tables = self.company_tables()
        with self.store.read():  # the store's lock, for the whole sequence
            if company is None:
                self.db.companies.remove_all(tables)
                self.db.event_log.forget(None)
                self.db.companies.seed_all()
                if seed is not None:
                    self.ids.reseed(seed)
                keys = [c.key for c in self.db.companies.all()]
            else:
                self.db.companies.reset(company, tables)
                self.db.event_log.forget([company])
                keys = [company]
            self.callbacks.after_reset(keys)
        return keys

    def close(self) -> None:
        self.store.close()


def _strict(settings: Settings, seed: dict[str, Any]) -> bool:
    """Unknown company keys are refused with --strict-companies, and by default when a seed file
    names its companies (--auto-companies makes them on first use again)."""
    if settings.strict_companies:
        return True
    return bool(settings.seed_file and seed.get("companies")) and not settings.auto_companies
