"""What ``catapult-sim serve`` prints: where it listens, the credentials of the loaded seed, and
the simulator's own log lines (failed delivery attempts, paused and recovered destinations)."""

from __future__ import annotations

import logging
import sys
from typing import Any

from catapult_sim.core.seed import company_spec

SHOWN_COMPANIES = 5  # a seed with more companies lists the first ones and says how many more


def seed_lines(seed: dict[str, Any]) -> list[str]:
    """One line per seeded company with its Basic auth credentials."""
    keys = [c["key"] for c in seed.get("companies", []) if isinstance(c, dict) and "key" in c]
    lines = []
    for key in keys[:SHOWN_COMPANIES]:
        spec = company_spec(seed, key) or {}
        lines.append(f"company '{key}': Basic auth {spec.get('username')} / {spec.get('password')}")
    if len(keys) > SHOWN_COMPANIES:
        lines.append(f"... and {len(keys) - SHOWN_COMPANIES} more companies (catapult-sim state -c KEY)")
    return lines


def banner(urls: list[str], seed: dict[str, Any]) -> list[str]:
    return [f"catapult-sim listening on {url}" for url in urls] + seed_lines(seed)


def configure_logging(level: str) -> None:
    """The simulator's INFO lines on stderr as ``catapult-sim: ...``; hidden from ``warning`` up."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("catapult-sim: %(message)s"))
    logger = logging.getLogger("catapult_sim")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level in ("debug", "trace") else level.upper())
    logger.propagate = False
