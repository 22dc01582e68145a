from starlette.testclient import TestClient


def test_health(client: TestClient) -> None:
    r = client.get("/_sim/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_add_then_get_person(client: TestClient) -> None:
    r = client.post("/companies/demo/mobiledb/persons", json={"mobile_phone": {"mdn": "2135551234"}})
    assert r.status_code == 201, r.text
    key = r.json()["person_key"]
    got = client.get(f"/companies/demo/mobiledb/persons/{key}")
    assert got.status_code == 200
    assert got.json()["mobile_phone"]["mdn"] == "2135551234"
