"""Double opt-in expiry is applied by the acquisition rules and by clock moves, never by a caller."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catapult_sim.core.models import Person
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator

CAMPAIGN = "DemoDOI2"  # a double opt-in campaign with a one-hour window (the demo seed)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    s = Simulator(Settings(random_seed=5, clock="manual"))
    yield s
    s.close()


def join(sim: Simulator, mdn: str = "2135550101") -> Person:
    with sim.store.transaction() as tx:
        status, _part, person = sim.db.acq.add_participant(tx, "demo", CAMPAIGN, {"mobile_phone": {"mdn": mdn}}, 1)
    assert status == 201
    return person


def statuses(sim: Simulator) -> list[str]:
    return [p["status"] for p in sim.db.state("demo")["participants"]]


def test_a_clock_move_expires_what_it_made_due(sim: Simulator) -> None:
    join(sim)
    sim.db.clock_advance(1800)
    with sim.store.read() as tx:
        assert [r["status"] for r in tx.all("SELECT status FROM participants")] == ["PENDING"]
    sim.db.clock_advance(1801)
    with sim.store.read() as tx:  # raw rows: the move itself wrote the expiry, nobody read first
        assert [r["status"] for r in tx.all("SELECT status FROM participants")] == ["EXPIRED"]


def test_the_rules_expire_before_they_read(sim: Simulator) -> None:
    person = join(sim)
    sim.clock.advance(3601)  # the clock alone, as system time moves by itself
    with sim.store.transaction() as tx:
        assert sim.db.acq.pending_of_person(tx, person) == []
    assert statuses(sim) == ["EXPIRED"]


def test_switching_the_clock_is_a_core_rule(sim: Simulator) -> None:
    join(sim)
    later = sim.clock.now().replace(year=sim.clock.now().year + 1)
    sim.db.clock_set("manual", later)
    assert sim.clock.now() == later and statuses(sim) == ["EXPIRED"]
    with pytest.raises(ValueError, match="backwards"):
        sim.db.clock_set(None, later.replace(year=later.year - 1))
    with pytest.raises(ValueError, match="mode"):
        sim.db.clock_set("sundial")
    sim.db.clock_set("system")
    assert not sim.clock.manual
