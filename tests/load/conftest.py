"""Locust runs only in child processes: importing it here would monkey-patch pytest's own process."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_gevent_in_pytest() -> Iterator[None]:
    yield
    assert "gevent" not in sys.modules, "a test imported Locust (gevent) into the pytest process"
