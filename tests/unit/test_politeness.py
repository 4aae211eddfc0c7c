"""robots.txt verdicts, bot walls and newness rules: plain functions, no network."""

from dataclasses import dataclass

from gazette.domain import health
from gazette.domain.politeness import bot_protection, host_key, robots_url, robots_verdict

CHALLENGE = (b"<html><script>document.cookie='__jsl_clearance=1577836800.1|0|abc;max-age=3600;path=/';"
             b"location.href=location.pathname+location.search</script></html>")
ROBOTS = ("User-agent: *\nDisallow: /private/\nDisallow: /*.pdf$\nCrawl-delay: 5\n\n"
          "User-agent: GazetteAlerts\nAllow: /\n")


def test_bot_protection_412_with_a_cookie_script_is_a_javascript_challenge():
    assert bot_protection(412, {}, CHALLENGE) == (
        "blocked by the site's bot protection (HTTP 412, a JavaScript cookie challenge)")


def test_bot_protection_521_without_a_page_is_still_a_wall():
    assert bot_protection(521, {}, b"") == "blocked by the site's bot protection (HTTP 521, no page)"


def test_bot_protection_405_to_a_get_is_a_firewall():
    assert bot_protection(405, {}, b"<html>Request blocked</html>") == (
        "blocked by the site's bot protection (HTTP 405 to a GET, a web application firewall)")


def test_bot_protection_cloudflare_challenge_header_is_a_wall_whatever_the_status():
    assert bot_protection(403, {"cf-mitigated": "challenge"}, b"") == (
        "blocked by the site's bot protection (HTTP 403, challenge page)")


def test_bot_protection_ordinary_answers_are_not_walls():
    assert [bot_protection(status, {}, CHALLENGE) for status in (200, 304, 403, 404, 500, 503)] == [None] * 6


def test_robots_verdict_group_for_our_agent_wins_over_the_star_group():
    assert robots_verdict(200, ROBOTS, "https://www.example.gov.cn/private/list.html") == (
        robots_verdict(200, ROBOTS, "https://www.example.gov.cn/"))
    assert robots_verdict(200, ROBOTS, "https://www.example.gov.cn/private/list.html").allowed is True


def test_robots_verdict_star_group_disallows_paths_and_wildcards_and_gives_its_crawl_delay():
    rules = "User-agent: *\nDisallow: /private/\nDisallow: /*.pdf$\nCrawl-delay: 5\n"
    verdicts = [robots_verdict(200, rules, f"https://www.example.gov.cn{path}")
                for path in ("/private/a.html", "/gongbao/2024/issue.pdf", "/zhengce/zuixin/home_0.htm")]
    assert [(v.allowed, v.crawl_delay) for v in verdicts] == [(False, 5.0), (False, 5.0), (True, 5.0)]


def test_robots_verdict_a_4xx_robots_means_no_rules():
    assert robots_verdict(404, "", "https://www.example.gov.cn/private/").allowed is True
    assert robots_verdict(403, "User-agent: *\nDisallow: /\n", "https://www.example.gov.cn/").allowed is True


def test_host_key_is_the_lower_case_host_with_any_explicit_port():
    assert [host_key(url) for url in ("https://WWW.Gov.CN/zhengce/", "http://127.0.0.1:8080/a", "https://a.b./x")] == [
        "www.gov.cn", "127.0.0.1:8080", "a.b"]
    assert robots_url("https://WWW.gov.cn:8443/col/col1/index.html?uid=1#x") == "https://www.gov.cn:8443/robots.txt"


@dataclass
class Item:
    entry_id: str
    title: str
    link: str | None = None


def test_unseen_keeps_page_order_and_ignores_repeats_and_known_items():
    items = [Item("c", "三"), Item("b", "二"), Item("c", "三"), Item("a", "一")]
    assert [item.entry_id for item in health.unseen(items, {"b"})] == ["c", "a"]


def test_recent_window_puts_this_poll_first_and_keeps_vanished_items_up_to_the_limit():
    assert health.recent_window([Item("c", "三"), Item("b", "二")], ["b", "a", "z"], 3) == ["c", "b", "a"]


def test_fingerprint_changes_with_order_titles_and_links_only():
    first = [Item("a", "一", "http://x/1"), Item("b", "二", "http://x/2")]
    assert health.fingerprint(first) == health.fingerprint([Item("a", "一", "http://x/1"), Item("b", "二", "http://x/2")])
    assert len({health.fingerprint(first), health.fingerprint(first[::-1]),
                health.fingerprint([Item("a", "一 ", "http://x/1"), first[1]]),
                health.fingerprint([Item("a", "一", "http://x/3"), first[1]])}) == 4
