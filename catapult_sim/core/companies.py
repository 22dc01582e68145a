"""Companies: seeding, provisioning on first use, credentials and reset."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from catapult_sim.core import repo
from catapult_sim.core.carriers import CarrierLookup, for_company
from catapult_sim.core.clock import Clock, parse_iso, stamp
from catapult_sim.core.models import Company
from catapult_sim.core.seed import company_spec, merged, normalize_options
from catapult_sim.core.store import Store, Tx, dumps, loads
from catapult_sim.errors import Code, Unauthorized


class Companies:
    """Knows which companies exist and what they were seeded with."""

    def __init__(
        self, store: Store, clock: Clock, seed: dict[str, Any], *, strict: bool, max_new: int | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.seed = seed
        self.strict = strict
        self.max_new = max_new  # companies provisioned on first use, at most (None: no limit)
        self._cache: dict[str, Company] = {}
        # The server's default for the carrier lookup (serve --carrier-lookup); a company's seed may
        # say otherwise. Each company's lookup is built once (core/carriers.py).
        self.carrier_lookup = True
        self._carriers: dict[str, CarrierLookup] = {}

    def seed_all(self) -> None:
        """Create every company the seed names that the store does not have yet."""
        for spec in self.seed.get("companies", []):
            key = spec.get("key")
            if isinstance(key, str) and self.get(key) is None:
                self._create(key, self._spec(key))

    def _spec(self, key: str) -> dict[str, Any]:
        return company_spec(self.seed, key) or merged(self.seed.get("template") or {}, {}, key)

    def get(self, key: str) -> Company | None:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        with self.store.read() as tx:
            row = tx.one("SELECT * FROM companies WHERE key=?", (key,))
        if row is None:
            return None
        company = Company.from_row(row)
        self._cache[key] = company
        return company

    def carriers(self, key: str) -> CarrierLookup:
        """The carrier lookup of company ``key``: what a person without a sent carrier is shown with."""
        found = self._carriers.get(key)
        if found is None:
            company = self.get(key)
            found = for_company(self.carrier_lookup, company.config if company is not None else {})
            self._carriers[key] = found
        return found

    def all(self) -> list[Company]:
        with self.store.read() as tx:
            return [Company.from_row(r) for r in tx.all("SELECT * FROM companies ORDER BY key")]

    def provision(self, key: str) -> Company | None:
        """The company, made from the seed's template if it does not exist yet (as a login with the
        template's credentials makes it); None when it cannot be made (a strict simulator)."""
        found = self.get(key)
        if found is not None:
            return found
        spec = self._spec(key)
        return self.authenticate(key, spec["username"], spec["password"])

    def authenticate(self, key: str, username: str, password: str) -> Company | None:
        """The company if these credentials are its own; provisions an unknown key unless strict.

        An unknown key is provisioned only when the credentials are the template's, so a failed
        login never writes anything.
        """
        company = self.get(key)
        if company is None:
            if self.strict or company_spec(self.seed, key) is not None:
                return None
            spec = self._spec(key)
            if not (_same(username, spec["username"]) and _same(password, spec["password"])):
                return None
            self._check_room(key)
            company = self._create(key, spec)
        if _same(username, company.username) and _same(password, company.password):
            return company
        return None

    def _check_room(self, key: str) -> None:
        """Refuse a new company past ``max_new`` (each costs memory and disk that is never freed)."""
        if self.max_new is None:
            return
        named = {c.get("key") for c in self.seed.get("companies", [])}
        with self.store.read() as tx:
            keys = [r["key"] for r in tx.all("SELECT key FROM companies")]
        if sum(k not in named for k in keys) >= self.max_new:
            raise Unauthorized(
                f"company {key!r} is not known and {self.max_new} companies were already made on first use"
                " (the simulator's --max-companies)",
                code=Code.TOO_MANY_COMPANIES,
            )

    def _create(self, key: str, spec: dict[str, Any]) -> Company:
        now = stamp(self.clock.now())
        config = {k: v for k, v in spec.items() if k not in ("key", "username", "password")}
        config["custom_fields"] = {name: _field_def(defn) for name, defn in (spec.get("custom_fields") or {}).items()}
        with self.store.transaction() as tx:
            tx.run(
                "INSERT OR IGNORE INTO companies (key, username, password, config, created_at) VALUES (?,?,?,?,?)",
                (key, spec["username"], spec["password"], dumps(config), now),
            )
            self._seed_data(tx, key, config, now)
        self._cache.pop(key, None)
        self._carriers.pop(key, None)
        company = self.get(key)
        assert company is not None
        return company

    def _seed_data(self, tx: Tx, key: str, config: dict[str, Any], now: str) -> None:
        for lst in config.get("lists", []):
            tx.run(
                "INSERT OR IGNORE INTO lists (company, id, name, created_at) VALUES (?,?,?,?)",
                (key, str(lst["id"]), lst.get("name", f"List {lst['id']}"), now),
            )
        for c in config.get("campaigns", []):
            start, end = c.get("start_date"), c.get("end_date")
            tx.run(
                "INSERT OR IGNORE INTO campaigns (company, acquisition_id, description, status, list_id,"
                " double_opt_in, keywords, start_date, end_date, created_date, updated_date, confirm_hours)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    key,
                    str(c["acquisition_id"]),
                    c.get("description", str(c["acquisition_id"])),
                    c.get("status", "active"),
                    str(c["list_id"]),
                    int(bool(c.get("double_opt_in", False))),
                    dumps([str(k).upper() for k in c.get("keywords", [])]),
                    stamp(parse_iso(start)) if start else None,
                    stamp(parse_iso(end)) if end else None,
                    now,
                    now,
                    float(c.get("confirm_hours", 24)),
                ),
            )

    def reset(self, key: str, tables: Sequence[str]) -> None:
        """Clear one company's rows from ``tables`` (every part's, given by the simulator) and seed
        its data again, in one transaction."""
        now = stamp(self.clock.now())
        # Without a rollback journal in memory (Store.clearing): each step is scoped to this company
        # and may run again, so a reset that failed half way is finished by the next one.
        with self.store.clearing() as tx:
            self.store.touch()
            repo.keep_person_id_floor(tx, key)  # ids go on past a reset
            for table in tables:
                _clear(tx, table, key)
            row = tx.one("SELECT config FROM companies WHERE key=?", (key,))
            if row is not None:
                self._seed_data(tx, key, loads(row["config"]) or {}, now)

    def remove_all(self, tables: Sequence[str]) -> None:
        """Clear ``tables`` and forget every company (they come back from the seed or on first use)."""
        with self.store.transaction() as tx:
            self.store.touch()
            repo.keep_person_id_floor(tx)  # ids go on past a reset
            for table in (*tables, "companies"):
                tx.run(f"DELETE FROM {table}")
        self._cache.clear()
        self._carriers.clear()

    def lists(self, tx: Tx, key: str) -> list[str]:
        return [sl.id for sl in repo.all_lists(tx, key)]


def _clear(tx: Tx, table: str, company: str) -> None:
    """Delete one company's rows from ``table``.

    When no other company has a row there (the usual case: one company under test), a DELETE with
    no WHERE clause lets SQLite drop the table's pages whole (its truncate optimization) instead of
    removing every row and index entry one by one: about ten times cheaper for a company with 10k
    persons (``benchmarks/bench_reset.py``). The two probes are index range searches on the
    ``company`` prefix, so asking costs next to nothing.
    """
    others = tx.one(
        f"SELECT EXISTS(SELECT 1 FROM {table} WHERE company < ?1) OR EXISTS(SELECT 1 FROM {table} WHERE company > ?1)",
        (company,),
    )
    if others is not None and not others[0]:
        tx.run(f"DELETE FROM {table}")
    else:
        tx.run(f"DELETE FROM {table} WHERE company=?", (company,))


def _field_def(defn: Any) -> dict[str, Any]:
    if isinstance(defn, str):
        defn = {"type": defn}
    out = {"type": defn.get("type", "string")}
    if out["type"] in ("select", "multiselect"):
        out["options"] = normalize_options(defn.get("options", []))
    return out


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
