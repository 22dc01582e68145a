"""``catapult-sim openapi`` and ``catapult-sim fixtures generate|sample``.

``generate`` writes seeded payloads (identical for the same options) to stdout or to one file per
type, validates them against ``catapult_sim/schemas`` and can POST them to a receiver (``--send-to``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from catapult_sim.cli.common import fail

PROGRESS_MIN = 1000  # the progress bar shows from this many payloads on (on a terminal)


def register(sub: Any) -> None:
    """Register ``openapi`` and ``fixtures`` on the ``catapult-sim`` parser."""
    p = sub.add_parser("openapi", help="print or write the OpenAPI 3.1 document")
    p.add_argument("--out", help="file to write (default: stdout)")
    p.set_defaults(handler=_openapi)
    fixtures = sub.add_parser("fixtures", help="generate seeded sample payloads").add_subparsers(metavar="ACTION")
    g = fixtures.add_parser("generate", help="generate payloads of one type or all")
    g.add_argument("--type", default="all", help="payload type (subscription_removed, person-response, ...) or all")
    g.add_argument("--count", type=_count, default=1, help="payloads per type (default 1)")
    g.add_argument("--seed", default="0", help="seed; the same seed and options give identical output")
    g.add_argument("--api-version", type=int, choices=(1, 2), default=2, help="MDN form (default 2: E.164)")
    g.add_argument("--locale", default="en_US", help="Faker locale for names and numbers (default en_US)")
    g.add_argument("--format", choices=("json", "jsonl"), default="json", help="a JSON array, or one per line")
    g.add_argument("--out", help="directory: one <type>.json or <type>.jsonl per type (default: stdout)")
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override (repeatable)")
    g.add_argument("--validate", choices=("first", "all", "none"), default="first",
                   help="check the first payload of each type (default), every payload, or none")  # fmt: skip
    g.add_argument("--send-to", metavar="URL", help="also send every payload to URL, as a callback would")
    g.add_argument("--method", choices=("POST", "PUT"), default="POST", help="method for --send-to")
    g.set_defaults(handler=_generate)
    s = fixtures.add_parser("sample", help="write the checked-in sample set (fixtures/)")
    s.add_argument("--out", default="fixtures", help="directory (default fixtures)")
    s.set_defaults(handler=_sample)


def _count(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise argparse.ArgumentTypeError("count must be 0 or more")
    return value


def _openapi(args: argparse.Namespace) -> int:
    from catapult_sim.routes import openapi_document

    text = openapi_document().decode("utf-8") + "\n"
    if args.out:
        with _writing(args.out):
            Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from catapult_sim.testing import samples

    with _writing(args.out):
        written = samples.write(Path(args.out))
    print(f"wrote {len(written)} files under {args.out}", file=sys.stderr)
    return 0


def _generate(args: argparse.Namespace) -> int:
    from catapult_sim.testing.payloads import PAYLOAD_TYPES, canonical

    try:
        overrides = dict(_pair(item) for item in args.set)
        types = list(PAYLOAD_TYPES) if args.type == "all" else [canonical(args.type)]
    except (KeyError, ValueError) as exc:
        print(f"catapult-sim fixtures: {exc.args[0]}", file=sys.stderr)
        return 2
    total = args.count * len(types)
    with _progress(total) as bar, _writing(args.out):
        try:
            sent = _emit(args, types, overrides, bar)
        except (ValueError, TypeError) as exc:
            print(f"catapult-sim fixtures: {exc}", file=sys.stderr)
            return 1
        except BrokenPipeError:  # the reader (head, less) went away: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    return _report(sent) if args.send_to else 0


@contextmanager
def _writing(out: str | None) -> Iterator[None]:
    """A path given with --out that cannot be written is the user's to fix: one line, exit 2."""
    try:
        yield
    except OSError as exc:
        if out is None or isinstance(exc, BrokenPipeError):
            raise
        fail(f"--out {out}: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))


def _pair(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set needs KEY=VALUE, not {item!r}")
    return key.strip(), value


def _batches(args: argparse.Namespace, kind: str, overrides: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One type's payloads, validated as asked (a bad --set is caught on the first payload)."""
    from catapult_sim import schemas
    from catapult_sim.testing.factories import PayloadFactory
    from catapult_sim.testing.payloads import schema_of

    factory = PayloadFactory(
        f"{args.seed}:{kind}", locale=args.locale, api_version=args.api_version, overrides=overrides
    )
    for i, body in enumerate(factory.generate(kind, args.count)):
        if args.validate == "all" or (args.validate == "first" and i == 0):
            found = schemas.problems(schema_of(kind), body)
            if found:
                raise ValueError(f"{kind} payload breaks its schema: " + "; ".join(p.message for p in found))
        yield body


def _emit(args: argparse.Namespace, types: list[str], overrides: dict[str, Any], bar: Any) -> Counter[str]:
    sender = _Sender(args.send_to, args.method) if args.send_to else None
    try:
        for kind in types:
            bodies = _tap(_batches(args, kind, overrides), bar, sender)
            if args.out:
                folder = Path(args.out)
                folder.mkdir(parents=True, exist_ok=True)
                with (folder / f"{kind}.{args.format}").open("w", encoding="utf-8", newline="\n") as fh:
                    write_payloads(bodies, args.format, fh)
            else:
                write_payloads(bodies, args.format, sys.stdout)
    finally:
        if sender is not None:
            sender.close()
    return sender.outcomes if sender is not None else Counter()


def _tap(bodies: Iterable[dict[str, Any]], bar: Any, sender: _Sender | None) -> Iterator[dict[str, Any]]:
    for body in bodies:
        if sender is not None:
            sender.send(body)
        bar.update(1)
        yield body


def write_payloads(bodies: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    """json: one 2-space indented array (as ``json.dumps(list, indent=2)``); jsonl: one per line."""
    if fmt == "jsonl":
        from catapult_sim.core.jsonio import dumps  # the same text as json.dumps(compact, UTF-8), faster

        for body in bodies:
            out.write(dumps(body) + "\n")
        return
    first = True
    for body in bodies:
        out.write("[\n  " if first else ",\n  ")
        # JSON text holds no raw newlines inside strings, so indenting every line is safe.
        out.write(json.dumps(body, indent=2, ensure_ascii=False).replace("\n", "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")


class _Sender:
    """Sends payloads to a receiver the way a callback is sent; counts the outcomes."""

    def __init__(self, url: str, method: str) -> None:
        import httpx

        self.url, self.method = url, method
        self.client = httpx.Client(timeout=10.0, headers={"Content-Type": "application/json"})
        self.outcomes: Counter[str] = Counter()
        self._error = httpx.HTTPError

    def send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            status = self.client.request(self.method, self.url, content=data).status_code
            self.outcomes[str(status)] += 1
        except self._error as exc:
            self.outcomes[type(exc).__name__] += 1

    def close(self) -> None:
        self.client.close()


def _report(outcomes: Counter[str]) -> int:
    summary = ", ".join(f"{key}: {n}" for key, n in sorted(outcomes.items()))
    print(f"sent {sum(outcomes.values())} payloads ({summary or 'none'})", file=sys.stderr)
    return 0 if all(key.startswith("2") for key in outcomes) else 1


def _progress(total: int) -> Any:
    """A tqdm bar on stderr for large runs on a terminal; a no-op otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, unit="payload", file=sys.stderr, disable=True if total < PROGRESS_MIN else None)
