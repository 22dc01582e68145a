"""Reset and commit wiring: one reset sequence over the tables each part declares; the outbox
announces new deliveries only once their transaction has committed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catapult_sim.core.callbacks.outbox import Delivery
from catapult_sim.core.persons import parse_patch
from catapult_sim.core.store import KEPT_BY_RESET
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator


@pytest.fixture(params=["memory", "db"])
def sim(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Simulator]:
    db = str(tmp_path / "sim.db") if request.param == "db" else ":memory:"
    s = Simulator(Settings(db=db, random_seed=5))
    yield s
    s.close()


def company_keyed_tables(sim: Simulator) -> set[str]:
    with sim.store.read() as tx:
        names = [r["name"] for r in tx.all("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n for n in names if any(c["name"] == "company" for c in tx.all(f"PRAGMA table_info({n})"))}


def test_every_company_table_is_declared_by_a_part(sim: Simulator) -> None:
    declared = set(sim.company_tables())
    in_memory_log = sim.store.path == ":memory:"
    # The in-memory events log keeps its events outside the (then empty) events table.
    undeclared = company_keyed_tables(sim) - declared - set(KEPT_BY_RESET)
    assert undeclared == ({"events"} if in_memory_log else set())
    assert len(declared) == len(sim.company_tables())  # each table declared once


def add_person(sim: Simulator, mdn: str) -> None:
    with sim.store.transaction() as tx:
        body = {"mobile_phone": {"mdn": mdn}}
        sim.db.persons.add(tx, "demo", parse_patch(sim.db.env, "demo", body, 1))


def test_a_reset_clears_every_part(sim: Simulator) -> None:
    sim.callbacks.events.register_all("demo", "http://127.0.0.1:9/hook")
    add_person(sim, "2135550101")
    assert sim.db.events("demo") and sim.callbacks.outbox.due("9999")
    sim.reset("demo")
    assert sim.db.events("demo") == []
    assert sim.callbacks.outbox.due("9999") == []
    with sim.store.read() as tx:
        assert tx.all("SELECT * FROM callbacks WHERE company='demo' AND deleted=0") == []


def test_new_deliveries_are_announced_after_commit_only(sim: Simulator) -> None:
    sim.callbacks.events.register_all("demo", "http://127.0.0.1:9/hook")
    heard: list[tuple[list[int], bool]] = []

    def listener(notices: list[Delivery]) -> None:
        # Told after COMMIT: no transaction is open, and another connection-level read sees the rows.
        ids = [d.id for d in notices]
        heard.append((ids, sim.store.current is None))

    sim.callbacks.outbox.listen(listener)
    with pytest.raises(RuntimeError), sim.store.transaction():
        add_person(sim, "2135550101")  # joins the outer transaction, which then rolls back
        raise RuntimeError("the request failed after the write")
    assert heard == []  # a rolled-back change announces nothing
    add_person(sim, "2135550102")
    assert len(heard) == 1 and heard[0][1]
    with sim.store.read() as tx:
        marks = ",".join("?" * len(heard[0][0]))
        assert len(tx.all(f"SELECT id FROM deliveries WHERE id IN ({marks})", tuple(heard[0][0]))) == len(heard[0][0])


def test_a_delivery_announced_before_a_reset_it_removed_is_not_taken(sim: Simulator) -> None:
    """The dispatcher takes announced deliveries without asking the store again, unless a reset ran
    between the announcement and the taking: then only the deliveries still stored are taken."""
    sim.callbacks.events.register_all("demo", "http://127.0.0.1:9/hook", types=("person_added",))
    heard: list[tuple[list[Delivery], int]] = []
    sim.callbacks.outbox.listen(lambda notices: heard.append((notices, sim.callbacks.outbox.resets)))
    outbox = sim.callbacks.outbox
    add_person(sim, "2135550101")
    (first, resets_then) = heard[0]
    assert outbox.committed(first, resets_then) == first  # no reset since: taken as announced
    sim.reset("other")  # another company's reset keeps demo's deliveries
    assert outbox.committed(first, resets_then) == first
    sim.reset("demo")
    assert outbox.committed(first, resets_then) == []
    sim.callbacks.events.register_all("demo", "http://127.0.0.1:9/hook", types=("person_added",))
    add_person(sim, "2135550102")
    (second, resets_now) = heard[1]
    assert resets_now == resets_then + 2 and outbox.committed(second, resets_now) == second
