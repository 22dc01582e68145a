"""The inspector: the simulator seen and driven from a browser, at ``/_sim/ui/``.

Server-rendered pages (Jinja2, autoescaped) with htmx and server-sent events for live parts, every
script and style vendored under ``static/``. It reads through core and acts only by calling the
control API's own endpoint functions, so it adds no behaviour the API lacks.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from catapult_sim.sim import Simulator
from catapult_sim.ui.feed import Feed
from catapult_sim.ui.guard import UiState
from catapult_sim.ui.queries import marks


def install(app: Starlette, sim: Simulator) -> None:
    """Give ``app`` the inspector's state: a live feed over ``sim`` (idle until a page listens)."""
    app.state.ui = UiState(feed=Feed(lambda: marks(sim)))


def end_streams_on_exit(server: Any, app: Starlette) -> None:
    """Have uvicorn's exit signal (Ctrl-C, SIGTERM) end the open pages' live streams first.

    Uvicorn waits for open responses before it stops, and a live feed never finishes by itself;
    ending the streams lets the server stop at once (the pages reconnect when it is back).
    """
    original = server.handle_exit
    feed: Feed = app.state.ui.feed

    def handle_exit(sig: int, frame: Any) -> None:
        feed.end_streams()
        original(sig, frame)

    server.handle_exit = handle_exit
