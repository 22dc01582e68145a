"""The inspector: the simulator seen and driven from a browser, at ``/_sim/ui/``.

Server-rendered pages (Jinja2, autoescaped) with htmx and server-sent events for live parts, every
script and style vendored under ``static/``. It reads through core and acts only by calling the
control API's own endpoint functions, so it adds no behaviour the API lacks.
"""

from __future__ import annotations

from starlette.applications import Starlette

from catapult_sim.sim import Simulator
from catapult_sim.ui.feed import Feed
from catapult_sim.ui.guard import UiState
from catapult_sim.ui.queries import marks


def install(app: Starlette, sim: Simulator) -> None:
    """Give ``app`` the inspector's state: a live feed over ``sim`` (idle until a page listens)."""
    app.state.ui = UiState(feed=Feed(lambda: marks(sim)))
