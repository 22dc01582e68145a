"""Run the real ``catapult-sim serve`` process on 127.0.0.1 and learn its URL.

``serve`` prints ``listening on http://HOST:PORT`` once it accepts connections; with ``--port 0``
that line is the only way to learn the port, so this reads it (on a thread, so a process that never
prints it cannot hang the caller)::

    with serve_process("--callback-url", "http://127.0.0.1:9000/hook") as (proc, url):
        httpx.get(url + "/_sim/health")
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

LISTENING = re.compile(r"listening on (http://\S+)")


@contextmanager
def serve_process(
    *args: str, capture_stderr: bool = False, timeout: float = 30.0
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``catapult-sim serve --port 0 ARGS``; yield the process and the URL it printed.

    The process is killed on exit if it is still running. ``CATAPULT_SIM_*`` variables of the
    caller's environment are not passed on, so only ``args`` configure it. With
    ``capture_stderr`` its standard error is a pipe the caller may read (else it is discarded).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATAPULT_SIM_")}
    cmd = [sys.executable, "-m", "catapult_sim", "serve", "--port", "0", *args]
    stderr = subprocess.PIPE if capture_stderr else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env)
    try:
        yield proc, listening_url(proc, timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def listening_url(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The URL from the process's ``listening on`` line; AssertionError if none comes in time."""
    lines: queue.Queue[str | None] = queue.Queue()
    stdout = proc.stdout
    assert stdout is not None, "start the process with stdout=subprocess.PIPE"

    def pump() -> None:
        for line in stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("catapult-sim printed no 'listening on' line") from None
        if line is None:
            raise AssertionError(f"catapult-sim exited ({proc.wait(10)}) before it was listening")
        if found := LISTENING.search(line):
            return found.group(1)
