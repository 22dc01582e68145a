"""``catapult-sim serve``: run the simulator. Its flags are the Settings fields (catapult_sim/settings.py).

Every mistake in a flag or a ``CATAPULT_SIM_*`` variable (a busy or impossible port, a missing
directory, an unreadable seed file) is one line naming it, exit 2, before anything listens.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from catapult_sim.cli.common import fail
from catapult_sim.settings import SettingError, Settings, choices, env_name, field_type, flag_name, parse_value

DESCRIPTION = "Run the simulator (uvicorn). Each flag can also be set by the environment variable shown."


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the simulator", description=DESCRIPTION)
    groups: dict[str, Any] = {}
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        where = f.metadata.get("group", "server")
        if where not in groups:
            groups[where] = p.add_argument_group(where)
        _add_flag(groups[where], f, getattr(defaults, f.name))
    p.set_defaults(handler=serve)


def _add_flag(g: Any, f: dataclasses.Field[Any], default: Any) -> None:
    """One flag for one field: ``--<flag>``, its variable and default in the help, None when not given."""
    meta = f.metadata
    shown = "" if default is None or default is False else f"; default {default}"
    options: dict[str, Any] = {"dest": f.name, "default": None, "help": f"{meta['help']} [env {env_name(f)}{shown}]"}
    if field_type(f) is bool:
        options["action"] = "store_const"
        options["const"] = True
    else:
        options["type"] = _parser_of(f)
        options["metavar"] = meta.get("metavar") or _metavar(f)
        if meta.get("const") is not None:
            options.update(nargs="?", const=meta["const"])
        if meta.get("repeat"):
            options["action"] = _Joined
    g.add_argument(f"--{flag_name(f)}", **options)


class _Joined(argparse.Action):
    """A repeatable flag kept as one comma-separated text (the form of its environment variable)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        before = getattr(namespace, self.dest, None)
        setattr(namespace, self.dest, f"{before},{values}" if before else str(values))


def _metavar(f: dataclasses.Field[Any]) -> str:
    allowed = choices(f)
    return "{" + ",".join(allowed) + "}" if allowed else f.name.split("_")[-1].upper()


def _parser_of(f: dataclasses.Field[Any]) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        try:
            return parse_value(f, raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = f.name  # argparse names the type in some messages
    return parse


def settings_of(args: argparse.Namespace) -> Settings:
    """Defaults < environment < flags; a bad variable is a UsageError naming it."""
    try:
        return Settings.from_env(os.environ, **{f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)})
    except SettingError as exc:
        fail(str(exc))


def serve(args: argparse.Namespace) -> int:
    from catapult_sim.cli.banner import configure_logging

    settings = settings_of(args)
    _check_exposure(settings)
    app = _app(settings)
    sock = _bind(settings)
    configure_logging(settings.log_level)
    _server(app, settings).run(sockets=[sock])
    return 0


def _app(settings: Settings) -> Any:
    from catapult_sim.app import create_app
    from catapult_sim.core.dbfile import DatabaseUnavailable
    from catapult_sim.core.seed import SeedError

    try:
        return create_app(settings)
    except SeedError as exc:
        if not exc.problems:  # unreadable, or not JSON
            fail(f"--seed-file {settings.seed_file}: {exc}")
        count = f"{len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''}"
        fail(f"--seed-file {settings.seed_file} has {count} (see docs/seed.md): " + "; ".join(exc.problems))
    except DatabaseUnavailable as exc:  # the message names --db
        fail(str(exc))
    except ValueError as exc:  # a value that passed its own check but not the combination
        fail(str(exc))


def _check_exposure(settings: Settings) -> None:
    """Beyond loopback, anyone who reaches the port could reset, fault or read every company."""
    from catapult_sim.core.callbacks.destinations import is_loopback_host

    if not (is_loopback_host(settings.host) or settings.control_token or settings.insecure_open_control):
        fail(
            f"--host {settings.host} serves beyond loopback: give --control-token TOKEN"
            " (or --insecure-open-control to leave /_sim open to anyone who reaches it)"
        )


def _bind(settings: Settings) -> socket.socket:
    """Take the port before serving, so a busy one is one clear line (uvicorn would log and exit 1)."""
    try:
        infos = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        fail(f"--host {settings.host}: {exc}")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        fail(f"--port {settings.port}: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
    sock.set_inheritable(True)
    return sock


def _server(app: Any, settings: Settings) -> Any:
    import uvicorn

    from catapult_sim.cli.banner import banner
    from catapult_sim.ui import end_streams_on_exit

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            """Print the banner once the app has started (the line tells a caller the real port)."""
            await super().startup(sockets=sockets)
            urls = [_url(sock.getsockname()) for s in self.servers for sock in s.sockets or ()]
            for s in self.servers:
                for sock in s.sockets or ():  # callbacks never come back here (no loops, no /_sim)
                    app.state.sim.callbacks.destinations.listening(*sock.getsockname()[:2])
            for line in banner(urls, app.state.sim.seed):
                print(line, flush=True)

    from catapult_sim import serving

    try:
        config = serving.config(app, settings)  # the connection limits (catapult_sim/serving.py)
    except ValueError as exc:
        fail(str(exc))
    if settings.log_level == "info":  # uvicorn's start-up chatter says less than the banner
        logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    server = Server(config)
    end_streams_on_exit(server, app)  # the inspector's open pages (live streams) do not hold the exit up
    return server


def _url(address: Any) -> str:
    host, port = address[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
