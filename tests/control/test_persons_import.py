"""Bulk load of persons: POST /_sim/companies/{key}/persons/import and ``serve --persons``.

Every row follows the Person API's rules; a file with one bad row loads nothing and names the row."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.core.bulk import PersonsFileError
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator

AUTH = ("VibesUser", "Password123")
IMPORT = "/_sim/companies/demo/persons/import"
V2 = {"X-API-Version": "2"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(random_seed=3))) as c:
        yield c


def jsonl(*rows: Any) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()


def persons(c: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = c.get("/_sim/companies/demo/state").json()["persons"]
    return found


def test_a_jsonl_file_creates_every_person_as_the_person_api_would(client: TestClient) -> None:
    body = jsonl(
        {"external_person_id": "CRM-1", "mobile_phone": {"mdn": "2135550100"}, "custom_fields": {"gender": "male"}},
        "",  # blank lines are skipped
        {"mobile_phone": {"mdn": "+442071234567", "carrier_code": "x"}, "timezone": "Europe/London"},
        {"external_person_id": "CRM-3"},
    )
    r = client.post(IMPORT, content=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert not schemas.problems("sim-persons-import", answer)
    assert answer == {"company": "demo", "format": "jsonl", "created": 3, "first_person_id": 1,
                      "last_person_id": 3, "events": 0}  # fmt: skip
    got = client.get("/companies/demo/mobiledb/persons/external/CRM-1", auth=AUTH).json()
    assert got["mobile_phone"]["mdn"] == "2135550100" and got["person_id"] == "1"
    assert got["custom_fields"]["gender"]["option_key"] == "male"  # stored as the API stores a select
    uk = client.get("/companies/demo/mobiledb/persons", params={"mdn": "+442071234567"}, auth=AUTH, headers=V2)
    assert uk.json()["timezone"] == "Europe/London" and uk.json()["mobile_phone"]["carrier_code"] == "x"
    # no callbacks, no domain events: a bulk load is not a Person API call (docs/fidelity.md)
    assert client.get("/_sim/companies/demo/events").json() == []
    # the API goes on after the loaded ids, and matches the loaded persons as its own
    added = client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": "2135550101"}}, auth=AUTH)
    assert added.status_code == 201 and added.json()["person_id"] == "4"
    merged = client.post("/companies/demo/mobiledb/persons", json={"external_person_id": "CRM-3"}, auth=AUTH)
    assert merged.status_code == 200 and merged.json()["person_id"] == "3"


def test_a_csv_file_with_a_header_loads_the_same_fields(client: TestClient) -> None:
    body = b"external_person_id,mdn,carrier_code,timezone,custom_fields.first_name\r\nA1,2135550100,tmo,UTC,Ada\r\n" \
           b",2135550100,att,,\r\n"  # fmt: skip
    r = client.post(IMPORT, content=body)
    assert r.status_code == 200 and r.json()["format"] == "csv" and r.json()["created"] == 2
    loaded = sorted(persons(client), key=lambda p: p["person_id"])
    assert loaded[0]["custom_fields"] == {"first_name": "Ada"} and loaded[0]["timezone"] == "UTC"
    assert loaded[1]["mobile_phone"]["carrier_code"] == "att"  # same MDN, another carrier: another person (W-person)


@pytest.mark.parametrize(
    ("rows", "code", "words"),
    [
        (['{"mobile_phone":{"mdn":"213555"}}'], 40, "line 2: mobile_phone.mdn: invalid MDN format"),
        (['{"nickname":"x","external_person_id":"B"}'], None, "line 2: "),
        (["not json"], 4, "line 2: not JSON"),
        (["[1,2]"], 4, "line 2: a person must be a JSON object"),
        (['{"timezone":"UTC"}'], 1, "line 2: mobile_phone.mdn or external_person_id is required"),
        (['{"external_person_id":"B","custom_fields":{"shoe_size":"9"}}'], 53, "unknown custom fields: shoe_size"),
        (['{"external_person_id":"A"}'], 31, "line 2: external_person_id 'A' belongs to row 1 of the file"),
        (['{"mobile_phone":{"mdn":"+12135550100"}}'], 30, "line 2: MDN +12135550100 with this carrier is already"),
    ],
)  # fmt: skip
def test_one_bad_row_loads_nothing_and_is_named(
    client: TestClient, rows: list[str], code: int | None, words: str
) -> None:
    body = jsonl({"external_person_id": "A", "mobile_phone": {"mdn": "2135550100"}}, *rows, {"external_person_id": "Z"})
    r = client.post(IMPORT, content=body)
    assert r.status_code == 422, r.text
    first = r.json()["errors"][0]
    assert words in first["message"] and (code is None or first["code"] == code)
    assert persons(client) == []


def test_a_row_matching_a_person_already_there_is_refused(client: TestClient) -> None:
    client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": "2135550100"}}, auth=AUTH)
    r = client.post(IMPORT, content=jsonl({"external_person_id": "N"}, {"mobile_phone": {"mdn": "2135550100"}}))
    assert r.status_code == 422 and "line 2: MDN +12135550100" in r.json()["errors"][0]["message"]
    assert "person_id 1" in r.json()["errors"][0]["message"]
    assert len(persons(client)) == 1


def test_many_bad_rows_are_listed_up_to_a_limit(client: TestClient) -> None:
    r = client.post(IMPORT, content=jsonl(*['{"mobile_phone":{"mdn":"1"}}'] * 50))
    errors = r.json()["errors"]
    assert r.status_code == 422 and len(errors) == 20 and errors[19]["message"].startswith("line 20:")


@pytest.mark.parametrize(
    ("body", "params", "status"),
    [(b"", {}, 400), (b"mdn\n2135550100\n", {"format": "xml"}, 400), (b"mdn,shoe\n1,2\n", {}, 422),
     (b"mdn,carrier_code\n2135550100\n", {}, 422), (b"\xff\xfe{}\n", {"format": "csv"}, 422)],
)  # fmt: skip
def test_a_file_of_the_wrong_shape_is_a_4xx(
    client: TestClient, body: bytes, params: dict[str, str], status: int
) -> None:
    r = client.post(IMPORT, content=body, params=params)
    assert r.status_code == status and r.json()["errors"][0]["message"]
    assert persons(client) == []


def test_serve_persons_loads_at_start_and_a_bad_file_stops_it(tmp_path: Path) -> None:
    good = tmp_path / "people.jsonl"
    good.write_bytes(jsonl({"external_person_id": "S1"}, {"mobile_phone": {"mdn": "2135550100"}}))
    sim = Simulator(Settings(persons=f"other={good},{good}"))
    with sim.store.read() as tx:
        rows = tx.all("SELECT company, COUNT(*) AS n FROM persons GROUP BY company ORDER BY company")
    assert [tuple(r) for r in rows] == [("demo", 2), ("other", 2)]
    sim.close()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"mdn\n2135550100\n12\n")
    with pytest.raises(PersonsFileError, match=r"--persons .*bad.csv: line 3: mobile_phone.mdn"):
        Simulator(Settings(persons=str(bad)))
    with pytest.raises(PersonsFileError, match="cannot read"):
        Simulator(Settings(persons=str(tmp_path / "missing.jsonl")))


def test_serve_persons_with_a_db_loads_a_company_once(tmp_path: Path) -> None:
    good = tmp_path / "people.jsonl"
    good.write_bytes(jsonl({"external_person_id": "S1"}))
    db = str(tmp_path / "sim.db")
    for _ in range(2):  # the second start finds the persons there and leaves them
        sim = Simulator(Settings(db=db, persons=str(good)))
        with sim.store.read() as tx:
            assert tx.one("SELECT COUNT(*) FROM persons")[0] == 1  # type: ignore[index]
        sim.close()
