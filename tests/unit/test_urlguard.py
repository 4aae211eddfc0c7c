"""SSRF guard: every special address class is refused, whatever the spelling."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from gazette.domain.urlguard import UnsafeURLError, check_address, check_url


def resolving_to(*addresses: str):
    """A getaddrinfo stand-in that answers with the given addresses and records its calls."""
    calls: list[tuple] = []

    def resolver(host, port, *args, **kwargs):
        calls.append((host, port))
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]

    resolver.calls = calls
    return resolver


REFUSED = {
    "loopback v4": "127.0.0.1",
    "loopback v4 elsewhere in 127/8": "127.45.6.7",
    "loopback v6": "::1",
    "private 10/8": "10.1.2.3",
    "private 172.16/12": "172.20.0.1",
    "private 192.168/16": "192.168.1.1",
    "link-local v4": "169.254.10.20",
    "link-local v6": "fe80::1",
    "CGNAT": "100.64.0.1",
    "CGNAT upper edge": "100.127.255.254",
    "unspecified v4": "0.0.0.0",
    "this-network 0/8": "0.1.2.3",
    "unspecified v6": "::",
    "multicast v4": "224.0.0.1",
    "multicast v6": "ff02::1",
    "reserved 240/4": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "documentation v4": "192.0.2.10",
    "benchmarking": "198.18.0.1",
    "documentation v6": "2001:db8::1",
    "unique-local v6": "fd12:3456::1",
    "site-local v6": "fec0::1",
    "metadata v4": "169.254.169.254",
    "metadata v6": "fd00:ec2::254",
    "ECS task metadata": "169.254.170.2",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "IPv4-mapped metadata": "::ffff:169.254.169.254",
    "IPv4-mapped private": "::ffff:10.0.0.1",
    "IPv4-compatible loopback": "::127.0.0.1",
    "6to4 of loopback": "2002:7f00:1::1",
    "6to4 of private": "2002:c0a8:101::1",
    "6to4 of metadata": "2002:a9fe:a9fe::1",
    "NAT64 of metadata": "64:ff9b::169.254.169.254",
    "NAT64 of loopback": "64:ff9b::127.0.0.1",
    "NAT64 local-use prefix": "64:ff9b:1::8.8.8.8",
    "Teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_check_url_host_resolving_to_special_address_is_refused(address):
    with pytest.raises(UnsafeURLError) as err:
        check_url("https://feeds.example.gov/rss.xml", resolver=resolving_to(address))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_check_url_literal_special_address_is_refused_without_resolving(address):
    host = f"[{address}]" if ":" in address else address
    resolver = resolving_to("8.8.8.8")
    with pytest.raises(UnsafeURLError):
        check_url(f"http://{host}/", resolver=resolver)
    assert resolver.calls == []


def test_check_url_one_bad_address_among_good_ones_is_refused():
    with pytest.raises(UnsafeURLError, match="private"):
        check_url("https://mixed.example/", resolver=resolving_to("93.184.216.34", "10.0.0.5"))


def test_check_url_public_addresses_are_returned_for_pinning():
    resolver = resolving_to("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34")
    got = check_url("https://www.example.com:8443/feed", resolver=resolver)
    assert got == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"),
    ]
    assert resolver.calls == [("www.example.com", 8443)]


def test_check_url_nat64_of_public_address_is_allowed():
    assert check_url("http://[64:ff9b::808:808]/") == [ipaddress.ip_address("64:ff9b::808:808")]


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",  # decimal
        "http://0x7f000001/",  # hex
        "http://0X7F.0.0.1/",  # hex label
        "http://0177.0.0.1/",  # octal
        "http://017700000001/",  # octal whole
        "http://127.1/",  # short form
        "http://127.0.1/",  # three-part form
        "http://0x7f.1/",
        "http://127.0.0.1./",  # trailing dot
        "http://[::ffff:7f00:1]/",
        "http://0251.0376.0251.0376/",  # octal metadata
        "http://2852039166/",  # decimal metadata
        "http://0xa9fea9fe/",  # hex metadata
        "http://0/",  # 0.0.0.0
    ],
)
def test_check_url_numeric_ip_spellings_are_normalised_and_refused(url):
    resolver = resolving_to("8.8.8.8")
    with pytest.raises(UnsafeURLError, match=r"loopback|metadata|unspecified"):
        check_url(url, resolver=resolver)
    assert resolver.calls == []


@pytest.mark.parametrize(
    "url",
    ["http://256.0.0.1/", "http://1.2.3.4.5/", "http://08.0.0.1/", "http://1_0.0.0.1/", "http://example.0x/"],
)
def test_check_url_malformed_numeric_host_is_refused(url):
    with pytest.raises(UnsafeURLError):
        check_url(url, resolver=resolving_to("8.8.8.8"))


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost.",
        "LOCALHOST",
        "api.localhost",
        "a.b.localhost.",
        "ip6-localhost",
        "localhost.localdomain",
    ],
)
def test_check_url_localhost_names_are_refused_even_if_they_resolve_publicly(host):
    resolver = resolving_to("8.8.8.8")
    with pytest.raises(UnsafeURLError, match="local host name"):
        check_url(f"http://{host}:8080/x", resolver=resolver)
    assert resolver.calls == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/feed", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("//example.com/feed", "scheme"),
        ("https://user:pw@example.com/", "userinfo"),
        ("https://user@example.com/", "userinfo"),
        ("https://example.com@169.254.169.254/", "userinfo"),
        ("http:///nohost", "host"),
        ("http://exa mple.com/", "whitespace"),
        ("http://example.com/\r\nHost: evil", "control"),
        ("http://example.com:99999/", "malformed"),
        ("http://example.com:0/", "port 0"),
        ("http://[fe80::1%25eth0]/", "%"),
        ("", "empty"),
    ],
)
def test_check_url_malformed_or_disallowed_url_is_refused_with_reason(url, reason):
    with pytest.raises(UnsafeURLError, match=reason):
        check_url(url, resolver=resolving_to("8.8.8.8"))


def test_check_url_http_is_refused_when_https_is_required():
    with pytest.raises(UnsafeURLError, match="scheme 'http'"):
        check_url("http://example.com/", allow_http=False, resolver=resolving_to("8.8.8.8"))
    assert check_url("https://example.com/", allow_http=False, resolver=resolving_to("8.8.8.8"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566/",
        "http://127.9.9.9/",
        "http://[::1]:8080/",
        "http://2130706433/",
        "http://127.1/",
    ],
)
def test_check_url_allow_loopback_permits_loopback_literals(url):
    (addr,) = check_url(url, allow_loopback=True)
    assert addr.is_loopback


def test_check_url_allow_loopback_permits_localhost_resolving_to_loopback():
    got = check_url("http://localhost:5000/", allow_loopback=True, resolver=resolving_to("127.0.0.1", "::1"))
    assert [str(a) for a in got] == ["127.0.0.1", "::1"]


def test_check_url_allow_loopback_refuses_localhost_resolving_elsewhere():
    with pytest.raises(UnsafeURLError, match="local host name"):
        check_url("http://localhost/", allow_loopback=True, resolver=resolving_to("93.184.216.34"))


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "fd00:ec2::254",
        "10.0.0.1",
        "192.168.0.1",
        "172.16.0.1",
        "100.64.0.1",
        "fe80::1",
        "0.0.0.0",
        "::",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_check_url_allow_loopback_still_refuses_every_other_class(address):
    with pytest.raises(UnsafeURLError):
        check_url("http://feeds.example/", allow_loopback=True, resolver=resolving_to(address))


def test_check_url_empty_resolution_is_refused():
    with pytest.raises(UnsafeURLError, match="no address"):
        check_url("http://nothing.example/", resolver=lambda *a, **k: [])


def test_check_url_resolver_failure_propagates_as_oserror():
    def failing(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(socket.gaierror):
        check_url("http://does-not-exist.invalid/", resolver=failing)


def test_check_url_idn_host_is_resolved_in_punycode():
    resolver = resolving_to("93.184.216.34")
    check_url("http://政府.example/", resolver=resolver)
    assert resolver.calls[0][0] == "xn--mxtq1m.example"


def test_check_address_public_address_passes_and_metadata_names_its_reason():
    check_address(ipaddress.ip_address("8.8.8.8"))
    with pytest.raises(UnsafeURLError, match="metadata"):
        check_address(ipaddress.ip_address("169.254.169.254"), allow_loopback=True)
