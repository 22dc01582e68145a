"""``catapult-sim import persons FILE``: send a persons file to a running simulator (docs/bulk-load.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import IO

from catapult_sim.cli.common import fail, print_json
from catapult_sim.cli.remote import client, control_headers, sim_path

LOAD_TIMEOUT = 600.0  # a million persons take seconds to load; the answer comes after COMMIT


def send_persons(args: argparse.Namespace) -> int:
    """Stream the file as the body; a refused file is one line naming its first bad row, exit 2."""
    import httpx

    try:
        source: IO[bytes] = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    except OSError as exc:
        fail(f"cannot read {args.file}: {exc.strerror}")
    params = {"format": args.format} if args.format else None
    try:
        with (
            source,
            client(args.url, timeout=LOAD_TIMEOUT, headers=control_headers()) as http,
        ):
            resp = http.post(sim_path("/persons/import", args.company), content=_chunks(source), params=params)
    except OSError as exc:
        fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except httpx.HTTPError as exc:
        fail(f"cannot reach {args.url}: {exc}")
    data = resp.json() if "json" in resp.headers.get("content-type", "") else resp.text
    if resp.is_success:
        print_json(data)
        return 0
    problems = data.get("errors", []) if isinstance(data, dict) else []
    if resp.status_code in (400, 413, 422) and problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        fail(f"{args.file}: {problems[0].get('message')}{more}; nothing was loaded")
    print_json(data)
    return 1


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(1 << 20):
        yield chunk
