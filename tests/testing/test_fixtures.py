"""The seeded generator, its CLI and the checked-in sample set under fixtures/."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from catapult_sim import schemas
from catapult_sim.cli.main import main
from catapult_sim.core.models import OPT_OUT_REASONS
from catapult_sim.testing import samples
from catapult_sim.testing.factories import PayloadFactory
from catapult_sim.testing.payloads import CALLBACK_TYPES, PAYLOAD_TYPES, schema_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["fixtures", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- the checked-in set --------------------------------------------------------------------------


def test_checked_in_fixtures_match_the_generator() -> None:
    """Run `make fixtures` when this fails after a deliberate change."""
    expected = samples.expected_files()
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(expected), "files added or missing: run `make fixtures`"
    stale = [rel for rel, text in expected.items() if (FIXTURES / rel).read_text(encoding="utf-8") != text]
    assert stale == [], "fixtures differ from the generator: run `make fixtures`"


def test_every_fixture_validates_against_its_schema() -> None:
    index = json.loads((FIXTURES / samples.INDEX).read_text(encoding="utf-8"))
    for entry in index:
        body = json.loads((FIXTURES / entry["file"]).read_text(encoding="utf-8"))
        assert schemas.problems(entry["schema"], body) == [], entry["file"]


def test_sample_set_covers_what_receivers_meet() -> None:
    expected = samples.expected_files()
    files = set(expected)
    for kind in CALLBACK_TYPES:
        assert {f"callbacks/{kind}/v1.json", f"callbacks/{kind}/v2.json"} <= files
    for reason in OPT_OUT_REASONS:
        assert f"callbacks/subscription_removed/reason-{reason}.json" in files
    for kind in PAYLOAD_TYPES:
        assert any(entry.startswith(("api/" + kind, "callbacks/" + kind)) for entry in files), kind
    v1 = json.loads(expected["callbacks/subscription_added/v1.json"])
    assert v1["subscription"]["person"]["mobile_phone"]["mdn"].isdigit()
    longest = json.loads(expected["edge-cases/person_added-max-length-external-id.json"])
    assert len(longest["person"]["external_person_id"]) == 128
    bare = json.loads(expected["edge-cases/person_added-no-external-id.json"])
    assert "external_person_id" not in bare["person"]


# -- the factory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("locale", ["en_US", "en_GB", "ja_JP"])
def test_every_type_validates(version: int, locale: str) -> None:
    factory = PayloadFactory(3, locale=locale, api_version=version)
    for kind, schema in PAYLOAD_TYPES.items():
        for body in factory.generate(kind, 5):
            assert schemas.problems(schema, body) == [], (kind, body)


def test_same_seed_same_payloads_other_seed_other_payloads() -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        return list(PayloadFactory(seed).generate("ack_participant_changed", 3))

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_overrides_steer_records_and_paths() -> None:
    overrides = {"opt_out_reason": "disconnect", "company": "acme", "subscription.extra": '{"a": [1]}'}
    body = PayloadFactory(1, overrides=overrides).one("subscription_removed")
    assert body["subscription"]["opt_out_reason"] == "disconnect"
    assert body["subscription"]["person"]["url"].startswith("/companies/acme/")
    assert body["subscription"]["extra"] == {"a": [1]}
    with pytest.raises(ValueError, match="api_version"):
        PayloadFactory(1, api_version=3)


# -- the command line ----------------------------------------------------------------------------


def test_generate_prints_identical_valid_payloads(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("generate", "--type", "subscription_removed", "--count", "5", "--seed", "7")
    code, first, _ = _run(capsys, *args)
    assert code == 0
    assert _run(capsys, *args)[1] == first
    bodies = json.loads(first)
    assert len(bodies) == 5 and len({b["event_id"] for b in bodies}) == 5
    for body in bodies:
        assert schemas.problems("callback-subscription_removed", body) == []


def test_generate_all_to_files_as_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("generate", "--count", "3", "--format", "jsonl", "--api-version", "1", "--validate", "all")
    assert _run(capsys, *args, "--out", str(tmp_path))[0] == 0
    assert {p.name for p in tmp_path.iterdir()} == {f"{k}.jsonl" for k in PAYLOAD_TYPES}
    for kind in PAYLOAD_TYPES:
        lines = (tmp_path / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == 3
        assert all(schemas.problems(schema_of(kind), json.loads(line)) == [] for line in lines)


def test_generate_set_and_its_mistakes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "generate", "--type", "subscription", "--set", "opt_out_reason=bulk_opt_out")
    assert code == 0 and json.loads(out)[0]["opt_out_reason"] == "bulk_opt_out"
    code, _, err = _run(capsys, "generate", "--type", "person_added", "--set", "event_id=lowercase")
    assert code == 1 and "event_id" in err
    assert _run(capsys, "generate", "--type", "nope")[0] == 2
    assert _run(capsys, "generate", "--set", "novalue")[0] == 2


class _Receiver(BaseHTTPRequestHandler):
    received: list[Any] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_send_to_fires_every_payload(receiver: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "generate", "--type", "person_added", "--count", "4", "--send-to", receiver)
    assert code == 0, err
    assert _Receiver.received == json.loads(out)
    assert "sent 4 payloads (204: 4)" in err


def test_sample_command_writes_the_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "sample", "--out", str(tmp_path))[0] == 0
    assert (tmp_path / samples.INDEX).read_text(encoding="utf-8") == samples.expected_files()[samples.INDEX]
