"""The compiled validator (jsonschema-rs) says yes exactly when jsonschema does.

Request validation asks the compiled validator first and only asks jsonschema for the messages of a
rejected body (catapult_sim/schemas.py). If the two ever disagreed, the simulator would accept a body
its own schema rejects, or answer 422 with no problem listed; these tests look for any disagreement
on valid bodies from the public strategies and on those bodies broken in typical ways.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catapult_sim import schemas
from catapult_sim.testing import strategies

NAMES = sorted(strategies.BY_SCHEMA)

# Values a client might send in the wrong place: wrong types, edge strings, nested junk.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", " ", "+12135551234", "2135551234", "2026-13-45", "x" * 200, "\u00e9\U0001f600"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)


def agree(name: str, body: Any) -> None:
    fast = bool(schemas.fast_validator(name).is_valid(body))
    slow = schemas.validator(name).is_valid(body)
    assert fast == slow, f"{name}: jsonschema-rs says {fast}, jsonschema says {slow} for {body!r}"


@st.composite
def broken(draw: st.DrawFn, body: Any) -> Any:
    """``body`` with one value somewhere replaced by junk, one key removed, or one key added."""
    if not isinstance(body, dict) or not body:
        return draw(JUNK)
    paths: list[tuple[dict[str, Any], str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                paths.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body)
    parent, key = draw(st.sampled_from(paths))
    action = draw(st.sampled_from(["replace", "remove", "add"]))
    if action == "replace":
        parent[key] = draw(JUNK)
    elif action == "remove":
        del parent[key]
    else:
        parent[draw(st.text(min_size=1, max_size=8))] = draw(JUNK)
    return body


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_the_validators_agree(name: str, data: st.DataObject) -> None:
    body = data.draw(strategies.for_schema(name))
    agree(name, body)
    agree(name, data.draw(broken(body)))


@pytest.mark.parametrize("name", NAMES)
def test_every_example_is_valid_to_both(name: str) -> None:
    for example in schemas.schema(name).get("examples", []):
        assert schemas.fast_validator(name).is_valid(example)
        assert schemas.validator(name).is_valid(example)


def test_a_rejected_body_still_lists_every_problem() -> None:
    body = {"mobile_phone": {"mdn": 5}, "surprise": True}
    found = schemas.problems("person-request", body)
    messages = " | ".join(p.message for p in found)
    assert len(found) == 2, messages
    assert "surprise" in messages and "mobile_phone.mdn" in messages
