"""The app factory: ``create_app(settings)`` builds one Simulator and serves it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from catapult_sim._http import AccessGuard
from catapult_sim.errors import CatapultError, Code, MethodNotAllowed, NotFound, Problem
from catapult_sim.routes import CatapultDispatch, build_routes, catapult_paths
from catapult_sim.settings import Settings
from catapult_sim.sim import Simulator
from catapult_sim.surface.asgi import ControlMiddleware
from catapult_sim.surface.journal import PathTable
from catapult_sim.ui import install as install_inspector


class SimulatorApp(Starlette):
    """Starlette, with the test-control middleware (journal, faults, rate limits) outermost.

    It wraps the whole stack Starlette builds, outside ``ServerErrorMiddleware`` (which
    ``add_middleware`` cannot reach), so that it records the final answer, 500s included, and so that
    ``send`` is still the server's own, which connection-level faults need (surface/wire.py).
    Middleware that others add with ``add_middleware`` still goes inside it.
    """

    def __init__(self, simulator: Simulator, paths: PathTable, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.simulator = simulator
        self.catapult_paths = paths

    def build_middleware_stack(self) -> ASGIApp:
        dispatch = CatapultDispatch(self, self.catapult_paths)
        wrapped = ControlMiddleware(super().build_middleware_stack(), self.simulator, self.catapult_paths, dispatch)
        return cast(ASGIApp, AccessGuard(wrapped, self.simulator))  # the control token, outermost


def create_app(settings: Settings | None = None, *, sim: Simulator | None = None) -> Starlette:
    """A fresh simulator app. No module-level state: every call builds a new one."""
    settings = settings or Settings()
    simulator = sim or Simulator(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await simulator.callbacks.start()  # the callback dispatcher runs while the app does
        drop = simulator.extract_drop
        dropping = asyncio.create_task(drop.run()) if drop is not None else None  # --extract-dir
        try:
            yield
        finally:
            if dropping is not None:
                dropping.cancel()
            await app.state.ui.feed.close()
            await simulator.callbacks.stop()

    paths = catapult_paths()
    simulator.load_seed_faults(paths)  # the seed file's fault rules, active from the start
    app = SimulatorApp(
        simulator,
        paths,
        routes=build_routes(),
        lifespan=lifespan,
        exception_handlers={
            CatapultError: _catapult_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.router.redirect_slashes = False
    app.state.sim = simulator
    app.state.catapult_paths = paths
    install_inspector(app, simulator)  # the pages under /_sim/ui and their live feed
    return app


def render(err: CatapultError) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="catapult-sim"'} if err.status == 401 else None
    return JSONResponse(err.envelope(), status_code=err.status, headers=headers)


async def _catapult_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CatapultError)
    return render(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return render(NotFound(f"no such resource: {request.method} {request.url.path}"))
    if exc.status_code == 405:
        resp = render(MethodNotAllowed(f"method {request.method} is not allowed on {request.url.path}"))
        if exc.headers and "Allow" in exc.headers:
            resp.headers["Allow"] = exc.headers["Allow"]
        return resp
    err = CatapultError(problems=[Problem(Code.INVALID, str(exc.detail))])
    err.status = exc.status_code
    return render(err)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A bug, never a contract: still answered in the envelope, so clients can parse it."""
    body = {"errors": [{"code": 500, "message": f"internal simulator error: {type(exc).__name__}: {exc}"}]}
    return JSONResponse(body, status_code=500)
