"""`gazette feeds try REGISTRY FEED_ID`: what a source yields now, fetched for real on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gazette.domain.feeds import entry_identity
from gazette_local.cli import main
from tests.loopback import QuietHandler, serving

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
# What a JavaScript cookie challenge answers a first visit with: a script that sets a cookie, reloads.
CHALLENGE = b'<html><script>document.cookie="__jsl_clearance=1";location.href=location.pathname</script></html>'

EMPTY_FEED = b'<rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture
def site():
    class Handler(QuietHandler):
        def do_GET(self):
            if self.path == "/challenge/index.html":
                status, kind, body = 412, "text/html", CHALLENGE
            elif self.path == "/empty.xml":
                status, kind, body = 200, "application/rss+xml", EMPTY_FEED
            else:
                file = SOURCES / self.path.lstrip("/")
                if not file.is_file():
                    self.send_error(404)
                    return
                status, kind, body = 200, "text/html; charset=utf-8", file.read_bytes()
            self.answer(status, kind, body)

    with serving(Handler) as base:
        yield f"{base}"


def registry(tmp_path: Path, base: str, path: str = "/hanweb-dingxi/col/col12377/index.html") -> Path:
    file = tmp_path / "feeds.yaml"
    file.write_text(f"""\
feeds:
  - feed_id: dingxi
    type: html_list
    url: {base}{path}
    name: 定西市政府信息公开平台
    item: "li.clearfix"
    fields:
      title: {{selector: "a", attr: "title"}}
      link: {{selector: "a", attr: "href"}}
      date: {{selector: "b"}}
    link_pattern: '/art/\\d{{4}}/'
    unwrap_cdata: true
  - feed_id: empty
    url: {base}/empty.xml
    name: an empty feed
""", encoding="utf-8")
    return file


def test_feeds_try_prints_one_json_line_per_item_in_page_order(site, tmp_path, capsys):
    assert main(["feeds", "try", str(registry(tmp_path, site)), "dingxi", "--allow-loopback"]) == 0

    art = f"{site}/art/2022/1/"
    expected = [
        ("定西市“春节”文明祭祀倡议书", art + "20/art_12377_1486865.html", "2022-01-20"),
        ("定西市工信局关于对省级第二轮环保督察反馈第四项第十三项问题整改完成情况的公示",
         art + "19/art_12377_1486583.html", "2022-01-19"),
        ("2021年度政府网站年度工作报表", art + "14/art_12377_1485512.html", "2022-01-14"),
        ("定西市新冠肺炎疫情联防联控领导小组办公室通告", art + "14/art_12377_1485138.html", "2022-01-14"),
        ("定西市人民政府办公室关于2021年第四季度全市政府网站和政务新媒体检查情况的通报",
         art + "7/art_12377_1485549.html", "2022-01-07"),
        ("关于在城区内禁止随意焚烧冥纸冥币有关事项的通告", art + "6/art_12377_1484337.html", "2022-01-06"),
        ("甘肃省人民政府教育督导委员会办公室关于开展2021年市（州）人民政府履行教育职责情况满意度调查的通知",
         "http://zwgk.dingxi.gov.cn/art/2021/11/4/art_12480_1461862.html", "2021-11-04"),
    ]
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        json.dumps({"id": entry_identity("dingxi", None, link, title, None), "title": title, "link": link,
                    "published": published}, ensure_ascii=False)
        for title, link, published in expected
    ]
    assert err == ""


@pytest.mark.parametrize(("change", "args", "message"), [
    ("registry", [], "{registry}:6: feed 1: item: not a CSS selector: Expected ident or '*', got <EOF at 3>"),
    ("none", ["nobody"], "{registry}: no feed_id 'nobody' in it"),
    ("none", [], "{base}/hanweb-dingxi/col/col12377/index.html: refused loopback address 127.0.0.1"),
    ("challenge", ["--allow-loopback"],
     "{base}/challenge/index.html: blocked by the site's bot protection (HTTP 412, a JavaScript cookie challenge)"),
    ("layout", ["--allow-loopback"], "{base}/hanweb-sdkjt/col/col103585/index.html: 0 items: the page layout may "
                                     "have changed (nothing matches item 'li.clearfix')"),
    ("empty", ["--allow-loopback"], "{base}/empty.xml: the source yields nothing"),
    ("gone", ["--allow-loopback"], "{base}/nope.html: HTTP 404"),
])
def test_feeds_try_failure_prints_one_line_and_exits_2(site, tmp_path, capsys, change, args, message):
    path = {"challenge": "/challenge/index.html", "layout": "/hanweb-sdkjt/col/col103585/index.html",
            "gone": "/nope.html"}.get(change, "/hanweb-dingxi/col/col12377/index.html")
    file = registry(tmp_path, site, path)
    if change == "registry":
        file.write_text(file.read_text(encoding="utf-8").replace('"li.clearfix"', '"li["'), encoding="utf-8")
    feed_id = "empty" if change == "empty" else "dingxi"
    argv = ["feeds", "try", str(file), "nobody" if args[:1] == ["nobody"] else feed_id,
            *[a for a in args if a != "nobody"]]

    assert main(argv) == 2

    out, err = capsys.readouterr()
    assert (out, err) == ("", "gazette: " + message.format(registry=file, base=site) + "\n")
