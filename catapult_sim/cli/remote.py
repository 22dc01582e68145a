"""The one way commands talk to a running simulator: the ``--url`` option, the HTTP client, the paths.

Every /_sim path is written relative to :data:`SIM` (``call(args, "GET", "/health")``), and every
request goes through :func:`client`, so a command module never builds its own ``httpx.Client``.
An unreachable simulator is a :class:`~catapult_sim.cli.common.UsageError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import functools
import os
from typing import TYPE_CHECKING, Any

from catapult_sim.cli.common import fail, print_json

if TYPE_CHECKING:  # httpx loads with the first remote call: ``serve`` (which never makes one) starts sooner
    import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
URL_ENV = "CATAPULT_SIM_URL"
TOKEN_ENV = "CATAPULT_SIM_CONTROL_TOKEN"
SIM = "/_sim"
TIMEOUT = 10.0


@functools.cache
def url_option() -> argparse.ArgumentParser:
    """The ``--url`` parent parser (``parents=[url_option()]``), built once for every command."""
    url = os.environ.get(URL_ENV, DEFAULT_URL)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=url, help=f"simulator base URL (default {url}; env {URL_ENV})")
    common.add_argument(
        "--control-token",
        action=_TokenToEnv,
        metavar="TOKEN",
        help=f"the simulator's control token, sent as Authorization: Bearer (env {TOKEN_ENV})",
    )
    return common


class _TokenToEnv(argparse.Action):
    """Kept in the environment variable, which every /_sim call of the process reads."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        os.environ[TOKEN_ENV] = str(values)


def control_headers() -> dict[str, str]:
    """``Authorization: Bearer`` with the control token, when one is set (``--control-token`` or
    ``CATAPULT_SIM_CONTROL_TOKEN``)."""
    token = os.environ.get(TOKEN_ENV)
    return {"Authorization": f"Bearer {token}"} if token else {}


def client(url: str, timeout: float = TIMEOUT, **kwargs: Any) -> httpx.Client:
    """The HTTP client of every remote command (``kwargs``: headers, auth)."""
    import httpx

    return httpx.Client(base_url=url.rstrip("/"), timeout=timeout, **kwargs)


def sim_path(path: str, company: str | None = None) -> str:
    """``/_sim`` + path, or ``/_sim/companies/{company}`` + path."""
    return f"{SIM}/companies/{company}{path}" if company is not None else SIM + path


def send(url: str, method: str, path: str, body: Any = None, params: Any = None, **kwargs: Any) -> httpx.Response:
    """One request to ``url`` + ``path``; an unreachable URL is a UsageError."""
    import httpx

    if path.startswith(SIM + "/"):
        if "headers" not in kwargs and "auth" not in kwargs:
            kwargs["headers"] = control_headers()
        if body is None and method == "POST":
            body = {}  # control POSTs that change state take a JSON body, empty when nothing to say
    try:
        with client(url, **kwargs) as http:
            return http.request(method, path, json=body, params=params)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {url}: {exc}")


def fetch(args: argparse.Namespace, method: str, path: str, body: Any = None, params: Any = None) -> Any:
    """The JSON answer of a /_sim call that must succeed (a failure is a UsageError)."""
    resp = send(args.url, method, sim_path(path), body, params)
    if not resp.is_success:
        fail(f"{method} {SIM}{path} answered {resp.status_code}: {resp.text}")
    return resp.json()


def call(
    args: argparse.Namespace,
    method: str,
    path: str,
    body: Any = None,
    params: Any = None,
    *,
    company: str | None = None,
) -> int:
    """A /_sim call whose answer is printed as JSON: exit 0 on success, 1 on an error answer."""
    return show(send(args.url, method, sim_path(path, company), body, params))


def show(resp: httpx.Response) -> int:
    """Print an answer's JSON (or text); 0 for a 2xx, else 1."""
    try:
        data = resp.json()
    except ValueError:
        data = resp.text
    print_json(data)
    return 0 if resp.is_success else 1


def only(**values: Any) -> dict[str, Any]:
    """The values that were given (not None): a body or query without the unset options."""
    return {k: v for k, v in values.items() if v is not None}
