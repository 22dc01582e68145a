"""The factory's quick draws give exactly the numbers of ``random.Random``'s own methods, so a seed's
payloads (and the checked-in fixtures/) do not depend on which of the two made them."""

from __future__ import annotations

import random
import string
import uuid

from hypothesis import given
from hypothesis import strategies as st

from catapult_sim.core.ids import uuid4_text
from catapult_sim.testing.factories import PayloadFactory, _below


@given(st.integers(0, 2**32), st.lists(st.integers(1, 10**12), min_size=1, max_size=50))
def test_below_draws_what_randrange_draws(seed: int, bounds: list[int]) -> None:
    mine, theirs = random.Random(seed), random.Random(seed)
    below = _below(mine)
    assert [below(n) for n in bounds] == [theirs.randrange(n) for n in bounds]


def test_pick_between_and_token_match_choice_randrange_and_choices() -> None:
    f = PayloadFactory(11)
    other = random.Random()
    other.setstate(f.rng.getstate())
    seq = ("a", "b", "c", "d", "e")
    for _ in range(500):
        assert f.pick(seq) == other.choice(seq)
        assert f.between(200, 1000) == other.randrange(200, 1000)
        assert f.token(12) == "".join(other.choices(string.ascii_uppercase + string.digits, k=12))


@given(st.integers(0, 2**128 - 1))
def test_uuid4_text_is_the_uuid_modules(n: int) -> None:
    assert uuid4_text(n) == str(uuid.UUID(int=n, version=4))
