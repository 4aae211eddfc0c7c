"""A small, guarded HTTP client on ``http.client``: SSRF-checked, size-capped, deadline-bound.

Used by the poller (feeds), document fetching and webhook delivery. It never raises on an HTTP
error status (4xx/5xx are returned; the caller decides), only on transport problems:

``FetchError`` (base)
  ├─ ``UnsafeURL``        the URL or a redirect target failed the SSRF guard. It is *also* a
  │                       ``gazette.domain.urlguard.UnsafeURLError``, so either ``except`` works.
  ├─ ``TooLarge``         body over ``max_bytes``, compressed or decompressed (zip bombs).
  ├─ ``TooManyRedirects`` more than ``max_redirects`` redirects.
  ├─ ``Timeout``          connect timeout, read timeout, or the total deadline passed.
  ├─ ``ConnectError``     DNS failure, refused/reset connection, TLS failure.
  └─ ``ProtocolError``    malformed response, truncated body, unsupported content-encoding.

Every URL (the first and each redirect target) passes ``check_url``; the socket is opened to an
address that was checked (never re-resolved), with the Host header, TLS SNI and certificate check
against the host name. A watchdog closes the socket when the total deadline passes, so a server
that drips bytes cannot hold a Lambda for longer than ``total_timeout``.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from gazette.domain.urlguard import IPAddress, Resolver, UnsafeURLError, check_url

__all__ = [
    "MAX_RETRY_AFTER",
    "USER_AGENT",
    "ConnectError",
    "FetchError",
    "FetchResult",
    "ProtocolError",
    "Timeout",
    "TooLarge",
    "TooManyRedirects",
    "UnsafeURL",
    "fetch",
    "parse_retry_after",
]

USER_AGENT = "gazette-alerts/0.1 (+https://github.com/gazette-alerts)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
MAX_RETRY_AFTER = 24 * 3600  # a server-given wait (Retry-After) is honoured up to a day, never longer
_CHUNK = 64 * 1024
# Request headers that must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


TOTAL_TIMEOUT = 45.0  # seconds a whole fetch may take, redirects included, unless the caller says less


class FetchError(Exception):
    """Base class of every transport failure raised by ``fetch``."""


class UnsafeURL(FetchError, UnsafeURLError):
    """The URL or a redirect target was refused by the SSRF guard."""


class TooLarge(FetchError):
    """The body (compressed or decompressed) exceeded ``max_bytes``."""


class TooManyRedirects(FetchError):
    """More than ``max_redirects`` redirects."""


class Timeout(FetchError):
    """Connect timeout, read timeout, or total deadline exceeded."""


class ConnectError(FetchError):
    """Name resolution, TCP connection or TLS handshake failed."""


class ProtocolError(FetchError):
    """Malformed or truncated response, or an unsupported content-encoding."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    status: int
    url: str  # final URL, after redirects
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes  # decompressed
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, target URL) followed
    permanent_redirect_url: str | None = None  # target of the leading run of 301/308 redirects
    elapsed: float = 0.0  # seconds, whole fetch including redirects


class _Deadline:
    """Total time budget plus a watchdog that shuts the current socket down when it runs out."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def passed(self) -> bool:
        """The budget ran out (a socket timeout clipped to it can fire just before the watchdog)."""
        return self.expired or time.monotonic() >= self.end - 0.01

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            self.expired = True
            raise Timeout("total deadline exceeded")
        return left

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.expired and sock is not None:
                self._shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                self._shutdown(self._sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP connection whose socket goes to a pre-checked address; Host stays the URL's host."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: IPAddress,
        connect_timeout: float,
        read_timeout: float,
        deadline: _Deadline,
    ) -> None:
        super().__init__(host, port, timeout=connect_timeout)
        self._address = address
        self._read_timeout = read_timeout
        self._deadline = deadline

    def _open_socket(self) -> socket.socket:
        timeout = min(self.timeout, self._deadline.remaining())
        sock = socket.create_connection((str(self._address), self.port), timeout)
        self._deadline.watch(sock)
        sock.settimeout(min(self._read_timeout, self._deadline.remaining()))
        return sock

    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: IPAddress,
        connect_timeout: float,
        read_timeout: float,
        deadline: _Deadline,
        context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(host, port, timeout=connect_timeout, context=context or ssl.create_default_context())
        self._address = address
        self._read_timeout = read_timeout
        self._deadline = deadline

    _open_socket = _PinnedHTTPConnection._open_socket

    def connect(self) -> None:
        sock = self._open_socket()
        # SNI and certificate verification against the URL's host name, not the pinned address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self._deadline.watch(self.sock)


def _decoder(encoding: str) -> zlib._Decompress | None:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped; raw deflate handled on error
    raise ProtocolError(f"unsupported content-encoding {encoding!r}")


class _BodyReader:
    """Reads a response body, enforcing ``max_bytes`` on the wire and after decompression."""

    def __init__(self, resp: http.client.HTTPResponse, encoding: str, max_bytes: int) -> None:
        self.resp = resp
        self.encoding = encoding
        self.max_bytes = max_bytes
        self.wire = 0
        self.out = bytearray()
        self.dec = _decoder(encoding)

    def _emit(self, data: bytes) -> None:
        self.out += data
        if len(self.out) > self.max_bytes:
            raise TooLarge(f"decompressed body over {self.max_bytes} bytes")

    def _inflate(self, chunk: bytes) -> None:
        first = self.wire == len(chunk)
        while chunk:
            dec = self.dec
            assert dec is not None
            if dec.eof:
                if self.encoding == "deflate" or not chunk.strip(b"\0"):
                    return  # trailing bytes after a deflate stream, or gzip padding
                dec = self.dec = _decoder(self.encoding)  # the next gzip member
                assert dec is not None
            limit = self.max_bytes - len(self.out) + 1
            try:
                data = dec.decompress(chunk, limit)
            except zlib.error:
                if not (first and not self.out):
                    raise
                if self.encoding == "deflate":
                    # Some servers send raw deflate (no zlib header) for "deflate".
                    dec = self.dec = zlib.decompressobj(-zlib.MAX_WBITS)
                    try:
                        data = dec.decompress(chunk, limit)
                    except zlib.error:
                        dec = self.dec = None
                elif not chunk.startswith(b"\x1f\x8b"):
                    dec = self.dec = None
                else:
                    raise
                if dec is None:
                    # Labelled compressed but is not: keep it raw, as browsers and feedparser do.
                    self._emit(chunk)
                    return
            self._emit(data)
            chunk = dec.unused_data if dec.eof else dec.unconsumed_tail

    def read(self) -> bytes:
        length = self.resp.getheader("content-length")
        if length and length.strip().isdigit() and int(length) > self.max_bytes:
            raise TooLarge(f"content-length {int(length)} over {self.max_bytes} bytes")
        try:
            while True:
                chunk = self.resp.read(_CHUNK)
                if not chunk:
                    break
                self.wire += len(chunk)
                if self.wire > self.max_bytes:
                    raise TooLarge(f"body over {self.max_bytes} bytes on the wire")
                if self.dec is None:
                    self._emit(chunk)
                else:
                    self._inflate(chunk)
            if self.resp.length:  # the connection closed before the declared Content-Length arrived
                raise http.client.IncompleteRead(bytes(self.wire), self.resp.length)
            if self.dec is not None:
                self._emit(self.dec.flush())
                if not self.dec.eof and self.wire:
                    raise ProtocolError(f"truncated {self.encoding} body")
        except zlib.error as exc:
            raise ProtocolError(f"corrupt {self.encoding} body: {exc}") from None
        return bytes(self.out)


def _headers(resp: http.client.HTTPResponse) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in resp.getheaders():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or ""), parts.port


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: tuple[float, float] = (5.0, 20.0),
    total_timeout: float = TOTAL_TIMEOUT,
    max_bytes: int = 10 * 1024 * 1024,
    max_redirects: int = 5,
    user_agent: str = USER_AGENT,
    allow_loopback: bool = False,
    allow_http: bool = True,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = True,
    resolver: Resolver = socket.getaddrinfo,
    ssl_context: ssl.SSLContext | None = None,
) -> FetchResult:
    """Fetch ``url``; see the module docstring for the guarantees and the errors raised.

    ``timeout`` is (connect, read) in seconds, per socket operation; ``total_timeout`` bounds the
    whole call, redirects included. 301/302 turn a POST into a GET (as browsers do), 303 always
    does; 307/308 keep the method and body. ``ssl_context`` defaults to ``ssl.create_default_context()``
    (system CAs, hostname checking); tests pass one that trusts their own CA. Credentials headers
    are dropped on a cross-origin redirect. ``permanent_redirect_url`` is the target of the last
    301/308 in the unbroken run of permanent redirects at the start of the chain (the URL a feed's
    address should be updated to).
    """
    connect_timeout, read_timeout = timeout
    started = time.monotonic()
    deadline = _Deadline(total_timeout)
    redirects: list[tuple[int, str]] = []
    permanent: str | None = None
    permanent_run = True
    extra = {k.lower(): v for k, v in (headers or {}).items()}
    current = url
    try:
        while True:
            status, resp_headers, content = _one_request(
                current,
                method=method,
                body=body,
                extra=extra,
                etag=etag,
                last_modified=last_modified,
                user_agent=user_agent,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                deadline=deadline,
                max_bytes=max_bytes,
                allow_loopback=allow_loopback,
                allow_http=allow_http,
                resolver=resolver,
                ssl_context=ssl_context,
            )
            location = resp_headers.get("location")
            if not (follow_redirects and status in REDIRECT_STATUSES and location):
                return FetchResult(
                    status=status,
                    url=current,
                    headers=resp_headers,
                    body=content,
                    redirects=redirects,
                    permanent_redirect_url=permanent,
                    elapsed=time.monotonic() - started,
                )
            if len(redirects) >= max_redirects:
                raise TooManyRedirects(f"more than {max_redirects} redirects (last to {location!r})")
            target = urljoin(current, location.strip())
            redirects.append((status, target))
            if status in PERMANENT_REDIRECTS and permanent_run:
                permanent = target
            else:
                permanent_run = False
            if status == 303 or (status in (301, 302) and method.upper() == "POST"):
                method, body = "GET", None
                extra = {k: v for k, v in extra.items() if k not in ("content-type", "content-length")}
            if _origin(target) != _origin(current):
                extra = {k: v for k, v in extra.items() if k not in _CREDENTIAL_HEADERS}
            current = target
    finally:
        deadline.cancel()


def _one_request(
    url: str,
    *,
    method: str,
    body: bytes | None,
    extra: dict[str, str],
    etag: str | None,
    last_modified: str | None,
    user_agent: str,
    connect_timeout: float,
    read_timeout: float,
    deadline: _Deadline,
    max_bytes: int,
    allow_loopback: bool,
    allow_http: bool,
    resolver: Resolver,
    ssl_context: ssl.SSLContext | None,
) -> tuple[int, dict[str, str], bytes]:
    try:
        addresses = check_url(url, allow_loopback=allow_loopback, allow_http=allow_http, resolver=resolver)
    except UnsafeURLError as exc:
        raise UnsafeURL(str(exc)) from None
    except OSError as exc:
        raise ConnectError(f"cannot resolve host of {url!r}: {exc}") from None

    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query

    request_headers = {
        "user-agent": user_agent,
        "accept": "*/*",
        "accept-encoding": "gzip, deflate",
        "connection": "close",
    }
    if etag:
        request_headers["if-none-match"] = etag
    if last_modified:
        request_headers["if-modified-since"] = last_modified
    request_headers.update(extra)

    last_error: Exception | None = None
    for address in addresses:
        conn: http.client.HTTPConnection
        if https:
            conn = _PinnedHTTPSConnection(
                host,
                port,
                address=address,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                deadline=deadline,
                context=ssl_context,
            )
        else:
            conn = _PinnedHTTPConnection(
                host,
                port,
                address=address,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                deadline=deadline,
            )
        try:
            try:
                conn.connect()
            except (TimeoutError, OSError) as exc:  # includes ssl.SSLError
                if deadline.passed():
                    raise Timeout(f"total deadline exceeded connecting to {host}") from None
                last_error = exc
                continue
            try:
                conn.request(method.upper(), target, body=body, headers=request_headers)
                resp = conn.getresponse()
                resp_headers = _headers(resp)
                content = _BodyReader(
                    resp, resp_headers.get("content-encoding", "").strip().lower(), max_bytes
                ).read()
                if deadline.expired:  # the watchdog shut the socket: the body may be cut short
                    raise Timeout(f"total deadline exceeded reading from {host}")
                return resp.status, resp_headers, content
            except FetchError:
                raise
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                if deadline.passed():
                    raise Timeout(f"total deadline exceeded reading from {host}") from None
                if isinstance(exc, TimeoutError):
                    raise Timeout(f"read timed out after {read_timeout}s from {host}") from None
                if isinstance(exc, http.client.HTTPException):
                    raise ProtocolError(f"bad response from {host}: {exc!r}") from None
                raise ConnectError(f"connection to {host} failed: {exc}") from None
        finally:
            deadline.watch(None)
            conn.close()
    if isinstance(last_error, TimeoutError):
        raise Timeout(f"connect timed out after {connect_timeout}s to {host}")
    raise ConnectError(f"cannot connect to {host} ({', '.join(map(str, addresses))}): {last_error}")


def parse_retry_after(value: str | None, now: datetime, *, limit: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None if absent/bad.

    A server's wait is honoured up to ``limit`` (a day): ``Retry-After: 99999999`` or a date years
    ahead would otherwise park a feed or a webhook for good. A date in the past gives 0.0. ``now``
    should be timezone-aware; a naive one is taken as UTC.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        # Thousands of digits would exceed int()'s conversion limit; any such number is over the limit.
        return float(min(int(text), limit)) if len(text) <= 12 else float(limit)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), limit)
