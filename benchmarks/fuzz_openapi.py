"""Fuzz a real ``catapult-sim serve`` process with Schemathesis over two OpenAPI documents.

Not a speed benchmark: a long fuzz run, too long for ``make test``, that counts test cases and server
errors. It starts the simulator (loopback, a fixed ``--seed``), then runs the Schemathesis CLI with
every phase (examples, coverage, fuzzing, stateful) and the ``not_a_server_error`` check over

- the simulator's own ``/openapi.json`` (the fault and rate-limit controls excluded: a fuzzed fault
  rule makes every later answer an injected 5xx by design, docs/schemas.md), and
- Vibes' published OpenAPI (``../shared/reference/vibes-platform-openapi.json`` beside the clone, or
  ``--vibes PATH``), aimed at the simulator with ``--url``.

It prints the cases each run generated and whether any answer was a 5xx; it exits 1 when one was.

    .venv/bin/python benchmarks/fuzz_openapi.py --max-examples 60 --seed 7
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from catapult_sim.testing.process import serve_process

ROOT = Path(__file__).resolve().parent.parent
VIBES = ROOT.parent / "shared" / "reference" / "vibes-platform-openapi.json"
EXCLUDED = "^/_sim/(faults|rate-limits)"
PHASES = "examples,coverage,fuzzing,stateful"


def fuzz(location: str, base_url: str, max_examples: int, seed: int, *extra: str) -> tuple[int, int, str]:
    """Run Schemathesis; (cases generated, exit code, summary)."""
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")), "run", location, "--url", base_url,
        "--auth", "VibesUser:Password123", "--phases", PHASES, "--checks", "not_a_server_error",
        "--seed", str(seed), "-n", str(max_examples), "--generation-database", "none", "--no-color",
        "--continue-on-failure", *extra,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as cache:  # Schemathesis keeps a cache in its working directory
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=cache)
    found = re.search(r"(\d+) generated", done.stdout)
    summary = done.stdout[done.stdout.rfind("SUMMARY") :] if "SUMMARY" in done.stdout else done.stdout[-3000:]
    return (int(found.group(1)) if found else 0), done.returncode, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=60, help="cases per operation and phase")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vibes", default=str(VIBES), help="Vibes' OpenAPI document")
    args = parser.parse_args()
    total, failed = 0, False
    with serve_process("--seed", "1") as (_, url):
        runs = [("catapult-sim's own OpenAPI", f"{url}/openapi.json", ("--exclude-path-regex", EXCLUDED))]
        if Path(args.vibes).exists():
            runs.append(("Vibes' published OpenAPI", args.vibes, ()))
        else:
            print(f"skipped Vibes' OpenAPI: {args.vibes} is absent")
        for name, location, extra in runs:
            cases, code, summary = fuzz(location, url, args.max_examples, args.seed, *extra)
            total += cases
            failed |= code != 0
            print(f"{name}: {cases} cases, schemathesis exit {code} ({'no server error' if code == 0 else 'FAILED'})")
            if code != 0:
                print(summary)
    print(f"total: {total} cases; {'a server error was found' if failed else 'no server error'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
