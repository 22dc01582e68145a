"""docs/endpoints.md is generated from the live routing table and must match it."""

from __future__ import annotations

from pathlib import Path

import pytest

from catapult_sim import docs_endpoints, routes
from catapult_sim.routes import Op

ENDPOINTS_MD = Path(__file__).resolve().parents[1] / "docs" / "endpoints.md"


def _noop() -> None:
    return None


def test_checked_in_table_matches_the_routing_table() -> None:
    expected = docs_endpoints.current()
    actual = ENDPOINTS_MD.read_text(encoding="utf-8")
    assert actual == expected, "docs/endpoints.md is stale: run `make docs` and commit the result"


def test_every_operation_has_exactly_one_row() -> None:
    text = docs_endpoints.current()
    for op in routes.all_ops():
        row = f"| {op.method} | `{op.path}` | {op.status} |"
        assert text.count(row) == 1, row


def test_catapult_and_simulator_paths_go_to_their_own_sections() -> None:
    ops = [
        Op("GET", "/_sim/widgets", _noop, "Simulator widget"),
        Op("POST", "/companies/{company_key}/widgets", _noop, "Catapult widget", status="partial"),
    ]
    text = docs_endpoints.render(ops)
    catapult, simulator = text.split("## Simulator endpoints")
    assert "| POST | `/companies/{company_key}/widgets` | partial | Catapult widget |" in catapult
    assert "| GET | `/_sim/widgets` | implemented | Simulator widget |" in simulator
    assert "1 operation." in catapult and "1 operation." in simulator


def test_a_pipe_in_a_summary_does_not_break_the_table() -> None:
    text = docs_endpoints.render([Op("GET", "/_sim/x", _noop, "Y | N")])
    assert "| Y \\| N |" in text


def test_check_flags_a_stale_file_and_regenerating_fixes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "endpoints.md"
    out.write_text("# Endpoints\n\nedited by hand\n", encoding="utf-8")
    assert docs_endpoints.main(["--check", "--output", str(out)]) == 1
    assert "make docs" in capsys.readouterr().err
    assert docs_endpoints.main(["--output", str(out)]) == 0
    assert docs_endpoints.main(["--check", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == docs_endpoints.current()


def test_check_flags_a_missing_file(tmp_path: Path) -> None:
    assert docs_endpoints.main(["--check", "--output", str(tmp_path / "missing.md")]) == 1
    assert not (tmp_path / "missing.md").exists()
