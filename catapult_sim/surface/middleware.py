"""Test control around the Catapult surface: request journal, fault injection and rate limits."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from catapult_sim.core.seed import SeedError
from catapult_sim.sim import Simulator
from catapult_sim.surface.asgi import ControlMiddleware
from catapult_sim.surface.faults import FaultSpecError
from catapult_sim.surface.journal import PathTable

__all__ = ["ControlMiddleware", "install", "path_table"]


def path_table() -> PathTable:
    """The Catapult operations of the routing table, as the journal and fault rules name them."""
    from catapult_sim.routes import CATAPULT_OPS

    return PathTable((op.method, op.path) for op in CATAPULT_OPS)


def install(app: Starlette, sim: Simulator) -> None:
    """Wrap ``app`` in the control middleware and load the seed file's ``faults``.

    The middleware goes *outside* Starlette's own stack (not through ``add_middleware``) so that it
    records the final answer, 500s included, and so that ``send`` is still the server's own, which
    connection-level faults need (see :mod:`catapult_sim.surface.wire`). Middleware that others add
    with ``add_middleware`` keeps working: the stack is still built lazily on the first request.
    """
    table = path_table()
    app.state.catapult_paths = table
    _load_seed_faults(sim, table)
    build = app.build_middleware_stack

    def build_stack() -> Any:
        return ControlMiddleware(build(), sim, table)

    app.build_middleware_stack = build_stack  # type: ignore[method-assign]


def _load_seed_faults(sim: Simulator, table: PathTable) -> None:
    specs = sim.seed.get("faults")
    if sim.faults.seeded or specs is None:
        return
    if not isinstance(specs, list):
        raise SeedError("seed file: 'faults' must be an array of fault rules")
    try:
        sim.faults.add_all(specs, table)
    except FaultSpecError as exc:
        raise SeedError(f"seed file faults: {exc}") from None
    sim.faults.seeded = True
