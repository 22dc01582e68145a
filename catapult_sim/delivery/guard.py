"""The destination policy at sending time: after name resolution, before any byte is sent.

A registration was checked when it was made, but a host name may resolve to anything later (or
differently each time), and the policy may name addresses only. Two checks, so that no request ever
reaches a denied address:

- a URL whose host is an address literal is checked here before the attempt (aiohttp does not
  ask a resolver for those);
- a host name goes through :class:`PolicyResolver`, which resolves it as aiohttp would and refuses
  when any address it resolved to is denied. aiohttp connects only to what the resolver returned,
  so there is no window for a second, different answer (DNS rebinding).

Either way the attempt fails with the rule's wording as its error, and is retried like any other
failure. Redirects are never followed (catapult_sim/delivery/sender.py), so an answer cannot send
the simulator elsewhere.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from catapult_sim.core.callbacks.destinations import Denied, DestinationPolicy

if TYPE_CHECKING:
    import aiohttp

PREFIX = "destination denied: "
VERDICTS_KEPT = 4096  # URLs whose verdict is remembered (they come from registrations: few in practice)


def refusal(policy: DestinationPolicy | None, url: str) -> str | None:
    """Why the policy refuses ``url`` before resolution (address literals), or None.

    Checked at every send, so the verdict is remembered per URL; the policy forgets them when what
    it decides on changes (``DestinationPolicy.listening``).
    """
    if policy is None:
        return None
    verdicts = policy.verdicts
    try:
        return verdicts[url]
    except KeyError:
        pass
    if len(verdicts) >= VERDICTS_KEPT:
        verdicts.clear()
    verdict = verdicts[url] = _refusal(policy, url)
    return verdict


def _refusal(policy: DestinationPolicy, url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: the resolver decides
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        policy.check_address(address, port, url)
    except Denied as exc:
        return PREFIX + str(exc)
    except ValueError:
        return PREFIX + f"{url}: not a usable URL"
    return None


def resolver(policy: DestinationPolicy | None) -> aiohttp.abc.AbstractResolver | None:
    """A resolver for the dispatcher's connector that applies ``policy`` (None: aiohttp's own)."""
    if policy is None:
        return None
    import aiohttp

    checked: DestinationPolicy = policy

    class PolicyResolver(aiohttp.abc.AbstractResolver):
        """aiohttp's default resolver, then the policy over every address it found."""

        def __init__(self) -> None:
            self.inner = aiohttp.DefaultResolver()

        async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
            found = await self.inner.resolve(host, port, family)
            try:
                checked.check_resolved(host, port, [str(info["host"]) for info in found])
            except Denied as exc:
                raise OSError(
                    errno.EACCES, PREFIX + str(exc)
                ) from None  # aiohttp: a failed connection, never a request
            return found

        async def close(self) -> None:
            await self.inner.close()

    return PolicyResolver()
