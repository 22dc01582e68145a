"""The control API docs name every /_sim route and only CLI commands that exist."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from catapult_sim import routes
from catapult_sim.cli.main import build_parser

DOCS = Path(__file__).resolve().parents[1] / "docs"
CONTROL_API = DOCS / "control-api.md"
CLI_MENTION = re.compile(r"`catapult-sim ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")
JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.S)


def _hand_written_docs() -> str:
    """Every page but the generated endpoint table (which names every route by construction)."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")) if p.name != "endpoints.md")


def _pattern(path: str) -> re.Pattern[str]:
    """``path`` with each ``{placeholder}`` matching a placeholder or a concrete segment."""
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join(r"[^/\s`)]+" if p.startswith("{") else re.escape(p) for p in parts) + r"(?![\w/-])")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize(
    "op",
    [op for op in routes.CONTROL_OPS if op.path.startswith("/_sim")],
    ids=lambda op: f"{op.method} {op.path}",
)
def test_every_control_route_is_documented(op: routes.Op) -> None:
    assert _pattern(op.path).search(_hand_written_docs()), f"{op.method} {op.path} is in no page of docs/"


def test_the_path_pattern_needs_the_whole_path() -> None:
    pattern = _pattern("/_sim/companies/{company_key}/reset")
    assert pattern.search("`/_sim/companies/demo/reset`")
    assert not pattern.search("`/_sim/companies/demo/reset-all`")
    assert not pattern.search("`/_sim/reset`")


def test_every_cli_command_in_control_api_exists() -> None:
    commands = _subcommands(build_parser())
    mentions = CLI_MENTION.findall(CONTROL_API.read_text(encoding="utf-8"))
    assert mentions
    for first, second in mentions:
        assert first in commands, f"catapult-sim {first}"
        nested = _subcommands(commands[first])
        if nested and second:
            assert second in nested, f"catapult-sim {first} {second}"


def test_json_examples_in_control_api_parse() -> None:
    blocks = JSON_BLOCK.findall(CONTROL_API.read_text(encoding="utf-8"))
    assert blocks
    for block in blocks:
        json.loads(block)
