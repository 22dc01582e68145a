"""The import rules of docs/architecture.md ("Layers and rules"), checked on every module's imports.

The checker reads each module with ``ast`` (nothing is imported), resolves relative imports and
``from package import module``, and counts imports under ``if TYPE_CHECKING:`` too: a type-only
import is still a dependency a reader has to follow. The synthetic graphs at the end prove that the
checker fails on the violations it is meant to catch.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "catapult_sim"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# The layers, lowest first. A module may import its own component and any component of a LOWER layer;
# components of one layer do not import each other (api and control, say). The most specific prefix
# names a module's component.
LAYERS: list[list[str]] = [
    ["catapult_sim", "catapult_sim.errors", "catapult_sim.settings"],  # leaves
    ["catapult_sim.schemas"],  # loads and checks schemas/*.json (a leaf but for errors)
    ["catapult_sim.core"],  # the Vibes rules over SQLite
    ["catapult_sim.core.callbacks"],  # the callback domain (what is delivered)
    ["catapult_sim.delivery", "catapult_sim.surface"],  # how callbacks are sent; test control of the surface
    ["catapult_sim.sim"],  # the composition root: one Simulator of the parts below
    ["catapult_sim._http", "catapult_sim.openapi"],  # HTTP plumbing; the OpenAPI builder
    ["catapult_sim.api", "catapult_sim.control"],  # the endpoints
    ["catapult_sim.ui"],  # the inspector's pages: read through core, act through control's endpoints
    ["catapult_sim.routes"],  # the one routing table
    ["catapult_sim.app", "catapult_sim.docs_endpoints", "catapult_sim.serving"],  # app factory; docs; uvicorn
    ["catapult_sim.testing"],  # the kit users import (pytest plugin, clients, receiver, suites)
    ["catapult_sim.load"],  # the optional load extra
    ["catapult_sim.cli"],  # the command
    ["catapult_sim.__main__"],  # python -m catapult_sim
]
WEB = {"starlette", "uvicorn", "aiohttp", "httpx", "jinja2"}
NO_WEB = ("catapult_sim.core", "catapult_sim.errors", "catapult_sim.settings", "catapult_sim.schemas")
LOAD_ONLY = {"gevent", "locust"}  # load generators, imported by the optional extra alone


@dataclass(frozen=True)
class Import:
    target: str  # the module imported (a submodule when ``from package import submodule``)
    names: tuple[str, ...] = ()  # the names taken from it (``from target import a, b``)
    line: int = 0


def component(module: str) -> str | None:
    """The most specific component prefix of ``module`` (None: not part of the package)."""
    best = None
    for layer in LAYERS:
        for prefix in layer:
            inside = module == prefix or (prefix != PACKAGE and module.startswith(prefix + "."))
            if inside and (best is None or len(prefix) > len(best)):
                best = prefix
    return best


def layer_of(comp: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if comp in layer)


def is_private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def violations(module: str, imports: list[Import]) -> list[str]:
    """Every rule ``module`` breaks with ``imports``, one line each."""
    out: list[str] = []
    for imp in imports:
        top = imp.target.split(".")[0]
        where = f"{module}:{imp.line} imports {imp.target}"
        if top in WEB and module.startswith(NO_WEB):
            out.append(f"{where}: no web library in the core and the leaves")
        if top in LOAD_ONLY and not module.startswith("catapult_sim.load"):
            out.append(f"{where}: {top} only in catapult_sim.load")
        if top != PACKAGE:
            continue
        out += _layer_problems(module, imp, where)
        out += _private_problems(module, imp, where)
    return out


def _layer_problems(module: str, imp: Import, where: str) -> list[str]:
    mine, theirs = component(module), component(imp.target)
    if mine is None or theirs is None or mine == theirs:
        return []
    if theirs.startswith(mine + "."):
        return [f"{where}: {mine} must not import {theirs}, which sits above it"]
    if mine.startswith(theirs + "."):
        return []  # core.callbacks imports core
    if layer_of(theirs) < layer_of(mine):
        return []
    if layer_of(theirs) == layer_of(mine):
        return [f"{where}: {mine} and {theirs} are side by side and do not import each other"]
    return [f"{where}: {mine} must not import {theirs}, which sits above it"]


def _private_problems(module: str, imp: Import, where: str) -> list[str]:
    """A private module (``pkg._x``) or name (``from pkg.x import _y``) is used within ``pkg`` only."""
    out = []
    parts = imp.target.split(".")
    for i, part in enumerate(parts):
        if is_private(part):
            owner = ".".join(parts[:i])
            if not (module == owner or module.startswith(owner + ".")):
                out.append(f"{where}: {part} is private to {owner}")
    owner = ".".join(parts[:-1]) or PACKAGE
    for name in imp.names:
        if is_private(name) and not (module == owner or module.startswith(owner + ".")):
            out.append(f"{where}: {name} (from {imp.target}) is private to {owner}")
    return out


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, known: set[str], is_package: bool = False) -> list[Import]:
    """The imports of one module's source; ``known`` (every module of the package) resolves submodules."""
    out: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [Import(alias.name, line=node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node, is_package)
            plain = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    out.append(Import(sub, line=node.lineno))  # from package import submodule
                else:
                    plain.append(alias.name)
            if plain:
                out.append(Import(base, tuple(plain), node.lineno))
    return out


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join(parts + ([node.module] if node.module else []))


def package_graph() -> dict[str, list[Import]]:
    files = sorted(ROOT.rglob("*.py"))
    known = {module_name(p) for p in files}
    return {
        module_name(p): imports_of(module_name(p), p.read_text(encoding="utf-8"), known, p.name == "__init__.py")
        for p in files
    }


def check(graph: dict[str, list[Import]]) -> list[str]:
    out = []
    for module, imports in sorted(graph.items()):
        if component(module) is None:
            out.append(f"{module}: not placed in a layer of docs/architecture.md (add it to LAYERS)")
        out += violations(module, imports)
    return out


# -- the package -----------------------------------------------------------------------------------


def test_the_package_follows_the_import_rules() -> None:
    problems = check(package_graph())
    assert not problems, "\n".join(problems)


def test_the_checker_sees_the_whole_package() -> None:
    graph = package_graph()
    assert {"catapult_sim.core.store", "catapult_sim.app", "catapult_sim.cli.main"} <= set(graph)
    # ``from catapult_sim.api import persons`` resolves to the submodule, so the rules see it.
    assert "catapult_sim.api.persons" in {i.target for i in graph["catapult_sim.routes"]}


def test_the_layers_are_written_in_the_architecture_doc() -> None:
    doc = (ROOT.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Layers and rules", 1)[1].split("\n## ", 1)[0]
    for layer in LAYERS:
        for prefix in layer:
            short = prefix.removeprefix("catapult_sim.").replace(".", "/")
            if prefix != PACKAGE:
                assert f"`{short}`" in section, f"docs/architecture.md does not place {short}"


# -- the checker fails where it should (synthetic modules) ------------------------------------------

KNOWN = {"catapult_sim.core", "catapult_sim.core.store", "catapult_sim.routes", "catapult_sim.api.persons"}


def _graph(module: str, source: str, is_package: bool = False) -> dict[str, list[Import]]:
    return {module: imports_of(module, source, KNOWN, is_package)}


def test_a_core_module_importing_starlette_fails() -> None:
    problems = check(_graph("catapult_sim.core.bad", "from starlette.requests import Request\n"))
    assert problems and "no web library" in problems[0]
    assert check(_graph("catapult_sim.core.callbacks.bad", "import aiohttp\n"))


def test_importing_upward_fails() -> None:
    assert check(_graph("catapult_sim.core.bad", "from catapult_sim import routes\n"))
    assert check(_graph("catapult_sim.core.bad", "from ..routes import Op\n"))  # relative, resolved
    assert check(_graph("catapult_sim.app", "import catapult_sim.cli.main\n"))
    assert check(_graph("catapult_sim.core.store", "from catapult_sim.core.callbacks import outbox\n"))
    assert not check(_graph("catapult_sim.api.persons", "from catapult_sim.core import store\n"))


def test_side_by_side_components_fail() -> None:
    assert check(_graph("catapult_sim.control.x", "from catapult_sim.api import persons\n"))
    assert check(_graph("catapult_sim.openapi", "from catapult_sim._http import body\n"))


def test_private_modules_and_names_used_sideways_fail() -> None:
    assert check(_graph("catapult_sim.openapi", "from catapult_sim.control._common import MAX_PAGE\n"))
    assert check(_graph("catapult_sim.cli.x", "from catapult_sim.testing.client import _request\n"))
    assert not check(_graph("catapult_sim.control.x", "from catapult_sim.control._common import body\n"))
    assert not check(_graph("catapult_sim.api.x", "from catapult_sim._http import call\n"))


def test_testing_and_load_are_for_the_command_only() -> None:
    assert check(_graph("catapult_sim.app", "from catapult_sim.testing import receiver\n"))
    assert check(_graph("catapult_sim.testing.x", "import catapult_sim.load\n"))
    assert not check(_graph("catapult_sim.cli.x", "import catapult_sim.load\n"))
    assert not check(_graph("catapult_sim.testing.x", "from catapult_sim.core import store\n"))
    assert check(_graph("catapult_sim.delivery.x", "import locust\n"))
    assert not check(_graph("catapult_sim.load.x", "import gevent\n"))


def test_a_module_outside_every_layer_fails() -> None:
    assert check({"catapult_sim.newthing": []})
