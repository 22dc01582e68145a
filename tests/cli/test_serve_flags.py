"""``serve``'s flags are the Settings fields: one flag and one variable each, named alike, in --help."""

from __future__ import annotations

import dataclasses

import pytest

from catapult_sim.cli.main import build_parser, main
from catapult_sim.cli.serve import settings_of
from catapult_sim.settings import Settings, env_name, flag_name


def test_every_setting_is_a_flag_whose_variable_shows_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for f in dataclasses.fields(Settings):
        flag = "--" + flag_name(f)
        assert flag in shown and env_name(f) in shown
        assert env_name(f) == "CATAPULT_SIM_" + flag[2:].upper().replace("-", "_")


def test_no_flags_and_no_variables_give_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for f in dataclasses.fields(Settings):
        monkeypatch.delenv(env_name(f), raising=False)
    assert settings_of(build_parser().parse_args(["serve"])) == Settings()


def test_flags_beat_variables_beat_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATAPULT_SIM_SEED", "7")
    monkeypatch.setenv("CATAPULT_SIM_CLOCK", "manual")
    monkeypatch.setenv("CATAPULT_SIM_FIND_BY_MDN", "array")
    args = build_parser().parse_args(["serve", "--seed", "9", "--rate-limit", "--callback-insecure"])
    settings = settings_of(args)
    assert (settings.random_seed, settings.clock, settings.find_by_mdn_shape) == (9, "manual", "array")
    assert settings.rate_limit == 100 and settings.callback_insecure is True
    assert settings.port == Settings().port
