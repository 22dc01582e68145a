"""Run an ASGI app (the simulator, or any app) under uvicorn in a background thread on 127.0.0.1.

Used by the pytest plugin and the contract suite; public so users can do the same in their tests::

    with serve_in_thread(create_app(Settings())) as server:
        httpx.get(server.url + "/_sim/health")
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class RunningServer:
    """A server started by :func:`serve_in_thread`."""

    url: str
    port: int
    server: Any
    thread: threading.Thread
    app: Any = None  # the ASGI app it serves

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, timeout: float = 15.0) -> RunningServer:
    """Start uvicorn serving ``app`` and return once it listens (port 0 picks a free port)."""
    import uvicorn

    from catapult_sim import serving
    from catapult_sim.settings import Settings

    sim = getattr(getattr(app, "state", None), "sim", None)
    settings = sim.settings if sim is not None else Settings()
    # The limits ``serve`` runs with (header cap, timeouts); logs stay quiet.
    config = serving.config(app, settings.replace(log_level="warning", access_log=False), host=host, port=port)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="catapult-sim-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the server did not start")
        time.sleep(0.005)
    sock = server.servers[0].sockets[0]
    bound_port = sock.getsockname()[1]
    return RunningServer(f"http://{host}:{bound_port}", bound_port, server, thread, app)


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    """Context manager form of :func:`start_in_thread`."""
    running = start_in_thread(app, host, port)
    try:
        yield running
    finally:
        running.stop()
