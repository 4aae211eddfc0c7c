"""A reader in headless Chromium on every page `gazette serve` serves, in Chinese and in English.

The sample feed's gazette issue goes through the whole pipeline first; then the reader opens a
document's page, browses with filters and pages through them, follows the Atom links, looks at the
sources page and at the alert mail the pipeline sent. Every page is

- screenshotted in zh and en under tmp/artifacts/browser/ (kept after the run, ignored by git);
- checked to render its Chinese heading in a CJK font: Chromium's own account of the fonts that drew
  the heading (DevTools `CSS.getPlatformFontsForNode`) must give every Han character to a CJK font,
  and the heading must not measure like the same number of characters no font has (boxes);
- checked with axe-core (`make browser` installs it with npm, pinned) for serious or critical
  accessibility violations: there must be none.

Debian's chromium, fonts-noto-cjk and axe-core come from `make browser`; without them this fails.
"""

from __future__ import annotations

import email
import json
import re
from email import policy
from pathlib import Path
from urllib.request import Request, urlopen

import feedparser
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tmp" / "artifacts" / "browser"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READER = "chen.jing@example.org"
HAN = re.compile(r"[\u3400-\u9fff]")
CJK_FONT = re.compile(r"CJK|Hei|Song|Ming|Kai|Fang|WenQuanYi|Source Han", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The served site with the sample issue ingested and one confirmed subscriber's alert mail."""
    from gazette_local.serve import serving

    with serving(0, tmp_path_factory.mktemp("reader") / "out", pipeline=False) as api:
        request = Request(f"{api.base_url}/subscriptions", method="POST", headers={
            "content-type": "application/json", "accept": "application/json"}, data=json.dumps({
                "channel": "email", "email": READER, "domains": ["bidding", "consumption", "disasters", "science"],
                "locale": "zh"}).encode())
        with urlopen(request) as answer:
            created = json.loads(answer.read())
        [confirmation] = _mails(api.mailbox.folder)
        link = re.search(r"/confirm\?s=([^&\s]+)&t=(\S+)", confirmation.get_body(("plain",)).get_content())
        form = f"s={link.group(1)}&t={link.group(2)}".encode()
        with urlopen(Request(f"{api.base_url}/confirm", method="POST", data=form, headers={
                "content-type": "application/x-www-form-urlencoded", "accept": "application/json"})):
            pass
        api.run_pipeline()
        api.created = created
        yield api


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run `make install` (it is in the dev extras)")
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make browser` (npm installs axe-core)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _mails(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def _tab(browser, locale: str):
    # Pages forbid inline scripts (CSP); only the test's own axe-core is let in.
    context = browser.new_context(locale="zh-CN" if locale == "zh" else "en-GB", bypass_csp=True,
                                  viewport={"width": 1000, "height": 900})
    return context.new_page()


def fonts_of(page, selector: str) -> list[dict]:
    """The platform fonts Chromium drew an element's text with, and how many glyphs each drew."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def assert_chinese_renders(page, selector: str = "h1") -> None:
    heading = page.locator(selector).first.inner_text()
    han = len(HAN.findall(heading))
    assert han, f"{selector} holds no Chinese to check: {heading!r}"
    fonts = fonts_of(page, selector)
    cjk_glyphs = sum(font["glyphCount"] for font in fonts if CJK_FONT.search(font["familyName"]))
    assert cjk_glyphs >= han, f"Chinese heading {heading!r} drawn with {fonts}: no CJK font (make browser)"
    widths = page.evaluate("""([selector, count]) => {
        const element = document.querySelector(selector);
        const font = getComputedStyle(element).font;
        const canvas = document.createElement('canvas').getContext('2d');
        canvas.font = font;
        const han = [...element.innerText].filter(c => /[\\u3400-\\u9fff]/.test(c)).join('');
        return [canvas.measureText(han).width, canvas.measureText('\\uE000'.repeat(count)).width];
    }""", [selector, han])
    assert widths[0] != widths[1], f"Chinese heading {heading!r} measures like {han} missing-glyph boxes"


def assert_accessible(page, name: str) -> None:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in {"serious", "critical"}]
    assert bad == [], f"{name}: axe-core found {bad}"


def look(page, name: str, locale: str, *, chinese_heading: bool = True) -> None:
    """Screenshot, then the font and accessibility checks."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{locale}.png"), full_page=True)
    if chinese_heading:
        assert_chinese_renders(page)
    assert_accessible(page, f"{name} ({locale})")


def _first_document(site) -> dict:
    with urlopen(Request(f"{site.base_url}/documents?domain=disasters",
                         headers={"accept": "application/json"})) as answer:
        return json.loads(answer.read())["items"][0]


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_page_renders_chinese_in_a_cjk_font_and_has_no_serious_accessibility_violation(browser, site, locale):
    page = _tab(browser, locale)
    document = _first_document(site)
    token = site.created["manage_token"]
    sub_id = site.created["subscription"]["id"]
    pages = {
        "subscribe": ("/", locale == "zh"),
        "browse": ("/browse", locale == "zh"),
        "browse-filtered": ("/browse?domain=disasters&q=%E9%A2%84%E6%A1%88", locale == "zh"),
        "document": (f"/documents/{document['id']}", True),  # its title is Chinese in both languages
        "sources": ("/sources", locale == "zh"),
        "manage": (f"/subscriptions/{sub_id}?t={token}", locale == "zh"),
        "not-found": (f"/documents/doc_{'0' * 32}", locale == "zh"),
    }
    for name, (path, chinese) in pages.items():
        joiner = "&" if "?" in path else "?"
        page.goto(f"{site.base_url}{path}{joiner}lang={locale}")
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if locale == "zh" else "en")
        look(page, name, locale, chinese_heading=chinese)


def test_a_document_page_shows_its_own_text_facts_and_evidence_in_the_pages_language(browser, site):
    document = _first_document(site)
    page = _tab(browser, "zh")

    page.goto(f"{site.base_url}/browse?lang=zh")
    page.get_by_role("link", name=document["title"]).click()

    assert page.url == f"{site.base_url}/documents/{document['id']}?lang=zh"
    assert page.get_by_role("heading", level=1).inner_text() == document["title"]
    facts = page.locator("dl.facts").inner_text()
    assert document["doc_number"] in facts and document["issuer"] in facts
    assert "（标题）" in facts or "（正文）" in facts
    assert len(page.locator("div.text").inner_text()) > len(document["summary"])  # the whole text, not its opening
    page.goto(f"{site.base_url}/documents/{document['id']}?lang=en")
    facts = page.locator("dl.facts").inner_text()
    assert "(title)" in facts or "(body)" in facts
    assert "标题" not in facts and "正文" not in facts


def test_browse_filters_and_pages_with_linkable_urls(browser, site):
    from gazette.api import pages

    page = _tab(browser, "en")
    page.goto(f"{site.base_url}/browse?lang=en")
    page.get_by_label("Domain").select_option("disasters")
    page.get_by_role("button", name="Search").click()

    assert page.url.startswith(f"{site.base_url}/browse?lang=en&domain=disasters")
    assert page.locator("article.doc h3").all_inner_texts() == [d["title"] for d in _listing(site, "disasters")]

    saved, pages.BROWSE_PAGE = pages.BROWSE_PAGE, 3
    try:
        page.goto(f"{site.base_url}/browse?lang=en")
        seen, urls = page.locator("article.doc h3").all_inner_texts(), []
        while page.get_by_role("link", name="Next page").count():
            page.get_by_role("link", name="Next page").click()
            urls.append(page.url)
            seen.extend(page.locator("article.doc h3").all_inner_texts())
        page.goto(urls[0])  # a page's own URL gives the same page again
        again = page.locator("article.doc h3").all_inner_texts()
    finally:
        pages.BROWSE_PAGE = saved

    everything = [d["title"] for d in _listing(site, None)]
    assert seen == everything and len(urls) == (len(everything) - 1) // 3
    assert again == everything[3:6] and "cursor=" in urls[0]


def _listing(site, domain: str | None) -> list[dict]:
    query = f"domain={domain}&limit=100" if domain else "limit=100"
    with urlopen(Request(f"{site.base_url}/documents?{query}",
                         headers={"accept": "application/json"})) as answer:
        return json.loads(answer.read())["items"]


def test_atom_links_of_the_pages_lead_to_feeds_a_feed_reader_can_read(browser, site):
    page = _tab(browser, "zh")
    page.goto(f"{site.base_url}/browse?domain=disasters&lang=zh")
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")

    answer = page.request.get(f"{site.base_url}{href}")
    parsed = feedparser.parse(answer.body())
    again = page.request.get(f"{site.base_url}{href}", headers={"if-none-match": answer.headers["etag"]})

    assert answer.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert parsed.bozo == 0 and [e.title for e in parsed.entries] == [d["title"] for d in _listing(site, "disasters")]
    assert again.status == 304


def test_sources_page_shows_the_sample_source_with_its_chart(browser, site):
    page = _tab(browser, "en")
    page.goto(f"{site.base_url}/sources?lang=en")

    rows = page.locator("tbody tr").all_inner_texts()
    (row,) = [text for text in rows if "wendeng-gazette" in text]
    assert "ok" in row or "first poll" in row
    assert page.locator("svg.chart rect").count() > 0
    assert page.locator("script").count() == 0


def test_the_alert_mail_shows_each_document_as_a_summary_linking_its_page(browser, site):
    [alert] = [m for m in _mails(site.mailbox.folder) if "Message-ID" in m and "confirm" not in m["Message-ID"]]
    html = alert.get_body(("html",)).get_content()
    page = _tab(browser, "zh")

    page.set_content(html)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "alert-mail-zh.png"), full_page=True)

    titles = page.locator("article h2 a")
    assert titles.count() >= 2
    assert all(href.startswith(f"{site.base_url}/documents/doc_")
               for href in titles.evaluate_all("links => links.map(a => a.href)"))
    assert_chinese_renders(page, "article h2")
    text = page.locator("article").first.inner_text()
    assert "各区市人民政府" not in text and "印发给你们" not in text


def test_the_font_check_fails_when_chromium_has_no_cjk_font(browser, tmp_path):
    """The same check, with Chromium given a font configuration of Latin fonts only: it must fail."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      "<dir>/usr/share/fonts/truetype/dejavu</dir>"
                      f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>", encoding="utf-8")
    latin_only = browser.browser_type.launch(executable_path=str(CHROMIUM), args=ARGS,
                                             env={"FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)})
    try:
        page = latin_only.new_page()
        page.set_content('<html lang="zh-CN"><body><h1>关于印发威海市气象灾害应急预案的通知</h1></body></html>')
        with pytest.raises(AssertionError, match="no CJK font"):
            assert_chinese_renders(page)
    finally:
        latin_only.close()
