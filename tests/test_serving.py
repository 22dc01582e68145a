"""The connection limits of ``serve`` (catapult_sim/serving.py), over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from catapult_sim.app import create_app
from catapult_sim.serving import protocol_for
from catapult_sim.settings import Settings
from catapult_sim.testing.server import RunningServer, serve_in_thread

pytestmark = pytest.mark.slow
LIMITS = Settings(max_header_bytes=4096, idle_timeout="500ms", request_timeout="1s", max_concurrency=4)


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with serve_in_thread(create_app(LIMITS)) as running:
        yield running


def _connect(server: RunningServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _status_and_body(raw: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def test_headers_past_the_cap_are_431(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8192 + b"\r\n")
        status, body = _status_and_body(_read_all(sock))
    assert status == 431 and body["errors"][0]["code"] == 8  # type: ignore[index]


def test_a_64_mib_header_is_cut_off_early(server: RunningServer) -> None:
    sent = 0
    chunk = b"a" * (1 << 16)
    with _connect(server) as sock, pytest.raises(OSError):  # reset or broken pipe: the server closed
        sock.sendall(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        while sent < 64 << 20:
            sock.sendall(chunk)
            sent += len(chunk)
    assert sent < 16 << 20  # what the kernel's buffers took before the close showed, not 64 MiB


def test_headers_under_the_cap_are_served(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\nConnection: close\r\n\r\n"
        )
        status, body = _status_and_body(_read_all(sock))
    assert status == 200 and body["status"] == "ok"


def test_an_idle_connection_is_closed(server: RunningServer) -> None:
    with _connect(server) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server, not by the 10 s socket timeout
        assert time.monotonic() - started < 5


def test_an_idle_keep_alive_connection_is_closed_after_an_answer(server: RunningServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert _read_all(sock) == b""
        assert time.monotonic() - started < 5


def test_a_slow_drip_body_is_408_and_closed(server: RunningServer) -> None:
    body = b'{"external_person_id": "SLOW"}'
    head = (
        b"POST /companies/demo/mobiledb/persons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Authorization: Basic VmliZXNVc2VyOlBhc3N3b3JkMTIz\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with _connect(server) as sock:
        sock.sendall(head)
        started = time.monotonic()
        raw = b""
        for byte in body:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.1)
            if time.monotonic() - started > 2:
                break
        raw = _read_all(sock)
    status, answer = _status_and_body(raw)
    assert status == 408 and answer["errors"][0]["message"].startswith("the request did not arrive")  # type: ignore[index]


def _drip_headers(sock: socket.socket) -> tuple[int, dict[str, object]]:
    """Start a request and send a header line every 0.1 s (for 3 s at most); the answer."""
    sock.sendall(b"GET /_sim/health HTTP/1.1\r\n")
    for _ in range(30):
        try:
            sock.sendall(b"X-Drip: 1\r\n")
        except OSError:
            break
        time.sleep(0.1)
    return _status_and_body(_read_all(sock))


def test_slow_headers_are_408_and_closed(server: RunningServer) -> None:
    with _connect(server) as sock:
        status, _ = _drip_headers(sock)
    assert status == 408


def test_a_slow_second_request_on_a_kept_connection_is_408(server: RunningServer) -> None:
    """The request timeout is per request: one that starts after an earlier request on the same
    connection ended gets its own full time, then 408 (the timer of the first has lapsed by then)."""
    with _connect(server) as sock:
        sock.sendall(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(0.3)
        status, body = _drip_headers(sock)
    assert status == 408 and body["errors"][0]["code"] == 2  # type: ignore[index]


def test_past_the_concurrency_limit_is_503(server: RunningServer) -> None:
    held = [_connect(server) for _ in range(4)]
    try:
        time.sleep(0.1)
        with _connect(server) as sock:
            sock.sendall(b"GET /_sim/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert _read_all(sock).startswith(b"HTTP/1.1 503")
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize(
    ("field", "value", "flag"),
    [("idle_timeout", "soon", "--idle-timeout"), ("request_timeout", "0s", "--request-timeout"),
     ("max_header_bytes", 10, "--max-header-bytes"), ("max_concurrency", -1, "--max-concurrency")],
)  # fmt: skip
def test_bad_limits_name_their_flag(field: str, value: object, flag: str) -> None:
    with pytest.raises(ValueError, match=flag):
        protocol_for(Settings().replace(**{field: value}))


# -- streamed answers ---------------------------------------------------------------------------


def test_a_streamed_answer_sends_its_head_before_its_body_is_ready() -> None:
    release = threading.Event()

    async def late() -> AsyncIterator[bytes]:
        while not release.is_set():
            await asyncio.sleep(0.01)
        yield b"late"

    async def slow(request: Request) -> StreamingResponse:
        return StreamingResponse(late(), media_type="text/plain")

    app = Starlette(routes=[Route("/", slow)])
    with serve_in_thread(app) as running, socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 200 OK") and b"late" not in head
        release.set()
        rest = _read_all(sock)
    assert rest.endswith(b"late\r\n0\r\n\r\n")  # chunked: the body's chunk, then the last one
