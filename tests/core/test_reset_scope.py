"""A company's reset clears its rows and no other company's, whichever way the store deletes them
(row by row when others share a table, the whole table when the company is alone in it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from catapult_sim.core.persons import parse_patch
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator


@pytest.fixture(params=["memory", "db"])
def sim(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Simulator]:
    db = str(tmp_path / "sim.db") if request.param == "db" else ":memory:"
    made = Simulator(Settings(db=db, random_seed=5))
    yield made
    made.close()


def add(sim: Simulator, company: str, mdn: str) -> None:
    env = sim.db.env
    with sim.store.transaction() as tx:
        sim.db.persons.add(tx, company, parse_patch(env, company, {"mobile_phone": {"mdn": mdn}}, 1))


def counts(sim: Simulator) -> dict[str, int]:
    with sim.store.read() as tx:
        rows = tx.all("SELECT company, COUNT(*) AS n FROM persons GROUP BY company")
    return {r["company"]: r["n"] for r in rows}


def events(sim: Simulator, company: str) -> int:
    return len(sim.db.events(company))


def test_a_reset_between_other_companies_keeps_theirs(sim: Simulator) -> None:
    for company in ("alpha", "mid", "zulu"):  # one sorts before, one after the company reset
        add(sim, company, "2135550100")
        add(sim, company, "2135550101")
    sim.reset("mid")
    assert counts(sim) == {"alpha": 2, "zulu": 2}
    assert (events(sim, "alpha"), events(sim, "mid"), events(sim, "zulu")) == (2, 0, 2)
    sim.reset("zulu")  # only companies sorting before it remain
    assert counts(sim) == {"alpha": 2}
    assert (events(sim, "alpha"), events(sim, "zulu")) == (2, 0)


def test_the_only_company_with_rows_is_emptied_and_keeps_working(sim: Simulator) -> None:
    for n in range(20):
        add(sim, "demo", f"21355501{n:02d}")
    sim.reset("demo")
    assert counts(sim) == {}
    assert events(sim, "demo") == 0
    add(sim, "demo", "2135550100")  # ids go on; nothing left over answers for the old persons
    assert counts(sim) == {"demo": 1}
    assert [e["type"] for e in sim.db.events("demo")] == ["person_added"]
    add(sim, "other", "2135550100")
    sim.reset("demo")
    assert counts(sim) == {"other": 1}
    assert (events(sim, "demo"), events(sim, "other")) == (0, 1)


def test_after_a_reset_a_failed_transaction_still_rolls_back(sim: Simulator) -> None:
    add(sim, "demo", "2135550100")
    sim.reset("demo")  # in memory the reset runs without the rollback journal: it must come back on
    with pytest.raises(RuntimeError), sim.store.transaction() as tx:
        sim.db.persons.add(tx, "demo", parse_patch(sim.db.env, "demo", {"mobile_phone": {"mdn": "2135550101"}}, 1))
        raise RuntimeError("the request failed after its write")
    assert counts(sim) == {}
    with sim.store.read() as tx:  # the journal that makes ROLLBACK work is back (WAL for a file)
        mode = tx.one("PRAGMA journal_mode")
    assert mode is not None and mode[0] == ("memory" if sim.store.path == ":memory:" else "wal")


def test_a_reset_that_failed_half_way_is_finished_by_the_next(sim: Simulator) -> None:
    for company in ("demo", "other"):
        add(sim, company, "2135550100")
    tables = sim.company_tables()
    broken = (*tables[:3], "no_such_table", *tables[3:])
    with pytest.raises(Exception, match="no_such_table"):
        sim.db.companies.reset("demo", broken)
    assert counts(sim)["other"] == 1  # whatever it did, it did to demo only
    sim.reset("demo")
    assert counts(sim) == {"other": 1}
    add(sim, "demo", "2135550100")
    assert counts(sim) == {"demo": 1, "other": 1}
