"""A hostile seed file is a SeedError naming the problem (serve: one line, exit 2), never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from catapult_sim.core.seed import SeedError, load_seed

HOSTILE = {
    "nested past the parser": (b"[" * 100_000 + b"]" * 100_000, "levels deep"),
    "nested 1,000 deep": (b'{"companies": [' + b"[" * 1000 + b"]" * 1000 + b"]}", "levels deep"),
    "nested 40 deep": (b'{"companies": [{"key": "a", "x": ' + b"[" * 40 + b"]" * 40 + b"}]}", "levels deep"),
    "huge integer": (b'{"companies": [], "n": ' + b"9" * 4301 + b"}", "4300"),
    "infinite number": (b'{"companies": [], "n": 1e400}', "too large for a double"),
    "NaN": (b'{"companies": [], "n": NaN}', "NaN is not a JSON value"),
    "UTF-16": ('{"companies": []}'.encode("utf-16"), "decode"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_seed_files_are_refused_with_a_reason(tmp_path: Path, name: str) -> None:
    raw, reason = HOSTILE[name]
    seed = tmp_path / "seed.json"
    seed.write_bytes(raw)
    with pytest.raises(SeedError, match=reason):
        load_seed(str(seed))
