"""Raw ASGI answers for injected faults and rate limiting, and the connection-level tricks.

Connection faults (reset, a body cut short) need the socket. ASGI has no "abort" message, so the
simulator reaches the server's transport through ``send.__self__.transport``, which uvicorn's HTTP
protocols (httptools and h11) provide; the test-control middleware sits outside Starlette's own
middleware precisely so ``send`` is still the server's. Where there is no transport (in-process
TestClient, another server) a reset raises ``ConnectionResetError`` instead and a truncated body is
sent short and marked complete.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
from asyncio import Transport
from typing import Any

import anyio

from catapult_sim.surface.journal import BODY_LIMIT, EXCERPT_LIMIT, Entry

Message = dict[str, Any]
JSON_HEADERS = [(b"content-type", b"application/json")]


def transport_of(send: Any) -> Transport | None:
    """The server's transport behind ``send`` (uvicorn, on asyncio or uvloop), or None."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    usable = all(hasattr(transport, name) for name in ("abort", "close", "get_extra_info"))
    return transport if usable else None


async def read_body(receive: Any, entry: Entry) -> None:
    """Drain the request body into the journal entry (kept up to BODY_LIMIT bytes)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        if size < BODY_LIMIT:
            chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    entry.body, entry.body_truncated = body[:BODY_LIMIT], size > BODY_LIMIT


async def answer(send: Any, entry: Entry, status: int, body: bytes, extra: list[Any] | None = None) -> None:
    """Send a whole response and note it in the entry."""
    headers = [*(JSON_HEADERS if body else []), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
    entry.status, entry.response = status, body[:EXCERPT_LIMIT]


async def answer_json(send: Any, entry: Entry, status: int, data: Any, extra: list[Any] | None = None) -> None:
    await answer(send, entry, status, json.dumps(data, separators=(",", ":")).encode(), extra)


async def reset(receive: Any, send: Any) -> None:
    """Drop the connection with a TCP reset (SO_LINGER 0), sending nothing."""
    transport = transport_of(send)
    if transport is None:
        raise ConnectionResetError("connection reset (injected fault)")
    sock = transport.get_extra_info("socket")
    with contextlib.suppress(AttributeError, OSError):  # without SO_LINGER 0 the peer sees a plain close
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await _until_disconnected(receive)


async def truncated(receive: Any, send: Any, start: Message, body: bytes, entry: Entry) -> None:
    """Send the real status and headers (full Content-Length), half the body, then close."""
    cut = body[: len(body) // 2]
    entry.status, entry.response = start["status"], cut[:EXCERPT_LIMIT]
    transport = transport_of(send)
    await send(start)
    if transport is None:
        await send({"type": "http.response.body", "body": cut, "more_body": False})
        return
    await send({"type": "http.response.body", "body": cut, "more_body": True})
    transport.close()  # flushes what was written, then FIN: the client reads a short body
    await _until_disconnected(receive)


async def _until_disconnected(receive: Any) -> None:
    """Wait for the server to notice the closed connection, so it does not answer on its own."""
    with anyio.move_on_after(2):
        while (await receive())["type"] != "http.disconnect":
            pass
