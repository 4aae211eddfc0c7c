"""The guarded HTTP client against a real http.server on 127.0.0.1 (in a thread)."""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import json
import socket
import ssl
import threading
import zlib

import pytest

from gazette.adapters import http as client
from gazette.adapters.http import (
    USER_AGENT,
    ConnectError,
    FetchError,
    ProtocolError,
    Timeout,
    TooLarge,
    TooManyRedirects,
    UnsafeURL,
    fetch,
    parse_retry_after,
)
from gazette.domain.urlguard import UnsafeURLError

FEED = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>公报</title>"
    + "<item><title>通知</title></item>" * 200
    + "</channel></rss>"
).encode()
ETAG = '"v1"'
LAST_MODIFIED = "Thu, 02 May 2024 08:00:00 GMT"
RELEASE = threading.Event()  # set at teardown so hanging handlers return


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def send(self, status, body=b"", headers=None, length=True):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_POST(self):
        self.do_GET()

    def do_GET(self):
        path = self.path
        if path == "/feed":
            if (
                self.headers.get("If-None-Match") == ETAG
                or self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                return self.send(304, headers={"ETag": ETAG})
            accepts_gzip = "gzip" in (self.headers.get("Accept-Encoding") or "")
            body = gzip.compress(FEED) if accepts_gzip else FEED
            return self.send(
                200,
                body,
                {
                    "Content-Type": "application/rss+xml; charset=utf-8",
                    "ETag": ETAG,
                    "Last-Modified": LAST_MODIFIED,
                    **({"Content-Encoding": "gzip"} if accepts_gzip else {}),
                },
            )
        if path == "/deflate":
            return self.send(200, zlib.compress(FEED), {"Content-Encoding": "deflate"})
        if path == "/raw-deflate":
            c = zlib.compressobj(wbits=-15)
            return self.send(200, c.compress(FEED) + c.flush(), {"Content-Encoding": "deflate"})
        if path == "/fake-gzip":
            return self.send(200, FEED, {"Content-Encoding": "gzip"})
        if path.startswith("/p/"):  # /p/N: N more permanent redirects, then the final document
            n = int(path[3:])
            status = 301 if n % 2 else 308
            return self.send(status, headers={"Location": f"/p/{n - 1}" if n > 1 else "/final"})
        if path == "/temp-then-perm":
            return self.send(302, headers={"Location": "/p/2"})
        if path == "/perm-then-temp":
            return self.send(301, headers={"Location": "/temp"})
        if path == "/temp":
            return self.send(307, headers={"Location": "/final"})
        if path == "/final":
            return self.send(200, b"final", {"Content-Type": "text/plain"})
        if path.startswith("/loop/"):
            return self.send(302, headers={"Location": f"/loop/{int(path[6:]) + 1}"})
        if path == "/no-location":
            return self.send(302, b"nowhere")
        if path == "/truncated":  # declares the whole feed, sends half, closes: a connection cut mid-body
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(FEED[: len(FEED) // 2])
            return None
        if path == "/big":
            return self.send(200, b"x" * 2_000_000)
        if path == "/big-chunked":  # no Content-Length: the cap must apply while reading
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 65536
            try:
                for _ in range(40):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            return None
        if path == "/gzip-bomb":
            return self.send(
                200, gzip.compress(b"\0" * 50_000_000, compresslevel=9), {"Content-Encoding": "gzip"}
            )
        if path == "/hang":
            RELEASE.wait(10)
            return None
        if path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    if RELEASE.wait(0.1):
                        break
                    self.wfile.write(b"z")
                    self.wfile.flush()
            except OSError:
                pass
            return None
        if path.startswith("/status/"):
            code = int(path[8:])
            extra = {"Retry-After": "120"} if code == 429 else {}
            return self.send(code, f"status {code}".encode(), {"X-Test": "yes", **extra})
        if path == "/to-metadata":
            return self.send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        if path.startswith("/echo") or path.startswith("/post-"):
            if path == "/post-307":
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self.send(307, headers={"Location": "/echo"})
            if path == "/post-303":
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                return self.send(303, headers={"Location": "/echo"})
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            info = {
                "method": self.command,
                "path": self.path,
                "body": body.decode(),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
            return self.send(200, json.dumps(info).encode(), {"Content-Type": "application/json"})
        return self.send(404, b"not found")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # the client hanging up early is expected here
        pass


@pytest.fixture(scope="module")
def server():
    RELEASE.clear()
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()


def get(url, **kw):
    kw.setdefault("allow_loopback", True)
    kw.setdefault("timeout", (2.0, 2.0))
    return fetch(url, **kw)


def test_fetch_gzip_feed_is_decompressed_with_headers_lowercased(server):
    r = get(server + "/feed")
    assert r.status == 200 and r.body == FEED
    assert r.headers["content-encoding"] == "gzip" and r.headers["etag"] == ETAG
    assert r.url == server + "/feed" and r.redirects == [] and r.permanent_redirect_url is None
    assert r.elapsed >= 0


@pytest.mark.parametrize("path", ["/deflate", "/raw-deflate", "/fake-gzip"])
def test_fetch_deflate_raw_deflate_and_mislabelled_gzip_bodies_are_readable(server, path):
    assert get(server + path).body == FEED


def test_fetch_sends_user_agent_accept_encoding_and_host(server):
    info = json.loads(get(server + "/echo").body)
    assert (
        info["headers"]["user-agent"]
        == USER_AGENT
        == "gazette-alerts/0.1 (+https://github.com/gazette-alerts)"
    )
    assert info["headers"]["accept-encoding"] == "gzip, deflate"
    assert info["headers"]["host"] == server.removeprefix("http://")


def test_fetch_matching_etag_gets_304_without_body(server):
    r = get(server + "/feed", etag=ETAG)
    assert r.status == 304 and r.body == b""


def test_fetch_matching_if_modified_since_gets_304(server):
    assert get(server + "/feed", last_modified=LAST_MODIFIED).status == 304


def test_fetch_stale_validators_get_200(server):
    assert get(server + "/feed", etag='"old"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT").status == 200


def test_fetch_301_308_chain_is_followed_and_reported_as_permanent(server):
    r = get(server + "/p/3")
    assert r.status == 200 and r.body == b"final"
    assert r.redirects == [(301, server + "/p/2"), (308, server + "/p/1"), (301, server + "/final")]
    assert r.permanent_redirect_url == server + "/final" == r.url


def test_fetch_temporary_redirect_first_means_no_permanent_move(server):
    r = get(server + "/temp-then-perm")
    assert r.body == b"final" and r.permanent_redirect_url is None


def test_fetch_permanent_then_temporary_reports_the_permanent_target(server):
    r = get(server + "/perm-then-temp")
    assert r.url == server + "/final" and r.permanent_redirect_url == server + "/temp"


def test_fetch_five_redirects_are_allowed(server):
    assert get(server + "/p/5").status == 200


def test_fetch_more_than_five_redirects_are_refused(server):
    with pytest.raises(TooManyRedirects):
        get(server + "/loop/0")
    with pytest.raises(TooManyRedirects):
        get(server + "/p/6")


def test_fetch_redirects_not_followed_when_asked(server):
    r = get(server + "/p/1", follow_redirects=False)
    assert r.status == 301 and r.headers["location"] == "/final" and r.redirects == []


def test_fetch_redirect_without_location_is_returned(server):
    r = get(server + "/no-location")
    assert r.status == 302 and r.body == b"nowhere"


def test_fetch_body_shorter_than_its_content_length_is_a_protocol_error(server):
    with pytest.raises(ProtocolError) as raised:
        get(f"{server}/truncated")
    half = len(FEED) // 2
    assert str(raised.value) == (f"bad response from 127.0.0.1: IncompleteRead({half} bytes read, "
                                 f"{len(FEED) - half} more expected)")


def test_fetch_body_over_cap_is_refused(server):
    with pytest.raises(TooLarge, match="content-length"):
        get(server + "/big", max_bytes=1_000_000)


def test_fetch_chunked_body_over_cap_is_refused_while_reading(server):
    with pytest.raises(TooLarge):
        get(server + "/big-chunked", max_bytes=1_000_000)


def test_fetch_gzip_bomb_is_refused_on_decompressed_size(server):
    with pytest.raises(TooLarge, match="decompressed"):
        get(server + "/gzip-bomb", max_bytes=1_000_000)


def test_fetch_hanging_server_raises_timeout(server):
    with pytest.raises(Timeout):
        get(server + "/hang", timeout=(0.5, 0.5))


def test_fetch_dripping_server_is_cut_off_by_total_deadline(server):
    with pytest.raises(Timeout, match="deadline"):
        get(server + "/drip", timeout=(0.5, 0.5), total_timeout=1.0)


@pytest.mark.parametrize("code", [500, 429, 410, 404])
def test_fetch_error_statuses_are_returned_with_headers(server, code):
    r = get(server + f"/status/{code}")
    assert r.status == code and r.headers["x-test"] == "yes" and r.body == f"status {code}".encode()
    if code == 429:
        assert parse_retry_after(r.headers["retry-after"], dt.datetime.now(dt.UTC)) == 120.0


def test_fetch_redirect_to_metadata_is_refused_before_connecting(server, monkeypatch):
    connected = []
    real = socket.create_connection

    def spy(address, *args, **kwargs):
        connected.append(address[0])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(client.socket, "create_connection", spy)
    with pytest.raises(UnsafeURLError, match="metadata") as err:
        get(server + "/to-metadata")
    assert isinstance(err.value, FetchError) and isinstance(err.value, UnsafeURL)
    assert connected == ["127.0.0.1"]


def test_fetch_loopback_is_refused_unless_allowed(server, monkeypatch):
    connected = []
    monkeypatch.setattr(client.socket, "create_connection", lambda a, *x, **k: connected.append(a))
    with pytest.raises(UnsafeURL, match="loopback"):
        fetch(server + "/final")
    with pytest.raises(UnsafeURL, match="local host name"):
        fetch(server.replace("127.0.0.1", "localhost") + "/final")
    assert connected == []


def test_fetch_decimal_spelled_loopback_is_refused_without_allow_loopback(server):
    with pytest.raises(UnsafeURL, match="loopback"):
        fetch(server.replace("127.0.0.1", "2130706433") + "/final")


def test_fetch_connects_to_the_checked_address_not_a_fresh_lookup(server):
    port = server.rsplit(":", 1)[1]
    calls = []

    def resolver(host, p, *a, **k):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", p))]

    info = json.loads(get(f"http://feeds.rebind.test:{port}/echo", resolver=resolver).body)
    assert calls == ["feeds.rebind.test"]  # resolved once, by the guard
    assert info["headers"]["host"] == f"feeds.rebind.test:{port}"


def test_fetch_unresolvable_host_is_a_connect_error():
    def resolver(*a, **k):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(ConnectError):
        fetch("http://nope.invalid/", resolver=resolver)


def test_fetch_refused_connection_is_a_connect_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectError):
        fetch(f"http://127.0.0.1:{port}/", allow_loopback=True, timeout=(1.0, 1.0))


def test_fetch_post_body_is_sent_and_kept_across_307(server):
    info = json.loads(
        get(
            server + "/post-307",
            method="POST",
            body=b'{"a":1}',
            headers={"Content-Type": "application/json", "webhook-id": "msg_1"},
        ).body
    )
    assert info["method"] == "POST" and info["body"] == '{"a":1}' and info["headers"]["webhook-id"] == "msg_1"


def test_fetch_post_becomes_get_after_303(server):
    info = json.loads(get(server + "/post-303", method="POST", body=b"x").body)
    assert info["method"] == "GET" and info["body"] == ""


def test_fetch_https_pins_the_checked_address_and_verifies_the_certificate(tmp_path):
    import cryptography  # noqa: F401 - a dev dependency: missing, this test fails rather than skips
    ca_pem, cert_pem, key_pem = _make_ca_and_cert(tmp_path, "feeds.tls.test")
    srv_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv_ctx.load_cert_chain(cert_pem, key_pem)
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.socket = srv_ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    client_ctx = ssl.create_default_context(cafile=ca_pem)

    def resolver(host, p, *a, **k):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", p))]

    try:
        r = fetch(
            f"https://feeds.tls.test:{port}/echo",
            allow_loopback=True,
            resolver=resolver,
            ssl_context=client_ctx,
            timeout=(2.0, 2.0),
        )
        assert json.loads(r.body)["headers"]["host"] == f"feeds.tls.test:{port}"
        with pytest.raises(ConnectError):  # certificate is not for this name
            fetch(
                f"https://other.tls.test:{port}/echo",
                allow_loopback=True,
                resolver=resolver,
                ssl_context=client_ctx,
                timeout=(2.0, 2.0),
            )
        with pytest.raises(ConnectError):  # not signed by a CA the default context trusts
            fetch(
                f"https://feeds.tls.test:{port}/echo",
                allow_loopback=True,
                resolver=resolver,
                timeout=(2.0, 2.0),
            )
    finally:
        httpd.shutdown()
        httpd.server_close()


def _make_ca_and_cert(tmp_path, hostname):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gazette test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return tuple(str(p) for p in paths)


# ------------------------------------------------------------------ Retry-After

NOW = dt.datetime(2024, 5, 2, 8, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 02 May 2024 08:01:30 GMT", 90.0),
        ("Thu, 02 May 2024 07:00:00 GMT", 0.0),  # in the past
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("\u00b2", None),  # a Latin-1 superscript two: str.isdigit() says yes, int() refuses it
        ("86400", 86400.0),
        ("86401", 86400.0),  # honoured up to a day, never longer
        ("99999999", 86400.0),
        ("9" * 5000, 86400.0),  # over int()'s digit limit: bounded, never raised
        ("Fri, 01 Jan 2100 00:00:00 GMT", 86400.0),
    ],
)
def test_parse_retry_after_handles_delta_seconds_dates_and_junk(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


def test_parse_retry_after_naive_now_is_taken_as_utc():
    assert parse_retry_after("Thu, 02 May 2024 08:00:10 GMT", NOW.replace(tzinfo=None)) == 10.0


def test_fetch_result_is_frozen(server):
    r = get(server + "/final")
    with pytest.raises(AttributeError):
        r.status = 1  # type: ignore[misc]
