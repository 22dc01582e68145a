"""End to end: the real ``catapult-sim serve`` process on 127.0.0.1, port 0, over HTTP."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from catapult_sim.testing.process import serve_process

pytestmark = pytest.mark.slow
AUTH = ("VibesUser", "Password123")
serve = serve_process


def test_serve_answers_over_http_and_stops_cleanly() -> None:
    with serve() as (proc, url), httpx.Client(base_url=url, auth=AUTH, timeout=10) as http:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url) and not url.endswith(":0")
        assert http.get("/_sim/health").json()["status"] == "ok"
        r = http.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": "+12135551234"}},
                      headers={"X-API-Version": "2"})  # fmt: skip
        assert r.status_code == 201
        key = r.json()["person_key"]
        assert http.get("/companies/demo/mobiledb/persons", params={"mdn": "2135551234"}).json()["person_key"] == key
        signup = http.post("/companies/demo/campaigns/acquisition/DemoSOI1/participants", json={"person_key": key})
        assert signup.json()["status"] == "SUBSCRIBED"
        assert http.delete(f"/companies/demo/mobiledb/persons/{key}/subscriptions/1001").status_code == 200
        assert http.get("/nowhere").json()["errors"][0]["code"] == 20
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after shutting down


def test_serve_starts_clean_without_db() -> None:
    with serve() as (_, url):
        state = httpx.get(url + "/_sim/companies/demo/state").json()
        assert state["persons"] == [] and len(state["subscription_lists"]) == 3  # demo seed


def test_db_keeps_an_acknowledged_write_across_kill_9(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    with serve("--db", db) as (proc, url):
        r = httpx.put(url + "/companies/demo/mobiledb/persons/external/CRM-1", json={"timezone": "UTC"}, auth=AUTH)
        assert r.status_code == 201
        key = r.json()["person_key"]
        proc.send_signal(signal.SIGKILL)  # no chance to flush or close anything
        proc.wait(10)
    with serve("--db", db) as (_, url):
        again = httpx.get(url + "/companies/demo/mobiledb/persons/external/CRM-1", auth=AUTH)
        assert again.status_code == 200 and again.json()["person_key"] == key
        events = httpx.get(url + "/_sim/companies/demo/events").json()
        assert [e["type"] for e in events] == ["person_added"]


def test_bad_seed_file_exits_2(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text("{not json")
    done = subprocess.run(
        [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--seed-file", str(seed)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 2 and "seed" in done.stderr
