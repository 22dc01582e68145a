"""The real ``serve`` process and its ``--db`` file: ids never reused, one writer, owner-only file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from catapult_sim.testing.process import serve_process

pytestmark = pytest.mark.slow
AUTH = ("VibesUser", "Password123")
P = "/companies/demo/mobiledb/persons"
HOOK = {"url": "http://127.0.0.1:9/hook", "types": ["person_added", "subscription_added"]}


def _sign_up(http: httpx.Client, n: int, tag: str) -> list[dict[str, Any]]:
    made = []
    for i in range(n):
        r = http.post(P, json={"external_person_id": f"{tag}-{i}", "mobile_phone": {"mdn": f"21355{tag}{i:03d}"}})
        assert r.status_code == 201, r.text
        key = r.json()["person_key"]
        opt_in = http.post("/_sim/companies/demo/opt-in", json={"person_key": key, "list_id": "1001"})
        assert opt_in.status_code == 200, opt_in.text
        made.append(r.json())
    return made


def _event_ids(http: httpx.Client) -> list[str]:
    return [d["event_id"] for d in http.get("/_sim/deliveries", params={"limit": 1000}).json()]


def test_a_restart_with_the_same_seed_and_db_never_reuses_an_id(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    args = ("--seed", "7", "--db", db)
    with serve_process(*args) as (proc, url), httpx.Client(base_url=url, auth=AUTH, timeout=10) as http:
        before = _sign_up(http, 3, "10")  # as the second run will start: the same draws
        assert http.post("/_sim/companies/demo/callbacks", json=HOOK).status_code == 201
        before += _sign_up(http, 3, "11")
        events_before = _event_ids(http)
        proc.terminate()
        proc.wait(15)
    with serve_process(*args) as (proc, url), httpx.Client(base_url=url, auth=AUTH, timeout=10) as http:
        after = _sign_up(http, 6, "20")
        for person in before:  # every earlier person and subscription is intact
            got = http.get(f"{P}/{person['person_key']}")
            assert got.status_code == 200 and got.json()["external_person_id"] == person["external_person_id"]
            subs = http.get(f"{P}/{person['person_key']}/subscriptions").json()
            assert [s["subscription_list"]["id"] for s in subs] == ["1001"]
        old_keys = {p["person_key"] for p in before}
        old_ids = {p["person_id"] for p in before}
        assert not old_keys & {p["person_key"] for p in after}
        assert not old_ids & {p["person_id"] for p in after}
        events = _event_ids(http)
        assert len(events_before) == 6 and set(events_before) < set(events)
        assert len(events) == 18 and len(set(events)) == 18  # no new event_id repeats an old one
        state = http.get("/_sim/companies/demo/state").json()
        assert len(state["persons"]) == 12


def test_a_second_server_on_a_db_in_use_exits_2_and_a_killed_one_leaves_no_lock(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    with serve_process("--db", db) as (proc, url):
        done = subprocess.run(
            [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--db", db],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode == 2
        assert done.stderr.strip().count("\n") == 0 and "in use" in done.stderr and "Traceback" not in done.stderr
        assert httpx.post(url + P, json={"external_person_id": "A"}, auth=AUTH).status_code == 201
        proc.kill()  # kill -9: the kernel drops the lock with the process
        proc.wait(10)
    with serve_process("--db", db) as (_, url):
        assert httpx.get(url + P + "/external/A", auth=AUTH).status_code == 200


def test_the_db_file_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    old = os.umask(0o022)
    try:
        with serve_process("--db", str(db)):
            assert stat.S_IMODE(db.stat().st_mode) == 0o600
            for extra in tmp_path.glob("sim.db-*"):  # SQLite's -wal and -shm copy the file's mode
                assert stat.S_IMODE(extra.stat().st_mode) == 0o600, extra
    finally:
        os.umask(old)
