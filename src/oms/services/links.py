"""Links students attach to submissions: http(s) only, and never to this network's own addresses.

Literal addresses are checked in every spelling a URL parser or resolver accepts (`127.1`, `0x7f.0.0.1`,
`2130706433`, `[::ffff:127.0.0.1]`), and local names (`localhost`, `*.local`, ...) are refused, so a link can
never be used to make a server or a grader's tools reach loopback, link-local (cloud metadata) or private hosts.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")
LOCAL_NAMES = {
    "localhost",
    "localhost.localdomain",
    "ip6-localhost",
    "ip6-loopback",
    "metadata",
    "metadata.google.internal",
}


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a literal host stands for, in any legacy IPv4 form, or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))  # 127.1, 0x7f.1, 2130706433, 017700000001
    except OSError:
        return None


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and (mapped := ip.ipv4_mapped or ip.sixtofour):
        ip = mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def check_link(url: str) -> str:
    """`url` if it is a safe http(s) link; ValueError with the reason otherwise."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018  # raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError("not a valid URL") from exc
    if parts.scheme not in ("http", "https"):
        raise ValueError("only http and https links are allowed")
    if not host:
        raise ValueError("the link has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("links may not carry credentials")
    ip = _literal_ip(host)
    if ip is not None:
        if not _is_public(ip):
            raise ValueError("links may not point at loopback, link-local or private addresses")
    elif host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES) or "." not in host:
        raise ValueError("links must name a public host")
    return url.strip()
