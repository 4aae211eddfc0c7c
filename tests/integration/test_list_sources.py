"""List sources fetched for real on loopback: the pages and JSON under tests/fixtures/sources/, served
as their sites serve them, read by the same step the poller and `gazette feeds try` use."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest

from gazette.adapters import http
from gazette.domain.feeds import entry_identity
from gazette.domain.registry import SourceSpec
from gazette.services.sources import FollowError, SourceItems, source_items
from tests.loopback import QuietHandler, serving

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
TYPES = {".json": "application/json", ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8"}
STATS = SOURCES / "stats-gov-cn"  # www.stats.gov.cn, whose pages are GBK (see SOURCES.md)


def gbk_contents_page() -> bytes:
    """The 国务院公报 contents page (relative links, a PDF link, a navigation link) as a GBK site
    serves such a page: the same markup encoded in GBK, its meta charset saying gb2312."""
    page = (SOURCES / "gov-cn/gongbao/2024/issue_11726/index.html").read_text(encoding="utf-8")
    return page.replace('<meta charset="utf-8">', '<meta charset="gb2312">').encode("gbk")


@pytest.fixture
def site():
    requests: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path == "/gbk/2024/issue_11726/":
                body, kind = gbk_contents_page(), "text/html"  # no charset: only the page says it
            else:
                # www.gov.cn's and www.sz.gov.cn's pages at the root, as those sites serve them;
                # other sites under their folder.
                file = SOURCES / "gov-cn" / self.path.lstrip("/")
                if not file.exists():
                    file = SOURCES / "sz-gov-cn" / self.path.lstrip("/")
                if not file.exists():
                    file = SOURCES / self.path.lstrip("/")
                if file.is_dir():
                    file = file / "index.html"
                if not file.is_file() or SOURCES not in file.resolve().parents:
                    self.send_error(404)
                    return
                body, kind = file.read_bytes(), TYPES.get(file.suffix, "application/octet-stream")
                if STATS in file.parents:
                    kind = "text/html"  # a GBK page: no charset in the header, only the page says it
            self.answer(200, kind, body)

    with serving(Handler) as base:
        yield f"{base}", requests


DECREE_795 = "国务院关于修改《全国年节及纪念日放假办法》的决定"
HOLIDAYS_2025 = "国务院办公厅关于2025年部分节假日安排的通知"
fetch = partial(http.fetch, allow_loopback=True, timeout=(1.0, 2.0))

CONTENTS = SourceSpec.model_validate({
    "type": "html_list", "item": "a", "link_pattern": r"/content_\d+\.html$",
    "fields": {"title": {}, "link": {"attr": "href"}},
})
ISSUES = SourceSpec.model_validate({
    "type": "json_list", "items": "[0].values.*.*[]",
    "fields": {"title": "join('', ['国务院公报 ', to_string(issue), '期'])", "link": "gname"},
    "follow": CONTENTS.model_dump(),
})


def listed(items: SourceItems) -> list[tuple]:
    return [(e.title, e.link, e.published.date().isoformat() if e.published else None) for e in items.entries]


def test_gbk_contents_page_gives_exact_titles_absolute_links_and_no_navigation(site):
    base, _ = site
    first = fetch(f"{base}/gbk/2024/issue_11726/")

    items = source_items(CONTENTS, first, fetch)

    assert first.headers["content-type"] == "text/html"
    assert (items.encoding, listed(items)) == ("gb18030", [
        (DECREE_795, f"{base}/gbk/2024/issue_11726/202411/content_6989774.html", None),
        (HOLIDAYS_2025, f"{base}/gbk/2024/issue_11726/202411/content_6989767.html", None),
    ])


GUANGDONG = [  # (code, name) of each row of the stats.gov.cn page, in page order
    ("4401", "广州市"), ("4402", "韶关市"), ("4403", "深圳市"), ("4404", "珠海市"), ("4405", "汕头市"),
    ("4406", "佛山市"), ("4407", "江门市"), ("4408", "湛江市"), ("4409", "茂名市"), ("4412", "肇庆市"),
    ("4413", "惠州市"), ("4414", "梅州市"), ("4415", "汕尾市"), ("4416", "河源市"), ("4417", "阳江市"),
    ("4418", "清远市"), ("4419", "东莞市"), ("4420", "中山市"), ("4451", "潮州市"), ("4452", "揭阳市"),
    ("4453", "云浮市"),
]
STATS_PAGE = "/stats-gov-cn/tjsj/tjbz/tjyqhdmhcxhfdm/2021/44.html"


def test_gbk_government_list_with_meta_charset_gives_every_row_with_its_absolute_link(site):
    base, _ = site
    page = f"{base}{STATS_PAGE}"
    spec = SourceSpec.model_validate({
        "type": "html_list", "item": "tr.citytr",
        "fields": {"title": {"selector": "td:nth-child(2) a"}, "link": {"selector": "a", "attr": "href"}},
    })
    first = fetch(page)

    items = source_items(spec, first, fetch)

    folder = page.rsplit("/", 1)[0]
    links = [f"{folder}/44/{code}.html" for code, _ in GUANGDONG]
    assert (first.headers["content-type"], items.encoding) == ("text/html", "gb18030")
    assert [(e.entry_id, e.title, e.link, e.published) for e in items.entries] == [
        (entry_identity(page, None, link, None, None), name, link, None)
        for (_, name), link in zip(GUANGDONG, links, strict=True)]


def test_gbk_government_list_read_link_by_link_drops_its_navigation_and_merges_each_rows_two_links(site):
    base, _ = site
    page = f"{base}{STATS_PAGE}"
    # Every link on the page: the image map's three site links and the ICP record's link are not
    # the list's; the pattern keeps the rows', and a row's code and name links are one item.
    spec = SourceSpec.model_validate({
        "type": "html_list", "item": "a, area", "link_pattern": r"/2021/44/\d{4}\.html$",
        "fields": {"title": {}, "link": {"attr": "href"}},
    })

    items = source_items(spec, fetch(page), fetch)

    folder = page.rsplit("/", 1)[0]
    assert [(e.title, e.link) for e in items.entries] == [
        (f"{code}00000000", f"{folder}/44/{code}.html") for code, _ in GUANGDONG]


def test_hanweb_cdata_list_served_on_loopback_gives_every_record(site):
    base, _ = site
    spec = SourceSpec.model_validate({
        "type": "html_list", "item": "li.clearfix", "unwrap_cdata": True, "link_pattern": r"/art/\d{4}/",
        "fields": {"title": {"selector": "a", "attr": "title"}, "link": {"selector": "a", "attr": "href"},
                   "date": {"selector": "b"}},
    })

    items = source_items(spec, fetch(f"{base}/hanweb-dingxi/col/col12377/index.html"), fetch)

    art = f"{base}/art/2022/1/"
    assert listed(items) == [
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


def test_json_list_served_on_loopback_gives_every_item_in_order(site):
    base, _ = site
    spec = SourceSpec.model_validate({"type": "json_list", "items": "@",
                                      "fields": {"title": "TITLE", "link": "URL", "date": "DOCRELPUBTIME"}})

    items = source_items(spec, fetch(f"{base}/zhengce/zuixin/ZUIXINZHENGCE.json"), fetch)

    assert listed(items) == [
        ("中共中央 国务院转发《中央宣传部、司法部关于开展法治宣传教育的第九个五年规划（2026－2030年）》",
         "https://www.gov.cn/zhengce/202607/content_7076696.htm", "2026-07-27"),
        ("国办印发《关于国务院行政复议案件处理程序的若干规定》的通知",
         "https://www.gov.cn/zhengce/content/202607/content_7076684.htm", "2026-07-27"),
        ("国务院关于同意将山东省潍坊市列为国家历史文化名城的批复",
         "https://www.gov.cn/zhengce/content/202607/content_7076508.htm", "2026-07-24"),
        ("中共中央 国务院印发《关于加强新时代社会工作的意见》",
         "https://www.gov.cn/zhengce/202607/content_7076433.htm", "2026-07-23"),
        ("国务院关于印发《全民健身计划（2026—2030年）》的通知",
         "https://www.gov.cn/zhengce/content/202607/content_7076420.htm", "2026-07-23"),
        ("国务院办公厅关于转发生态环境部等部门《群众身边水体保护治理行动方案》的通知",
         "https://www.gov.cn/zhengce/content/202607/content_7075364.htm", "2026-07-14"),
        ("中办国办关于完善自然资源资产管理制度体系的意见",
         "https://www.gov.cn/zhengce/202607/content_7075234.htm", "2026-07-13"),
        ("国务院关于《扩大消费“十五五”规划》的批复",
         "https://www.gov.cn/zhengce/content/202607/content_7075216.htm", "2026-07-13"),
    ]


def issue_ids(base: str) -> dict[str, str]:
    first = fetch(f"{base}/gongbao/gbgl.json")
    return {e.link.removeprefix(base): e.entry_id for e in source_items(ISSUES.model_copy(update={"follow": None}),
                                                                         first, fetch).entries}


def test_follow_reads_only_new_issues_and_yields_their_documents(site):
    base, requests = site
    ids = issue_ids(base)
    known = {ids["/gongbao/2025/issue_12406/"], ids["/gongbao/2025/issue_12266/"]}
    requests.clear()

    items = source_items(ISSUES, fetch(f"{base}/gongbao/gbgl.json"), fetch, known)

    assert requests == ["/gongbao/gbgl.json", "/gongbao/2024/issue_11726/"]
    assert listed(items) == [
        (DECREE_795, f"{base}/gongbao/2024/issue_11726/202411/content_6989774.html", None),
        (HOLIDAYS_2025, f"{base}/gongbao/2024/issue_11726/202411/content_6989767.html", None),
    ]
    assert (items.list_ids, items.problems) == ([ids["/gongbao/2024/issue_11726/"]], [])


def test_follow_leaves_an_unreadable_issue_to_the_next_poll_and_says_why(site):
    base, _ = site
    ids = issue_ids(base)

    items = source_items(ISSUES, fetch(f"{base}/gongbao/gbgl.json"), fetch, {ids["/gongbao/2025/issue_12266/"]})

    assert [e.link.removeprefix(base) for e in items.entries] == [
        "/gongbao/2024/issue_11726/202411/content_6989774.html",
        "/gongbao/2024/issue_11726/202411/content_6989767.html",
    ]
    assert items.list_ids == [ids["/gongbao/2024/issue_11726/"]]
    missing = f"{base}/gongbao/2025/issue_12406/"
    assert items.problems == [f"{missing}: FollowError: {missing}: HTTP 404"]


def test_follow_with_every_new_issue_unreadable_raises(site):
    base, _ = site
    ids = issue_ids(base)

    with pytest.raises(FollowError, match=r"/gongbao/2025/issue_12406/: HTTP 404$"):
        source_items(ISSUES, fetch(f"{base}/gongbao/gbgl.json"), fetch, {ids["/gongbao/2024/issue_11726/"]})


def shenzhen(base: str) -> SourceSpec:
    from gazette.domain.registry import load_registry

    feeds = {feed.feed_id: feed for feed in load_registry(SOURCES / "registry.yaml", base_url=base)}
    return feeds["shenzhen-gazette"].source_spec()


def test_tree_reads_every_branch_and_opens_only_the_new_issue(site):
    base, requests = site
    spec = shenzhen(base)
    assert spec.follow is not None
    listed = source_items(spec.model_copy(update={"follow": spec.follow.model_copy(update={"follow": None})}),
                          fetch(f"{base}/postmeta/i/101619.json"), fetch)
    known = {e.entry_id for e in listed.entries if e.link == f"{base}/postmeta/i/1263.json"}
    requests.clear()

    items = source_items(spec, fetch(f"{base}/postmeta/i/101619.json"), fetch, known)

    assert requests == ["/postmeta/i/101619.json", "/postmeta/i/2022.json", "/postmeta/i/2023.json",
                        "/postmeta/i/1303.json"]
    assert [(e.title, e.link, e.doc_number, e.issuer) for e in items.entries] == [
        ("深圳市财政局政府采购供应商信用信息管理办法", "https://www.sz.gov.cn/zfgb/2023/gb1303/content/post_10832248.html",
         "深财规〔2023〕3号", "深圳市财政局")]
    assert (len(items.list_ids), items.problems) == (1, [])


def test_tree_with_an_unreadable_branch_raises_rather_than_listing_part_of_the_tree(site):
    base, _ = site
    every_column = shenzhen(base).model_copy(update={"items": "children"})  # 政策解读 too: not served here

    with pytest.raises(FollowError, match=r"/postmeta/i/101639\.json: HTTP 404$"):
        source_items(every_column, fetch(f"{base}/postmeta/i/101619.json"), fetch)
