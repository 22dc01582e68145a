"""One test per receiver-suite check; a failure shows the payload that broke the receiver."""

from __future__ import annotations

import pytest

from catapult_sim.testing.receiver_suite import FAIL, NAMES, SKIP, Suite
from catapult_sim.testing.receiver_suite.report import failure_block

pytestmark = pytest.mark.skipif(
    "not config.getoption('--catapult-receiver', None)",
    reason="no receiver to check: pass --catapult-receiver URL (or set CATAPULT_RECEIVER)",
)


@pytest.mark.parametrize("check", NAMES)
def test_receiver(receiver_suite: Suite, check: str) -> None:
    result = receiver_suite.run(check)
    if result.status == SKIP:
        pytest.skip(result.reason)
    if result.status == FAIL:
        pytest.fail("\n".join(failure_block(result, receiver_suite.options.budget)), pytrace=False)
