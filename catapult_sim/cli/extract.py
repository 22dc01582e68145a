"""``catapult-sim extract`` and ``catapult-sim import``: the files a CRM syncs through, from a running
simulator (docs/extracts.md, docs/imports.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from catapult_sim.cli.common import fail
from catapult_sim.cli.remote import client, control_headers, send, show, sim_path, url_option

KINDS = {"subscriptions": "subscriptions", "current-subscribers": "current_subscribers"}


def register(sub: Any) -> None:
    company = argparse.ArgumentParser(add_help=False)
    company.add_argument("--company", "-c", default="demo", help="company key (default demo)")

    p = sub.add_parser(
        "extract",
        parents=[url_option(), company],
        help="write a daily extract file (Subscription Extract, Current Subscriber Extract)",
        description="Write one of Vibes' daily extract files for a company and a day: tab-separated, "
        "with a header row, named as Vibes names them.",
    )
    p.add_argument("kind", choices=sorted(KINDS), help="which extract")
    p.add_argument("--date", help="the day, YYYY-MM-DD (default: the simulator clock's day)")
    p.add_argument("--out", help="folder to write the file into (default: print it)")
    p.set_defaults(handler=_extract)

    p = sub.add_parser(
        "import",
        parents=[url_option(), company],
        help="apply a Subscriber Opt-Out Import file, or load a persons file",
        description="opt-outs: send a Subscriber Opt-Out Import file: each row's person is opted out of its "
        "list with bulk_opt_out; prints the per-row results. persons: load a persons file (JSON Lines or CSV, "
        "docs/bulk-load.md) in one transaction, all rows or none; prints the counts.",
    )
    p.add_argument("kind", choices=["opt-outs", "persons"], help="which import")
    p.add_argument("file", help="the file to import (- for stdin)")
    p.add_argument("--format", choices=["jsonl", "csv"], help="persons: the file's format (default: from its start)")
    p.set_defaults(handler=_import)


def _extract(args: argparse.Namespace) -> int:
    params = {}
    if args.date is not None:
        try:
            date.fromisoformat(args.date)
        except ValueError:
            fail(f"--date must be YYYY-MM-DD, not {args.date!r}")
        params["date"] = args.date
    if args.out is not None and not Path(args.out).is_dir():
        fail(f"--out {args.out!r} is not a folder")
    resp = send(args.url, "GET", sim_path(f"/extracts/{KINDS[args.kind]}", args.company), params=params)
    if not resp.is_success:
        fail(f"the simulator answered {resp.status_code}: {resp.text}")
    made = resp.json()
    if args.out is None:
        sys.stdout.write(made["content"])
        return 0
    target = Path(args.out) / made["file_name"]
    try:
        target.write_text(made["content"], encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"--out: cannot write {target}: {exc.strerror}")
    print(f"{target} ({made['rows']} rows)")
    return 0


def _import(args: argparse.Namespace) -> int:
    import httpx  # with the command that uses it: every command, serve included, loads this module

    if args.kind == "persons":
        from catapult_sim.cli.persons_file import send_persons

        return send_persons(args)
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        fail(f"cannot read {args.file}: {exc.strerror}")
    path = sim_path("/imports/opt-outs", args.company)
    try:
        with client(args.url, headers=control_headers()) as http:  # the body is the file itself, not JSON
            resp = http.post(path, content=raw, headers={"Content-Type": "text/plain"})
    except httpx.HTTPError as exc:
        fail(f"cannot reach {args.url}: {exc}")
    return show(resp)
