"""The contract-test kit's docs match the kit: the ten-line test is the example's, the commands and
options the docs show exist (docs/pytest-plugin.md, provider-suite.md, receiver-suite.md, ci.md)."""

from __future__ import annotations

import argparse
import ast
import re
import shlex
from pathlib import Path

import pytest
from test_docs_ci import commands

from catapult_sim.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "examples" / "crm_receiver"
KIT_DOCS = [DOCS / n for n in ("pytest-plugin.md", "provider-suite.md", "receiver-suite.md", "ci.md")]


def fenced(path: Path, after: str = "", lang: str = r"\w*") -> list[tuple[str, str]]:
    """(language, body) of each fenced block of ``path``, from the heading ``after`` on."""
    text = path.read_text(encoding="utf-8")
    text = text[text.index(after) :] if after else text
    return re.findall(rf"^```({lang})\n(.*?)^```$", text, re.M | re.S)


# -- the ten-line test --------------------------------------------------------------------------------


def ten_line_test() -> str:
    return fenced(DOCS / "pytest-plugin.md", "## The ten-line test", "python")[0][1]


def function_source(source: str, name: str) -> str:
    tree = ast.parse(source)
    (node,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    segment = ast.get_source_segment(source, node)
    assert segment is not None
    return segment


def test_the_ten_line_test_is_ten_lines_copied_from_the_example() -> None:
    doc = ten_line_test()
    assert len([line for line in doc.splitlines() if line.strip()]) == 10
    example = (EXAMPLE / "test_crm_receiver.py").read_text(encoding="utf-8")
    for chunk in doc.split("\n\n"):  # the imports, the MDN, the test: each verbatim in the example
        if chunk.strip():
            assert chunk.strip("\n") in example, chunk
    name = "test_sign_up_sends_subscription_added"
    assert function_source(doc, name) == function_source(example, name)


def test_the_example_readme_shows_the_same_test() -> None:
    ((_, block),) = fenced(EXAMPLE / "README.md", "", "python")
    assert block.strip("\n") == function_source(ten_line_test(), "test_sign_up_sends_subscription_added")


def test_the_ten_line_test_is_complete_python() -> None:
    names = {n.id for n in ast.walk(ast.parse(ten_line_test())) if isinstance(n, ast.Name)}
    assert names <= {"Catapult", "CallbackInbox", "MDN", "catapult", "callback_inbox"}


# -- catapult-sim --help ----------------------------------------------------------------------------------


def test_the_help_lists_the_kit_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^    (\S+)(?:\s+(\S.*))?\n(?:\s{10,}(\S.*))?", out, re.M)
    helps = {name: (same or below) for name, same, below in listed}
    for command in ("serve", "contract", "check-receiver", "fixtures"):
        assert helps.get(command), f"{command} is not in catapult-sim --help:\n{out}"


@pytest.mark.parametrize("command", ["contract", "check-receiver", "fixtures"])
def test_each_kit_command_has_its_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: catapult-sim {command}")


# -- the commands and options the docs show ------------------------------------------------------------


def doc_commands(path: Path) -> list[str]:
    """The ``catapult-sim`` commands of ``sh`` blocks and of ``$`` lines in ``text`` blocks."""
    found = []
    for lang, body in fenced(path):
        body = re.sub(r"\s*\\\n\s*", " ", body)
        if lang == "text":
            body = "\n".join(line for line in body.splitlines() if line.startswith("$ "))
        elif lang != "sh":
            continue
        found += [re.sub(r"\[(--[a-z-]+)\]", r"\1", c) for c in commands(body)]
    return found


@pytest.mark.parametrize("path", [*KIT_DOCS, EXAMPLE / "README.md"], ids=lambda p: p.name)
def test_every_command_the_docs_show_parses(path: Path) -> None:
    parser = build_parser()
    for command in doc_commands(path):
        try:
            args = parser.parse_args(shlex.split(command, comments=True)[1:])
        except SystemExit:  # argparse printed why
            pytest.fail(f"{path.name}: catapult-sim does not take: {command}")
        assert getattr(args, "handler", None) is not None, command


def test_the_docs_show_commands() -> None:
    shown = {p.name: {c.split()[1] for c in doc_commands(p)} for p in KIT_DOCS}
    assert shown["ci.md"] == {"contract", "check-receiver"}
    assert shown["receiver-suite.md"] == {"check-receiver"}
    assert shown["provider-suite.md"] == {"contract", "serve", "faults"}


def subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    found: argparse.ArgumentParser = sub.choices[name]
    return found


def table_options(path: Path, heading: str) -> set[str]:
    """The ``--options`` in the first column of the first table after ``heading``."""
    text = path.read_text(encoding="utf-8")
    table = re.search(r"^\|.*?(?=\n\n)", text[text.index(heading) :], re.M | re.S)
    assert table, heading
    cells = [row.split("|")[1] for row in table.group(0).splitlines()]
    return {o for cell in cells for o in re.findall(r"`(--[a-z][a-z-]*)", cell)}


@pytest.mark.parametrize(
    ("doc", "heading", "command"),
    [
        ("receiver-suite.md", "## Command line", "check-receiver"),
        ("provider-suite.md", "## Running it", "contract"),
    ],
)
def test_the_option_tables_list_every_option_and_no_other(doc: str, heading: str, command: str) -> None:
    options = {o for a in subcommand(command)._actions for o in a.option_strings if o.startswith("--")}
    assert table_options(DOCS / doc, heading) == options - {"--help"}


def test_the_plugin_options_and_ini_names_exist(pytestconfig: pytest.Config) -> None:
    text = (DOCS / "pytest-plugin.md").read_text(encoding="utf-8")
    options = set(re.findall(r"`(--catapult-[a-z-]+)", text))
    assert len(options) == 8
    for option in options:
        pytestconfig.getoption(option)  # ValueError when no plugin added it
    for ini in set(re.findall(r"`(catapult_[a-z_]+) = ", text)):
        pytestconfig.getini(ini)
