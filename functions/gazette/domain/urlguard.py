"""SSRF guard: decide whether a URL may be fetched, and pin the addresses that were checked.

``check_url`` refuses URLs that are not plain http(s), that carry credentials, or whose host is, or
resolves to, anything other than a public unicast address: loopback, private, link-local, CGNAT,
unspecified, multicast, reserved, documentation/benchmark ranges, cloud metadata endpoints, and the
IPv4-mapped, IPv4-compatible, 6to4 and NAT64 wrappings of those. Numeric host spellings that
``inet_aton`` and most resolvers accept (``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``)
are normalised before the check, so they cannot slip past it.

It returns the addresses it checked: a caller must connect to one of *those* addresses (not resolve
the name again), so a DNS answer that changes between the check and the connection (DNS rebinding)
cannot redirect the request.

Resolution failures are not a safety verdict: the resolver's own error (``socket.gaierror``, an
``OSError``) propagates unchanged.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list[tuple[Any, ...]]]

__all__ = ["IPAddress", "Resolver", "UnsafeURLError", "check_address", "check_url"]


class UnsafeURLError(ValueError):
    """The URL may not be fetched; the message names the reason on one line."""


_METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack instance metadata
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud metadata
}

# Named blocks, checked in order so the message names the most specific reason.
_V4_BLOCKS: list[tuple[str, ipaddress.IPv4Network]] = [
    (reason, ipaddress.ip_network(net))
    for reason, net in [
        ("unspecified address", "0.0.0.0/8"),
        ("loopback address", "127.0.0.0/8"),
        ("private address", "10.0.0.0/8"),
        ("private address", "172.16.0.0/12"),
        ("private address", "192.168.0.0/16"),
        ("link-local address", "169.254.0.0/16"),
        ("CGNAT shared address", "100.64.0.0/10"),
        ("IETF protocol address", "192.0.0.0/24"),
        ("documentation address", "192.0.2.0/24"),
        ("documentation address", "198.51.100.0/24"),
        ("documentation address", "203.0.113.0/24"),
        ("benchmarking address", "198.18.0.0/15"),
        ("multicast address", "224.0.0.0/4"),
        ("reserved address", "240.0.0.0/4"),
    ]
]
_V6_BLOCKS: list[tuple[str, ipaddress.IPv6Network]] = [
    (reason, ipaddress.ip_network(net))
    for reason, net in [
        ("unspecified address", "::/128"),
        ("loopback address", "::1/128"),
        ("IPv4-compatible address", "::/96"),
        ("NAT64 local-use address", "64:ff9b:1::/48"),
        ("discard-only address", "100::/64"),
        ("Teredo/IETF protocol address", "2001::/23"),
        ("documentation address", "2001:db8::/32"),
        ("unique-local (private) address", "fc00::/7"),
        ("link-local address", "fe80::/10"),
        ("site-local address", "fec0::/10"),
        ("multicast address", "ff00::/8"),
    ]
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
_V6_LOOPBACK = ipaddress.ip_address("::1")

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


def _is_loopback(addr: IPAddress) -> bool:
    if isinstance(addr, ipaddress.IPv4Address):
        return addr in _V4_LOOPBACK
    return addr == _V6_LOOPBACK


def _refusal(addr: IPAddress) -> str | None:
    """Why ``addr`` must not be contacted, or None if it is a public unicast address."""
    if addr in _METADATA:
        return "cloud metadata address"
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            inner = _refusal(addr.ipv4_mapped)
            return f"IPv4-mapped {inner}" if inner else None
        if addr in _NAT64:
            inner = _refusal(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
            return f"NAT64-wrapped {inner}" if inner else None
        if addr.sixtofour is not None:
            inner = _refusal(addr.sixtofour)
            if inner:
                return f"6to4-wrapped {inner}"
        blocks: list[tuple[str, Any]] = _V6_BLOCKS  # type: ignore[assignment]
    else:
        blocks = _V4_BLOCKS  # type: ignore[assignment]
    for reason, net in blocks:
        if addr in net:
            return reason
    # Belt and braces: whatever the standard library knows to be special.
    if addr.is_multicast:
        return "multicast address"
    if addr.is_unspecified:
        return "unspecified address"
    if addr.is_loopback:
        return "loopback address"
    if addr.is_link_local:
        return "link-local address"
    if addr.is_private:
        return "private address"
    if addr.is_reserved:
        return "reserved address"
    if not addr.is_global:
        return "non-global address"
    return None


def check_address(addr: IPAddress, *, allow_loopback: bool = False) -> None:
    """Raise UnsafeURLError unless ``addr`` may be contacted."""
    if allow_loopback and _is_loopback(addr):
        return
    reason = _refusal(addr)
    if reason:
        raise UnsafeURLError(f"refused {reason} {addr}")


def _parse_inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """Parse the numeric IPv4 spellings inet_aton accepts (1 to 4 parts; decimal, 0x hex, 0 octal).

    Returns None if ``host`` does not look numeric; raises UnsafeURLError if it looks numeric but is
    malformed (WHATWG URL rule: a host whose last label is a number must be a valid IPv4 address).
    """
    labels = host.split(".")
    if not _NUMERIC_LABEL.match(labels[-1]):
        return None
    if len(labels) > 4:
        raise UnsafeURLError(f"refused malformed numeric host {host!r}")
    values: list[int] = []
    for label in labels:
        if not _NUMERIC_LABEL.match(label):
            raise UnsafeURLError(f"refused malformed numeric host {host!r}")
        low = label.lower()
        try:
            if low.startswith("0x"):
                values.append(int(low[2:] or "0", 16))
            elif len(low) > 1 and low.startswith("0"):
                values.append(int(low[1:], 8))
            else:
                values.append(int(low, 10))
        except ValueError:
            raise UnsafeURLError(f"refused malformed numeric host {host!r}") from None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        raise UnsafeURLError(f"refused malformed numeric host {host!r}")
    number = 0
    for v in head:
        number = number * 256 + v
    number = (number << (8 * (5 - len(values)))) | last
    return ipaddress.IPv4Address(number)


def _literal(host: str) -> IPAddress | None:
    if "%" in host:
        raise UnsafeURLError(f"refused host containing '%' (zone id or percent-encoding): {host!r}")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if ":" in host:
        raise UnsafeURLError(f"refused malformed IPv6 host {host!r}")
    return _parse_inet_aton(host)


def check_url(
    url: str,
    *,
    allow_loopback: bool = False,
    allow_http: bool = True,
    resolver: Resolver = socket.getaddrinfo,
) -> list[IPAddress]:
    """Check ``url`` and return the addresses its host resolves to, all of them checked.

    ``allow_loopback`` permits 127.0.0.0/8 and ::1 (and the ``localhost`` names) only, for the local
    stack; it never permits private, link-local or metadata addresses. ``allow_http=False`` requires
    https. Raises UnsafeURLError with a one-line reason; resolver errors propagate.
    """
    if not isinstance(url, str) or not url:
        raise UnsafeURLError("refused empty URL")
    if _BAD_CHARS.search(url):
        raise UnsafeURLError("refused URL containing whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"refused malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    allowed = ("http", "https") if allow_http else ("https",)
    if scheme not in allowed:
        raise UnsafeURLError(f"refused scheme {scheme or '(none)'!r}; allowed: {', '.join(allowed)}")
    if "@" in parts.netloc:
        raise UnsafeURLError("refused URL with userinfo (credentials) in it")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURLError("refused URL without a host")
    if port is None:
        port = 443 if scheme == "https" else 80
    elif port == 0:
        raise UnsafeURLError("refused port 0")

    is_local_name = host in _LOCAL_NAMES or host.endswith(".localhost")
    if is_local_name and not allow_loopback:
        raise UnsafeURLError(f"refused local host name {host!r}")

    literal = _literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            host_ascii = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeURLError(f"refused host name that is not valid IDNA: {host!r}") from None
        infos = resolver(host_ascii, port, type=socket.SOCK_STREAM)
        addresses = []
        for info in infos:
            raw = str(info[4][0]).split("%", 1)[0]
            try:
                addr = ipaddress.ip_address(raw)
            except ValueError:
                raise UnsafeURLError(f"refused unparseable resolved address {raw!r}") from None
            if addr not in addresses:
                addresses.append(addr)
        if not addresses:
            raise UnsafeURLError(f"refused host {host!r}: it resolved to no address")

    for addr in addresses:
        if is_local_name and not _is_loopback(addr):
            raise UnsafeURLError(f"refused local host name {host!r} resolving to {addr}")
        check_address(addr, allow_loopback=allow_loopback)
    return addresses
