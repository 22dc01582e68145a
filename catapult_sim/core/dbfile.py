"""One writer per database file, and a file only its owner can read.

Two simulators writing one SQLite file each keep their own caches and id counters, so they
overwrite each other's rows while both answer 2xx. The first process to open a file takes an
exclusive ``flock`` on it and holds it until it closes the store or exits; a second one is refused.
The kernel drops the lock when its process dies, so a ``kill -9`` never leaves a stale lock behind.
(``flock`` and SQLite's own POSIX record locks are separate mechanisms on Linux and the BSDs; the
descriptor is kept open until after SQLite's connection is closed, so no POSIX lock is dropped early.)
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass

FILE_MODE = 0o600  # person data: readable by the owner only


class DatabaseUnavailable(Exception):
    """Another process holds the database file."""


@dataclass(slots=True)
class Claim:
    """An open descriptor holding the file's lock."""

    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = None


def claim(path: str) -> Claim:
    """Create ``path`` (mode 0600) if needed and lock it for this process; DatabaseUnavailable if taken."""
    if path.startswith("file:") or path == "":
        return Claim(None)  # URI or temporary databases: SQLite's business
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    except OSError as exc:
        raise DatabaseUnavailable(f"--db {path}: cannot open: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise DatabaseUnavailable(f"--db {path} is in use by another catapult-sim process") from None
    return Claim(fd)
