"""The built-in demo seed and seed-file handling.

A seed file (JSON) describes companies; a ``template`` describes what a company key that is not in
the seed gets on first use (docs/seed.md). Anything a company leaves out comes from the template.

Test-control keys (docs/error-handling.md): a company's (or the template's) ``rate_limit`` is its
requests per second (0 = none; null/absent = the ``--rate-limit`` default), read by
``core.ratelimit``; a top-level ``faults`` array holds fault rules (the ``POST /_sim/faults`` shape)
active from the start, loaded by ``simulator.middleware``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

# The credentials are the example Vibes uses in its authentication docs (fact sheet §1.2).
DEMO_USERNAME = "VibesUser"
DEMO_PASSWORD = "Password123"
DEMO_COMPANY = "demo"

DEMO_TEMPLATE: dict[str, Any] = {
    "username": DEMO_USERNAME,
    "password": DEMO_PASSWORD,
    "lists": [
        {"id": "1001", "name": "Demo Newsletter"},
        {"id": "1002", "name": "Demo Promotions"},
        {"id": "1003", "name": "Demo Alerts"},
    ],
    "campaigns": [
        {
            "acquisition_id": "DemoSOI1",
            "description": "Demo newsletter sign-up (single opt-in)",
            "list_id": "1001",
            "double_opt_in": False,
            "keywords": ["JOIN", "NEWS"],
        },
        {
            "acquisition_id": "DemoDOI1",
            "description": "Demo promotions sign-up (double opt-in)",
            "list_id": "1002",
            "double_opt_in": True,
            "keywords": ["PROMO", "DEALS"],
        },
        {
            "acquisition_id": "DemoDOI2",
            "description": "Demo alerts sign-up (double opt-in, 1 hour to confirm)",
            "list_id": "1003",
            "double_opt_in": True,
            "keywords": ["ALERTS"],
            "confirm_hours": 1,
        },
        {
            "acquisition_id": "DemoPast",
            "description": "Demo campaign that has ended",
            "list_id": "1001",
            "double_opt_in": False,
            "keywords": ["OLDNEWS"],
            "status": "past",
        },
    ],
    "custom_fields": {
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "email": {"type": "string"},
        "zip_code": {"type": "string"},
        "birthdate": {"type": "date"},
        "gender": {"type": "select", "options": ["male", "female", "other"]},
        "loyalty_tier": {"type": "select", "options": ["bronze", "silver", "gold"]},
        "favorite_stores": {"type": "multiselect", "options": ["downtown", "airport", "online"]},
    },
    # Numbers the simulated carrier lookup treats as landlines (participant add answers 422).
    "landlines": ["+12135550199", "+12135550198"],
    "rate_limit": None,
}

DEMO_SEED: dict[str, Any] = {"template": DEMO_TEMPLATE, "companies": [{"key": DEMO_COMPANY}]}


class SeedError(ValueError):
    """A seed file that cannot be used; the message says where."""


def load_seed(path: str | None) -> dict[str, Any]:
    """Read a seed file, or return the demo seed when ``path`` is None."""
    if path is None:
        return copy.deepcopy(DEMO_SEED)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedError(f"cannot read seed file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("companies", []), list):
        raise SeedError(f"seed file {path}: expected an object with a 'companies' array")
    data.setdefault("template", copy.deepcopy(DEMO_TEMPLATE))
    data.setdefault("companies", [])
    return data


def company_spec(seed: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The full spec of ``key`` (template values filled in), or None if the seed does not name it."""
    for spec in seed.get("companies", []):
        if isinstance(spec, dict) and spec.get("key") == key:
            return merged(seed.get("template") or {}, spec, key)
    return None


def merged(template: dict[str, Any], spec: dict[str, Any], key: str) -> dict[str, Any]:
    out = copy.deepcopy(template)
    out.update(copy.deepcopy(spec))
    out["key"] = key
    out.setdefault("username", DEMO_USERNAME)
    out.setdefault("password", DEMO_PASSWORD)
    return out


def normalize_options(options: list[Any]) -> list[dict[str, Any]]:
    """Select options as Vibes shows them: ``{id, name, option_key, active}`` (fact sheet §2.2)."""
    out = []
    for i, opt in enumerate(options, start=1):
        if isinstance(opt, str):
            opt = {"option_key": opt, "name": opt.replace("_", " ").title()}
        out.append(
            {
                "id": str(opt.get("id", i)),
                "name": opt.get("name", opt["option_key"]),
                "option_key": opt["option_key"],
                "active": bool(opt.get("active", True)),
            }
        )
    return out
