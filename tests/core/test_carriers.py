"""The simulated carrier lookup (core/carriers.py): deterministic, plausible, pinnable, switchable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from catapult_sim.core.carriers import US_CODES, CarrierLookup, country_code, for_company, looked_up
from catapult_sim.core.models import Person

NUMBERS = ("+12135551234", "+12135550100", "+19175550123", "+447700900123", "+4915112345678", "+919876543210")


def person(mdn: str | None, carrier: str | None = None) -> Person:
    now = "2024-01-01T00:00:00.000000Z"
    return Person("demo", "k", 1, None, mdn, carrier, {}, None, None, now, now)


def test_the_same_number_gets_the_same_code_in_another_process() -> None:
    # Another interpreter with another hash seed: the code must not depend on Python's str hash.
    script = f"from catapult_sim.core.carriers import looked_up; print(' '.join(looked_up(n) for n in {NUMBERS!r}))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == [looked_up(n) for n in NUMBERS]


def test_us_numbers_get_codes_from_the_table_and_not_all_the_same() -> None:
    codes = [looked_up(f"+1213555{n:04d}") for n in range(200)]
    assert set(codes) <= set(US_CODES)
    assert len(set(codes)) == len(US_CODES)  # 200 numbers reach every code of the table
    assert all(c.isdigit() for c in codes)  # the documented form: a numeric string like "104"


def test_a_country_outside_plus_1_gets_one_code_for_all_its_numbers() -> None:
    assert looked_up("+447700900123") == looked_up("+447911123456") == "544"
    assert looked_up("+4915112345678") == "549"
    assert looked_up("+919876543210") == "591"
    assert country_code("880") == "880" and country_code("7") == "507"
    assert not {looked_up("+447700900123"), looked_up("+4915112345678")} & set(US_CODES)


def test_a_pinned_code_wins_the_longest_prefix_first() -> None:
    lookup = CarrierLookup.build(True, {"+1213": "383", "+12135551234": "104", "+44": "999"})
    assert lookup.code("+12135551234") == "104"  # the exact number
    assert lookup.code("+12135559999") == "383"  # its prefix
    assert lookup.code("+447700900123") == "999"
    assert lookup.code("+19175550123") == looked_up("+19175550123")  # not pinned: the lookup


def test_the_reported_carrier_is_the_sent_one_else_the_looked_up_one() -> None:
    on = CarrierLookup.build(True)
    assert on.reported(person("+12135551234", "383")) == "383"
    assert on.reported(person("+12135551234")) == looked_up("+12135551234")
    assert on.reported(person(None)) is None
    off = CarrierLookup.build(False, {"+1": "104"})
    assert off.reported(person("+12135551234")) is None
    assert off.reported(person("+12135551234", "383")) == "383"


@pytest.mark.parametrize(
    ("default", "config", "enabled"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"carrier_lookup": False}, False),
        (False, {"carrier_lookup": True}, True),
    ],
)
def test_a_company_setting_wins_over_the_server_default(
    default: bool, config: dict[str, object], enabled: bool
) -> None:
    assert for_company(default, config).enabled is enabled
