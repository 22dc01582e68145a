"""``catapult-sim`` with a command group but no action shows that group's help, not the top level's."""

from __future__ import annotations

import pytest

from catapult_sim.cli.main import main


@pytest.mark.parametrize(("argv", "shows"), [(["deliveries"], "replay-failed"), (["journal"], "verify"), ([], "serve")])
def test_a_missing_action_shows_the_help_of_its_level(
    argv: list[str], shows: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out = capsys.readouterr().out
    assert shows in out
    assert out.startswith("usage: catapult-sim " + " ".join(argv))
