"""The domain event log answers the same in memory and with ``--db`` (catapult_sim/core/eventlog.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from catapult_sim.core.eventlog import MemoryEventLog, TableEventLog
from catapult_sim.core.persons import parse_patch
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator


@pytest.fixture(params=["memory", "db"])
def make(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    made: list[Simulator] = []

    def build(cap: int = 10_000) -> Simulator:
        db = str(tmp_path / f"sim{len(made)}.db") if request.param == "db" else ":memory:"
        sim = Simulator(Settings(db=db, event_log_cap=cap, random_seed=3))
        made.append(sim)
        return sim

    yield build
    for sim in made:
        sim.close()


def add(sim: Simulator, mdn: str, company: str = "demo") -> None:
    env = sim.db.env
    with sim.store.transaction() as tx:
        sim.db.persons.add(tx, company, parse_patch(env, company, {"mobile_phone": {"mdn": mdn}}, 1))


def test_each_store_gets_its_keeper(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    kind = TableEventLog if sim.store.path != ":memory:" else MemoryEventLog
    assert isinstance(sim.db.event_log, kind)


def test_ids_count_up_from_one_oldest_first_with_filters(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    for i in range(3):
        add(sim, f"213555010{i}")
    with sim.store.transaction() as tx:
        person = sim.db.persons.match_mdn(tx, "demo", "+12135550100", None)
        assert person is not None
        sim.db.platform.opt_in(tx, "demo", person, "1001")
    events = sim.db.events("demo")
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events][:3] == ["person_added"] * 3
    assert "subscription_added" in [e["type"] for e in events]
    assert events[0]["data"]["person"]["mdn"] == "+12135550100"
    assert [e["id"] for e in sim.db.events("demo", after=2)] == [e["id"] for e in events[2:]]
    assert [e["type"] for e in sim.db.events("demo", type_="subscription_added")] == ["subscription_added"]
    assert [e["id"] for e in sim.db.events("demo", limit=2)] == [1, 2]


def test_a_rolled_back_change_leaves_no_event(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    with pytest.raises(RuntimeError), sim.store.transaction():
        add(sim, "2135550100")  # joins the outer transaction
        raise RuntimeError("the request failed after the change")
    assert sim.db.events("demo") == []
    add(sim, "2135550101")
    assert [e["data"]["person"]["mdn"] for e in sim.db.events("demo")] == ["+12135550101"]


def test_a_company_reset_forgets_its_events_only_and_ids_never_repeat(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    assert sim.db.companies.authenticate("acme", "VibesUser", "Password123") is not None  # provisioned
    add(sim, "2135550100", "demo")
    add(sim, "2135550101", "acme")
    add(sim, "2135550102", "demo")
    sim.reset("demo")
    assert sim.db.events("demo") == []
    assert [e["id"] for e in sim.db.events("acme")] == [2]
    add(sim, "2135550103", "demo")
    assert [e["id"] for e in sim.db.events("demo")] == [4]
    sim.reset()
    assert sim.db.events("acme") == [] and sim.db.events("demo") == []


def test_the_latest_events_are_kept_up_to_the_cap(make) -> None:  # type: ignore[no-untyped-def]
    sim, cap, total = make(cap=10), 10, 600
    for i in range(total):
        add(sim, f"213{i:07d}")
    ids = [e["id"] for e in sim.db.events("demo")]
    assert ids[-1] == total
    assert ids == list(range(ids[0], total + 1))
    assert cap <= len(ids) <= cap + 255  # the table trims every 256 rows, the deque at once


def test_the_answer_is_a_copy(make) -> None:  # type: ignore[no-untyped-def]
    sim = make()
    add(sim, "2135550100")
    sim.db.events("demo")[0]["data"]["person"]["mdn"] = "changed"
    assert sim.db.events("demo")[0]["data"]["person"]["mdn"] == "+12135550100"


def test_the_log_of_a_database_outlives_the_process(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    first = Simulator(Settings(db=db))
    add(first, "2135550100")
    first.close()
    again = Simulator(Settings(db=db))
    try:
        assert [e["type"] for e in again.db.events("demo")] == ["person_added"]
    finally:
        again.close()
