"""The built-in demo seed and seed-file handling.

A seed file (JSON) describes companies; a ``template`` describes what a company key that is not in
the seed gets on first use (docs/seed.md). Anything a company leaves out comes from the template.

Test-control keys (docs/error-handling.md): a company's (or the template's) ``rate_limit`` is its
requests per second (0 = none; null/absent = the ``--rate-limit`` default), read by
``core.ratelimit``; a top-level ``faults`` array holds fault rules (the ``POST /_sim/faults`` shape)
active from the start, loaded by ``Simulator.load_seed_faults`` when the app is built.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from catapult_sim.core import jsonio
from catapult_sim.core.clock import parse_iso

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
    """A seed file that cannot be used; the message says where (``problems``: one line each)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def load_seed(path: str | None) -> dict[str, Any]:
    """Read a seed file, or return the demo seed when ``path`` is None.

    The file must follow ``catapult_sim/schemas/sim-seed.json`` and make sense as a whole (see
    :func:`seed_problems`); otherwise :class:`SeedError` lists every problem with its JSON path.
    """
    if path is None:
        return copy.deepcopy(DEMO_SEED)
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text, parse_constant=_not_json, parse_float=jsonio.finite_float)
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON, 4,300+ digits, 1e400
        raise SeedError(f"cannot read seed file {path}: {str(exc)[:300]}") from None
    except RecursionError:
        data = _TOO_DEEP  # nested past the parser's limit: worded below
    if data is _TOO_DEEP or (jsonio.may_be_deep(text) and jsonio.too_deep(data)):
        raise SeedError(f"seed file {path} nests arrays and objects more than {jsonio.MAX_DEPTH} levels deep")
    problems = seed_problems(data)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        lines = "\n".join(f"  {p}" for p in problems)
        raise SeedError(f"seed file {path} has {count} (see docs/seed.md):\n{lines}", problems)
    data.setdefault("template", copy.deepcopy(DEMO_TEMPLATE))
    return dict(data)


_TOO_DEEP: Any = object()


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def seed_problems(data: Any) -> list[str]:
    """Every problem of a seed, each ``"$.json.path: what is wrong"``: the schema's, then the rest."""
    from catapult_sim import schemas  # here, so CLI commands that never read a seed do not load jsonschema

    found = [_describe(e) for e in _leaves(schemas.validator("sim-seed").iter_errors(data))]
    if isinstance(data, dict):
        found += _semantic_problems(data)
    lone = jsonio.lone_surrogate(data)
    if lone is not None:
        found.append(f"$: the string {lone!r} holds a lone UTF-16 surrogate, which is not a character")
    return sorted(set(found), key=found.index)


def _leaves(errors: Any) -> list[Any]:
    """The errors to show: for anyOf/oneOf, those of the alternative the value was meant for."""
    out = []
    for err in errors:
        if err.validator in ("anyOf", "oneOf") and err.context:
            branches: dict[int, list[Any]] = {}
            for sub in err.context:
                branches.setdefault(sub.relative_schema_path[0], []).append(sub)
            meant = [b for b in branches.values() if not any(_wrong_kind(s) for s in b)]
            if len(meant) == 1:
                out.extend(_leaves(meant[0]))
                continue
        out.append(err)
    return sorted(out, key=lambda e: [str(p) for p in e.absolute_path])


def _wrong_kind(err: Any) -> bool:
    """The value is not even of the kind this alternative describes (an object for a type name)."""
    return len(err.relative_schema_path) <= 2 and err.validator in ("type", "enum", "const")


def _where(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(err: Any) -> str:
    where = _where(err.absolute_path)
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"{where}: {missing} is required"
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return f"{where}: unknown field{'s' if len(extra) > 1 else ''} {', '.join(extra)}"
    if err.validator == "pattern":
        return f"{where}: {json.dumps(err.instance)} does not match {err.validator_value}"
    if err.validator in ("anyOf", "oneOf"):
        forms = " or ".join(_form(branch) for branch in err.validator_value)
        return f"{where}: {json.dumps(err.instance)[:80]} is not {forms}"
    return f"{where}: {err.message}"


def _form(schema: dict[str, Any]) -> str:
    """What an alternative of an anyOf accepts, in words."""
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    kinds = schema.get("type", [])
    words = [_WORDS.get(str(k), str(k)) for k in (kinds if isinstance(kinds, list) else [kinds])]
    return " or ".join(words) or "a value of another form"


_WORDS: dict[str, str] = {"integer": "an integer", "number": "a number", "string": "a string",
                          "object": "an object", "array": "an array", "boolean": "true or false"}  # fmt: skip


def _semantic_problems(data: dict[str, Any]) -> list[str]:
    """What the schema cannot say: unique keys and ids, campaigns that name a list of their own
    company, real dates in order. Parts the schema already refused are skipped."""
    problems: list[str] = []
    companies = [c for c in _items(data.get("companies")) if isinstance(c.get("key"), str)]
    keys: dict[str, int] = {}
    for i, spec in enumerate(_items(data.get("companies"))):
        key = spec.get("key")
        if isinstance(key, str) and key in keys:
            problems.append(f"$.companies[{i}].key: company {key!r} is already $.companies[{keys[key]}]")
        elif isinstance(key, str):
            keys[key] = i
    template = data.get("template")
    if isinstance(template, dict):
        problems += _company_problems(template, template, "$.template", "the template")
    base = template if isinstance(template, dict) else DEMO_TEMPLATE
    for i, spec in enumerate(_items(data.get("companies"))):
        if spec in companies:
            full = merged(base, spec, spec["key"])
            problems += _company_problems(spec, full, f"$.companies[{i}]", f"company {spec['key']!r}")
    return problems


def _items(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (a value of another shape was reported by the schema)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _company_problems(own: dict[str, Any], full: dict[str, Any], where: str, name: str) -> list[str]:
    """Problems of one company as it will be created (``full``: with the template's fields)."""
    problems: list[str] = []

    def at(field: str, index: int) -> str:
        # A field the company leaves out comes from the template: say so.
        return f"{where}.{field}[{index}]" if field in own else f"{where} (from the template's {field}[{index}])"

    lists = full.get("lists")
    lists = lists if isinstance(lists, list) else []
    list_ids = [str(lst.get("id")) if isinstance(lst, dict) else None for lst in lists]
    for i, list_id in enumerate(list_ids):
        if list_id is not None and list_id in list_ids[:i]:
            problems.append(f"{at('lists', i)}.id: list {list_id!r} is defined twice in {name}")
    campaigns = full.get("campaigns")
    campaigns = campaigns if isinstance(campaigns, list) else []
    seen: list[Any] = []
    for i, campaign in enumerate(campaigns):
        if not isinstance(campaign, dict):
            continue
        acquisition_id = campaign.get("acquisition_id")
        if isinstance(acquisition_id, str) and acquisition_id in seen:
            problems.append(
                f"{at('campaigns', i)}.acquisition_id: campaign {acquisition_id!r} is defined twice in {name}"
            )
        seen.append(acquisition_id)
        if isinstance(campaign.get("list_id"), str | int) and str(campaign["list_id"]) not in list_ids:
            known = ", ".join(str(x) for x in list_ids if x is not None) or "none"
            wanted = str(campaign["list_id"])
            problems.append(f"{at('campaigns', i)}.list_id: {name} has no list {wanted!r} (its lists: {known})")
        problems += _date_problems(campaign, at("campaigns", i))
    fields = own.get("custom_fields")
    fields = fields if isinstance(fields, dict) else {}
    for field, definition in fields.items():
        options = definition.get("options") if isinstance(definition, dict) else None
        names = [o if isinstance(o, str) else o.get("option_key") for o in _options(options)]
        twice = sorted({k for k in names if isinstance(k, str) and names.count(k) > 1})
        if twice:
            problems.append(f"{where}.custom_fields.{field}.options: {', '.join(twice)} defined twice")
    return problems


def _options(value: Any) -> list[Any]:
    return [o for o in value if isinstance(o, str | dict)] if isinstance(value, list) else []


def _date_problems(campaign: dict[str, Any], where: str) -> list[str]:
    when: dict[str, datetime] = {}
    problems = []
    for name in ("start_date", "end_date"):
        text = campaign.get(name)
        if isinstance(text, str):
            try:
                when[name] = _when(text)
            except ValueError:
                problems.append(f"{where}.{name}: {text!r} is not a real date")
    if len(when) == 2 and when["start_date"] > when["end_date"]:
        problems.append(f"{where}: start_date {campaign['start_date']} is after end_date {campaign['end_date']}")
    return problems


def _when(text: str) -> datetime:
    return parse_iso(text)


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
