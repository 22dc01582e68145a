"""Where callbacks may go: the destination policy, checked at registration and again at sending.

Vibes sends callbacks from its own servers to the customer's endpoint and documents an IP
allow-list of its senders for the customer's side; it says nothing about where it refuses to send
(docs/fidelity.md). A simulator shared by several teams must not become a way into the machine it
runs on, so some addresses are refused whatever the flags say:

- the simulator's own listening address and port (a callback there could call ``/_sim``, loop, or
  reset another company);
- link-local addresses (169.254.0.0/16, fe80::/10) and known cloud metadata addresses;
- the unspecified addresses (0.0.0.0, ::), which reach the local machine.

Beyond that, ``--callback-allow`` (HOST, CIDR or ``any``) and ``--callback-deny`` (HOST or CIDR)
decide; a deny wins over an allow. Without ``--callback-allow`` the default depends on the bind
address: loopback and private ranges when the simulator listens on loopback only (a CRM on the
same machine or in a compose network), nothing when it listens anywhere else.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata services outside link-local: AWS (IPv6), Alibaba Cloud, Oracle Cloud (classic).
METADATA = tuple(ipaddress.ip_network(n) for n in ("fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32"))
LINK_LOCAL = tuple(ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10"))
LOOPBACK = tuple(ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128"))
PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10")
)
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class Denied(ValueError):
    """A destination the policy refuses; the message names the rule."""


@dataclass(slots=True)
class DestinationPolicy:
    """Which destinations callbacks may reach. ``own`` are the simulator's listening (host, port)s."""

    allow_any: bool = False
    allow_networks: list[Network] = field(default_factory=list)
    allow_hosts: set[str] = field(default_factory=set)
    deny_networks: list[Network] = field(default_factory=list)
    deny_hosts: set[str] = field(default_factory=set)
    own: set[tuple[str, int]] = field(default_factory=set)
    own_ports: set[int] = field(default_factory=set)
    origin: str = "--callback-allow"
    # Verdicts on URLs whose host is an address literal, by URL (catapult_sim/delivery/guard.py): the
    # same few URLs are checked at every send. Only ``listening`` changes a verdict after ``build``.
    verdicts: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, bind_host: str, allow: Iterable[str] = (), deny: Iterable[str] = ()) -> DestinationPolicy:
        """The policy for a simulator bound to ``bind_host`` (ValueError naming a bad entry)."""
        policy = cls()
        allow = [a.strip() for a in allow if a.strip()]
        for entry in allow:
            if entry.lower() == "any":
                policy.allow_any = True
            else:
                _add(entry, policy.allow_networks, policy.allow_hosts, "--callback-allow")
        for entry in (d.strip() for d in deny):
            if entry:
                _add(entry, policy.deny_networks, policy.deny_hosts, "--callback-deny")
        if not allow and is_loopback_host(bind_host):
            policy.allow_networks += [*LOOPBACK, *PRIVATE]
            policy.allow_hosts |= LOOPBACK_NAMES
            policy.origin = "the default for a simulator bound to loopback (loopback and private ranges)"
        elif not allow:
            policy.origin = "the default for a simulator bound beyond loopback (nothing unless --callback-allow)"
        return policy

    def listening(self, host: str, port: int) -> None:
        """Note an address the simulator listens on (callbacks there are refused)."""
        self.own.add((host, port))
        self.own_ports.add(port)
        self.verdicts.clear()

    # -- checks ----------------------------------------------------------------------------------

    def check_url(self, url: str) -> None:
        """At registration: refuse what can be refused before name resolution (Denied)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = _port(parts)
        address = _as_address(host)
        if address is not None:
            self.check_address(address, port, url)
            return
        if host in self.deny_hosts:
            raise Denied(f"destination.url: host {host} is denied by --callback-deny")
        if host in LOOPBACK_NAMES and port in self.own_ports:
            raise Denied(f"destination.url: {host}:{port} is the simulator's own address (no loops, no /_sim)")
        if not (self.allow_any or host in self.allow_hosts or self.allow_networks):
            raise Denied(f"destination.url: host {host} is not allowed ({self.origin})")

    def check_address(self, address: Address, port: int, shown: str) -> None:
        """At sending, for every address a name resolved to, and for IP literals (Denied)."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_unspecified:
            raise Denied(f"{shown}: {address} is the unspecified address, which reaches this machine")
        if any(address in n for n in LINK_LOCAL):
            raise Denied(f"{shown}: {address} is link-local (cloud metadata lives there); never allowed")
        if any(address in n for n in METADATA):
            raise Denied(f"{shown}: {address} is a cloud metadata address; never allowed")
        if port in self.own_ports and self._is_own(address, port):
            raise Denied(f"{shown}: {address}:{port} is the simulator's own address (no loops, no /_sim)")
        if any(address in n for n in self.deny_networks):
            raise Denied(f"{shown}: {address} is denied by --callback-deny")
        if not (self.allow_any or any(address in n for n in self.allow_networks)):
            raise Denied(f"{shown}: {address} is not allowed ({self.origin})")

    def check_resolved(self, host: str, port: int, addresses: Iterable[str]) -> None:
        """A name and what it resolved to: a host allowed by name still may not reach a denied address."""
        name = host.lower().rstrip(".")
        if name in self.deny_hosts:
            raise Denied(f"{host}: denied by --callback-deny")
        by_name = name in self.allow_hosts and name not in LOOPBACK_NAMES
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if by_name:
                _never(self, address, port, host)
            else:
                self.check_address(address, port, f"{host} ({address})")

    def _is_own(self, address: Address, port: int) -> bool:
        for host, own_port in self.own:
            if own_port != port:
                continue
            bound = _as_address(host)
            if bound is None or bound.is_unspecified or address.is_loopback or bound == address:
                return True
        return False


def _never(policy: DestinationPolicy, address: Address, port: int, host: str) -> None:
    """The rules no allow entry lifts (for a host allowed by name)."""
    saved = policy.allow_any
    policy.allow_any = True
    try:
        policy.check_address(address, port, f"{host} ({address})")
    finally:
        policy.allow_any = saved


def is_loopback_host(host: str) -> bool:
    address = _as_address(host.strip("[]"))
    return host.lower() in LOOPBACK_NAMES if address is None else address.is_loopback


def _add(entry: str, networks: list[Network], hosts: set[str], flag: str) -> None:
    try:
        networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        return
    except ValueError:
        pass
    name = entry.lower().rstrip(".")
    if not name or "/" in name or ":" in name or any(c.isspace() for c in name):
        raise ValueError(f"{flag} {entry!r}: not a host name, an address or a CIDR range")
    hosts.add(name)


def _as_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _port(parts: object) -> int:
    try:
        port = getattr(parts, "port")  # noqa: B009 (urlsplit raises ValueError for a bad port)
    except ValueError:
        port = None
    if port is not None:
        return int(port)
    return 443 if getattr(parts, "scheme", "") == "https" else 80
