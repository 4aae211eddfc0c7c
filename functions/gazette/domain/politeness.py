"""Being a good guest on a site: robots.txt rules, and recognising a site's bot protection.

Plain Python, no I/O: the poller fetches robots.txt and pages, this module judges what came back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

ROBOTS_AGENT = "GazetteAlerts"  # the product token robots.txt groups are matched against
MAX_ROBOTS_BYTES = 64 * 1024  # what is kept of a robots.txt (the rules of a news site fit many times over)
MAX_CRAWL_DELAY = 60.0  # a Crawl-delay above this is read as this: one poll must still fit a Lambda


def host_key(url: str) -> str:
    """The host a request goes to, as politeness counts it: lower-case name plus any explicit port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    return f"{host}:{parts.port}" if parts.port else host


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/robots.txt", "", ""))


@dataclass(frozen=True, slots=True)
class RobotsVerdict:
    allowed: bool
    crawl_delay: float | None = None  # seconds the site asks for between requests, if any


def robots_verdict(status: int | None, text: str, url: str, agent: str = ROBOTS_AGENT) -> RobotsVerdict:
    """What a site's robots.txt answer says about fetching `url` (RFC 9309, section 2.3.1).

    `status` is the HTTP status robots.txt was served with. A 4xx means there are no rules (every
    path may be fetched); a 2xx is parsed. The caller treats 5xx and network failures itself (the
    RFC says to assume a complete disallow while the file is unreachable).
    """
    if status is not None and 400 <= status < 500:
        return RobotsVerdict(True)
    from protego import Protego  # only pollers read robots.txt: the other functions skip the import

    rules = Protego.parse(text[:MAX_ROBOTS_BYTES])
    delay = rules.crawl_delay(agent)
    return RobotsVerdict(
        allowed=bool(rules.can_fetch(url, agent)),
        crawl_delay=min(float(delay), MAX_CRAWL_DELAY) if delay else None,
    )


# ------------------------------------------------------------------------------ bot protection
# A JavaScript challenge page sets a cookie from script and reloads: script plus a cookie write.
_SCRIPT = re.compile(rb"<script", re.I)
_COOKIE = re.compile(rb"cookie", re.I)


def bot_protection(status: int, headers: dict[str, str], body: bytes) -> str | None:
    """Why the answer is a bot-protection wall rather than the page, or None if it is not one.

    Recognised: HTTP 412 or 521 answering a plain GET (servers behind JavaScript cookie challenges
    answer a first visit so, with a script that sets a cookie and reloads); a 405 to a GET, which
    only a web application firewall sends for a page; and any answer marked `cf-mitigated:
    challenge`, the header Cloudflare documents for its challenges.
    """
    head = body[:65536]
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return f"blocked by the site's bot protection (HTTP {status}, challenge page)"
    if status in (412, 521):
        challenge = bool(_SCRIPT.search(head)) and bool(_COOKIE.search(head))
        what = "a JavaScript cookie challenge" if challenge else "no page"
        return f"blocked by the site's bot protection (HTTP {status}, {what})"
    if status == 405:
        return "blocked by the site's bot protection (HTTP 405 to a GET, a web application firewall)"
    return None
