"""--extract-dir: the ended days' extracts land in a folder as the simulator's clock passes midnight,
the same files `catapult-sim extract` writes for that company and day."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from catapult_sim.app import create_app
from catapult_sim.core.clock import SwitchableClock, parse_iso
from catapult_sim.core.extract_drop import MAX_DAYS, ExtractDrop
from catapult_sim.settings import Settings
from tests.cli.test_cli_errors import one_line_naming, run

SIM = "/_sim/companies/demo"
START = "2026-03-01T22:00:00Z"


def _client(folder: Path) -> TestClient:
    return TestClient(create_app(Settings(clock="manual", start_time=START, extract_dir=str(folder))))


def _on_demand(client: TestClient, kind: str, day: str) -> str:
    r = client.get(f"{SIM}/extracts/{kind}?date={day}")
    assert r.status_code == 200, r.text
    text: str = r.json()["content"]
    return text


def test_midnight_drops_the_days_subscriptions_and_the_new_days_current_subscribers(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        assert client.post(f"{SIM}/opt-in", json={"mdn": "+12135550101", "list_id": "1001"}).status_code == 200
        assert client.post(f"{SIM}/opt-in", json={"mdn": "+447700900123", "list_id": "1002"}).status_code == 200
        assert sorted(p.name for p in tmp_path.iterdir()) == []  # the day has not ended
        assert client.post("/_sim/clock/advance", json={"by": "3h"}).status_code == 200
        names = sorted(p.name for p in tmp_path.iterdir() if "_demo_" in p.name)
        assert names == ["current_subscribers_demo_2026-03-02.txt", "subscriptions_demo_2026-03-01.txt"]
        dropped = (tmp_path / "subscriptions_demo_2026-03-01.txt").read_text(encoding="utf-8")
        assert dropped == _on_demand(client, "subscriptions", "2026-03-01")
        assert dropped.count("\tOPT_IN\t") == 2
        current = (tmp_path / "current_subscribers_demo_2026-03-02.txt").read_text(encoding="utf-8")
        assert current == _on_demand(client, "current_subscribers", "2026-03-02") and current.count("\n") == 3
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial file left


def test_every_company_gets_its_files_and_each_ended_day_is_written(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        companies = [c.key for c in client.app.simulator.db.companies.all()]  # type: ignore[attr-defined]
        assert client.post("/_sim/clock/advance", json={"by": "3d"}).status_code == 200
        days = ["2026-03-01", "2026-03-02", "2026-03-03"]
        expected = {f"subscriptions_{c}_{d}.txt" for c in companies for d in days}
        expected |= {
            f"current_subscribers_{c}_{d}.txt" for c in companies for d in ["2026-03-02", "2026-03-03", "2026-03-04"]
        }
        assert {p.name for p in tmp_path.iterdir()} == expected


def test_a_clock_moved_a_year_writes_the_last_month_only(tmp_path: Path) -> None:
    clock = SwitchableClock(manual=True, start=parse_iso(START))
    with TestClient(create_app(Settings())) as client:  # the store and companies of a simulator
        sim = client.app.simulator  # type: ignore[attr-defined]
        drop = ExtractDrop(tmp_path, sim.store, sim.db.companies, clock)
        clock.advance(365 * 86400)
        written = drop.catch_up()
    days = {p.name.rsplit("_", 1)[1] for p in written if p.name.startswith("subscriptions_demo_")}
    assert len(days) == MAX_DAYS and max(days) == "2027-02-28.txt"
    assert drop.catch_up() == []  # nothing ended since


def test_without_the_flag_nothing_is_dropped(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(clock="manual", start_time=START))) as client:
        assert client.app.simulator.extract_drop is None  # type: ignore[attr-defined]
        assert client.post("/_sim/clock/advance", json={"by": "2d"}).status_code == 200
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_logged_and_the_clock_still_moves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "drop"
    with _client(folder) as client:
        folder.rmdir()
        folder.write_text("now a file")  # the folder is gone: a file stands in its place
        with caplog.at_level(logging.WARNING, logger="catapult_sim.extracts"):
            assert client.post("/_sim/clock/advance", json={"by": "3h"}).status_code == 200
    assert "not written" in caplog.text


def test_with_the_system_clock_it_waits_for_midnight(tmp_path: Path) -> None:
    with TestClient(create_app(Settings())) as client:
        sim = client.app.simulator  # type: ignore[attr-defined]
        drop = ExtractDrop(tmp_path, sim.store, sim.db.companies, sim.clock)
        assert 0 < drop.seconds_to_midnight() <= 86400

        async def briefly() -> None:
            task = asyncio.create_task(drop.run())
            await asyncio.sleep(0.05)
            assert not task.done()  # asleep until midnight
            task.cancel()

        asyncio.run(briefly())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(("inside", "says"), [("", "not a folder"), ("sub", "cannot make the folder")])
def test_a_folder_that_cannot_be_one_is_one_line_naming_the_flag(tmp_path: Path, inside: str, says: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run("serve", "--port", "0", "--extract-dir", str(blocker / inside) if inside else str(blocker))
    assert says in one_line_naming(done, "--extract-dir")
