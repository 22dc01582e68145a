"""Seed files are checked at start-up against catapult_sim/schemas/sim-seed.json and as a whole; a bad
one stops the start with every problem and its JSON path, and the CLI exits 2 without a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from catapult_sim import schemas
from catapult_sim.app import create_app
from catapult_sim.core.seed import DEMO_SEED, SeedError, load_seed, seed_problems
from catapult_sim.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "seed.json"
LISTS = [{"id": "5001"}, {"id": 5002}]
FROM_TEMPLATE = "(from the template's campaigns[0])"


def _write(tmp_path: Path, seed: Any) -> str:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    return str(path)


def _problems(tmp_path: Path, seed: Any) -> list[str]:
    with pytest.raises(SeedError) as caught:
        load_seed(_write(tmp_path, seed))
    assert str(caught.value).count("\n") == len(caught.value.problems)  # one line each, after the title
    return caught.value.problems


def test_the_demo_seed_and_the_documented_example_are_valid() -> None:
    assert seed_problems(DEMO_SEED) == []
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert seed_problems(example) == []
    assert schemas.schema("sim-seed")["examples"] == [example]  # the schema shows the documented example


def test_a_campaign_without_list_id_is_named_not_a_traceback(tmp_path: Path) -> None:
    seed = {"companies": [{"key": "acme", "lists": LISTS, "campaigns": [{"acquisition_id": "A"}]}]}
    assert _problems(tmp_path, seed) == ["$.companies[0].campaigns[0]: list_id is required"]


ACME = {"key": "acme"}
REFUSED = [
    ([], ["$: [] is not of type 'object'"]),
    ({"template": {}}, ["$: companies is required"]),
    ({"companies": [], "fautls": []}, ["$: unknown field fautls"]),
    (
        {"companies": [{"name": "acme"}]},
        ["$.companies[0]: key is required", "$.companies[0]: unknown field name"],
    ),
    ({"companies": [{"key": "a/b"}]}, ['$.companies[0].key: "a/b" does not match ^[^/]+$']),
    (
        {"companies": [{**ACME, "rate_limit": "fast"}]},
        ['$.companies[0].rate_limit: "fast" is not an integer or null'],
    ),
    (
        {"companies": [{**ACME, "landlines": ["2135550100"]}]},
        ['$.companies[0].landlines[0]: "2135550100" does not match ^\\+[1-9][0-9]{7,14}$'],
    ),
    (
        {"companies": [{**ACME, "custom_fields": {"tier": {"type": "select"}}}]},
        ["$.companies[0].custom_fields.tier: options is required"],
    ),
    (
        {"companies": [{**ACME, "custom_fields": {"age": "number"}}]},
        [
            '$.companies[0].custom_fields.age: "number" is not one of "string", "date", "select",'
            ' "multiselect" or an object'
        ],
    ),
    (
        {"companies": [{**ACME, "campaigns": [{"acquisition_id": "A", "list_id": "1001", "status": "paused"}]}]},
        ["$.companies[0].campaigns[0].status: 'paused' is not one of ['scheduled', 'active', 'deleted', 'past']"],
    ),
    (
        {"companies": [], "faults": [{"fault": "sometimes"}]},
        ["$.faults[0].fault: 'sometimes' is not one of ['latency', 'status', 'empty', 'truncated', 'reset']"],
    ),
]


@pytest.mark.parametrize(("seed", "expected"), REFUSED)
def test_shapes_the_schema_refuses(tmp_path: Path, seed: Any, expected: list[str]) -> None:
    assert _problems(tmp_path, seed) == expected


def test_what_the_schema_cannot_say_is_checked_too(tmp_path: Path) -> None:
    campaigns = [
        {"acquisition_id": "A", "list_id": "9999"},
        {"acquisition_id": "A", "list_id": 5002, "start_date": "2031-01-01", "end_date": "2030-01-01"},
        {"acquisition_id": "B", "list_id": "5001", "end_date": "2030-02-30"},
    ]
    seed = {
        "template": {"lists": [{"id": "1"}], "campaigns": [{"acquisition_id": "T", "list_id": "2"}]},
        "companies": [
            {"key": "acme", "lists": [*LISTS, {"id": "5001"}], "campaigns": campaigns},
            {"key": "acme"},
            {
                "key": "beta",
                "custom_fields": {"tier": {"type": "select", "options": ["gold", {"option_key": "gold"}]}},
            },
        ],
    }
    assert _problems(tmp_path, seed) == [
        "$.companies[1].key: company 'acme' is already $.companies[0]",
        "$.template.campaigns[0].list_id: the template has no list '2' (its lists: 1)",
        "$.companies[0].lists[2].id: list '5001' is defined twice in company 'acme'",
        "$.companies[0].campaigns[0].list_id: company 'acme' has no list '9999' (its lists: 5001, 5002, 5001)",
        "$.companies[0].campaigns[1].acquisition_id: campaign 'A' is defined twice in company 'acme'",
        "$.companies[0].campaigns[1]: start_date 2031-01-01 is after end_date 2030-01-01",
        "$.companies[0].campaigns[2].end_date: '2030-02-30' is not a real date",
        f"$.companies[1] {FROM_TEMPLATE}.list_id: company 'acme' has no list '2' (its lists: 1)",
        f"$.companies[2] {FROM_TEMPLATE}.list_id: company 'beta' has no list '2' (its lists: 1)",
        "$.companies[2].custom_fields.tier.options: gold defined twice",
    ]


def test_a_company_that_keeps_the_template_campaigns_needs_their_lists(tmp_path: Path) -> None:
    """Naming lists replaces the template's lists, but not its campaigns, which still need theirs."""
    seed = {"companies": [{"key": "acme", "lists": [{"id": "7"}]}]}  # the demo template's campaigns
    found = _problems(tmp_path, seed)
    assert found[0] == f"$.companies[0] {FROM_TEMPLATE}.list_id: company 'acme' has no list '1001' (its lists: 7)"
    assert len(found) == 4  # every demo campaign names a demo list


def test_a_valid_seed_starts(tmp_path: Path) -> None:
    seed = {
        "$schema": "https://catapult-sim.dev/schemas/sim-seed.json",
        "companies": [{"key": "acme", "lists": LISTS, "campaigns": [{"acquisition_id": "A", "list_id": 5002}]}],
    }
    app = create_app(Settings(seed_file=_write(tmp_path, seed)))
    assert app.state.sim.db.companies.get("acme") is not None


@pytest.mark.slow
def test_the_cli_lists_every_problem_and_exits_2_without_a_traceback(tmp_path: Path) -> None:
    campaigns = [{"acquisition_id": "A"}, {"acquisition_id": "B", "list_id": "1"}]
    seed = {"companies": [{"key": "acme", "lists": LISTS, "campaigns": campaigns}]}
    done = subprocess.run(
        [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", "--seed-file", _write(tmp_path, seed)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"catapult-sim: --seed-file {tmp_path / 'seed.json'} has 2 problems (see docs/seed.md):"
        " $.companies[0].campaigns[0]: list_id is required;"
        " $.companies[0].campaigns[1].list_id: company 'acme' has no list '1' (its lists: 5001, 5002)"
    ]


def test_a_lone_surrogate_in_a_seed_is_a_problem_not_a_crash_at_start(tmp_path: Path) -> None:
    path = tmp_path / "seed.json"
    path.write_text('{"companies": [{"key": "x\\ud800"}]}', encoding="utf-8")
    with pytest.raises(SeedError) as caught:
        load_seed(str(path))
    assert caught.value.problems == ["$: the string 'x\\ud800' holds a lone UTF-16 surrogate, which is not a character"]
