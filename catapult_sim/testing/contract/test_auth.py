"""Authentication and the error envelope (fact sheet §1.2, §1.5)."""

from __future__ import annotations

import httpx

from catapult_sim.testing.contract._checks import error
from catapult_sim.testing.contract.conftest import Target


def test_missing_credentials_are_refused(target: Target) -> None:
    resp = httpx.get(f"{target.url}/companies/{target.company}/mobiledb/subscription_lists")
    assert resp.status_code in (401, 403)


def test_wrong_password_is_refused(target: Target) -> None:
    resp = httpx.get(
        f"{target.url}/companies/{target.company}/mobiledb/subscription_lists",
        auth=(target.user, target.password + "-wrong"),
    )
    assert resp.status_code in (401, 403)


def test_unknown_route_answers_in_the_envelope(target: Target) -> None:
    resp = httpx.get(
        f"{target.url}/companies/{target.company}/mobiledb/no-such-thing", auth=(target.user, target.password)
    )
    error(resp, 404)
