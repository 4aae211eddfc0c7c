"""Items of list sources, read from the real page and JSON structures under tests/fixtures/sources/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from gazette.domain.feeds import FeedParseError, entry_identity
from gazette.domain.registry import SourceSpec
from gazette.domain.sources import SourceLayoutError, extract_items, parse_item_date

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def spec(**kwargs) -> SourceSpec:
    return SourceSpec.model_validate(kwargs)


def items(source: SourceSpec, path: str, url: str, headers=None) -> list[tuple]:
    parsed = extract_items(source, (SOURCES / path).read_bytes(), headers or {}, url)
    return [(e.title, e.link, e.published, e.date_only) for e in parsed.entries]


DINGXI = spec(
    type="html_list", item="li.clearfix", unwrap_cdata=True, link_pattern=r"/art/\d{4}/",
    fields={"title": {"selector": "a", "attr": "title"}, "link": {"selector": "a", "attr": "href"},
            "date": {"selector": "b"}},
)
GOV_CN_PAGE = spec(
    type="html_list", item="div.list ul li",
    fields={"title": {"selector": "h4 > a"}, "link": {"selector": "h4 > a", "attr": "href"},
            "date": {"selector": "span.date"}},
)
GOV_CN_JSON = spec(type="json_list", items="@", fields={"title": "TITLE", "link": "URL", "date": "DOCRELPUBTIME"})
GOV_CN_ITEMS = [
    ("中共中央 国务院转发《中央宣传部、司法部关于开展法治宣传教育的第九个五年规划（2026－2030年）》",
     "https://www.gov.cn/zhengce/202607/content_7076696.htm", day(2026, 7, 27), True),
    ("国办印发《关于国务院行政复议案件处理程序的若干规定》的通知",
     "https://www.gov.cn/zhengce/content/202607/content_7076684.htm", day(2026, 7, 27), True),
    ("国务院关于同意将山东省潍坊市列为国家历史文化名城的批复",
     "https://www.gov.cn/zhengce/content/202607/content_7076508.htm", day(2026, 7, 24), True),
    ("中共中央 国务院印发《关于加强新时代社会工作的意见》",
     "https://www.gov.cn/zhengce/202607/content_7076433.htm", day(2026, 7, 23), True),
    ("国务院关于印发《全民健身计划（2026—2030年）》的通知",
     "https://www.gov.cn/zhengce/content/202607/content_7076420.htm", day(2026, 7, 23), True),
    ("国务院办公厅关于转发生态环境部等部门《群众身边水体保护治理行动方案》的通知",
     "https://www.gov.cn/zhengce/content/202607/content_7075364.htm", day(2026, 7, 14), True),
    ("中办国办关于完善自然资源资产管理制度体系的意见",
     "https://www.gov.cn/zhengce/202607/content_7075234.htm", day(2026, 7, 13), True),
    ("国务院关于《扩大消费“十五五”规划》的批复",
     "https://www.gov.cn/zhengce/content/202607/content_7075216.htm", day(2026, 7, 13), True),
]


def test_extract_hanweb_cdata_list_gives_every_record_with_whole_titles_and_absolute_links():
    got = items(DINGXI, "hanweb-dingxi/col/col12377/index.html", "http://www.dingxi.gov.cn/col/col12377/index.html")

    base = "http://www.dingxi.gov.cn/art/"
    assert got == [
        ("定西市“春节”文明祭祀倡议书", base + "2022/1/20/art_12377_1486865.html", day(2022, 1, 20), True),
        ("定西市工信局关于对省级第二轮环保督察反馈第四项第十三项问题整改完成情况的公示",
         base + "2022/1/19/art_12377_1486583.html", day(2022, 1, 19), True),
        ("2021年度政府网站年度工作报表", base + "2022/1/14/art_12377_1485512.html", day(2022, 1, 14), True),
        ("定西市新冠肺炎疫情联防联控领导小组办公室通告",
         base + "2022/1/14/art_12377_1485138.html", day(2022, 1, 14), True),
        ("定西市人民政府办公室关于2021年第四季度全市政府网站和政务新媒体检查情况的通报",
         base + "2022/1/7/art_12377_1485549.html", day(2022, 1, 7), True),
        ("关于在城区内禁止随意焚烧冥纸冥币有关事项的通告",
         base + "2022/1/6/art_12377_1484337.html", day(2022, 1, 6), True),
        ("甘肃省人民政府教育督导委员会办公室关于开展2021年市（州）人民政府履行教育职责情况满意度调查的通知",
         "http://zwgk.dingxi.gov.cn/art/2021/11/4/art_12480_1461862.html", day(2021, 11, 4), True),
    ]


def test_extract_hanweb_list_without_unwrap_cdata_is_a_layout_error():
    source = DINGXI.model_copy(update={"unwrap_cdata": False})

    with pytest.raises(SourceLayoutError, match=r"^0 items: the page layout may have changed \(nothing matches "):
        items(source, "hanweb-dingxi/col/col12377/index.html", "http://www.dingxi.gov.cn/col/col12377/index.html")


def test_extract_hanweb_list_with_text_titles_and_absolute_links():
    source = spec(type="html_list", item="record li", unwrap_cdata=True,
                  fields={"title": {"selector": "a"}, "link": {"selector": "a", "attr": "href"},
                          "date": {"selector": "span.pull-right"}})

    got = items(source, "hanweb-sdkjt/col/col103585/index.html", "http://kjt.shandong.gov.cn/col/col103585/index.html")

    assert got == [
        ("关于印发《山东省自然科学基金绩效评价工作细则（试行）》的通知",
         "http://kjt.shandong.gov.cn/art/2026/9/4/art_103585_10328790.html", day(2026, 9, 4), True),
        ("关于印发《关于进一步加强科技类行业协会等社会组织管理工作的若干措施》的通知",
         "http://kjt.shandong.gov.cn/art/2026/8/21/art_103585_10327410.html", day(2026, 8, 21), True),
    ]


def test_extract_gov_cn_paged_list_resolves_relative_links_against_the_page():
    got = items(GOV_CN_PAGE, "gov-cn/zhengce/zuixin/home_1.htm", "https://www.gov.cn/zhengce/zuixin/home_1.htm")

    assert got == GOV_CN_ITEMS


def test_extract_gov_cn_json_list_gives_the_same_items_and_identities_as_its_page():
    page = extract_items(GOV_CN_PAGE, (SOURCES / "gov-cn/zhengce/zuixin/home_1.htm").read_bytes(), {},
                         "https://www.gov.cn/zhengce/zuixin/home_1.htm", feed_key="gov")
    listed = extract_items(GOV_CN_JSON, (SOURCES / "gov-cn/zhengce/zuixin/ZUIXINZHENGCE.json").read_bytes(), {},
                           "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json", feed_key="gov")

    assert [(e.title, e.link, e.published, e.date_only) for e in listed.entries] == GOV_CN_ITEMS
    assert [e.entry_id for e in listed.entries] == [e.entry_id for e in page.entries]


def test_extract_federal_register_json_api_results():
    source = spec(type="json_list", items="results",
                  fields={"title": "title", "link": "html_url", "date": "publication_date"})

    got = items(source, "federal-register/api/v1/documents.json", "https://www.federalregister.gov/api/v1/documents.json")

    doc = "https://www.federalregister.gov/documents/2024/01/02/"
    assert got == [
        ("Notice of Solicitation of Applications for the Rural Innovation Stronger Economy (RISE) Grant Program "
         "for Fiscal Year 2024", doc + "2023-26792/notice-of-solicitation-of-applications-for-the-rural-innovation-"
         "stronger-economy-rise-grant-program", day(2024, 1, 2), True),
        ("Carrier Automated Tariffs", doc + "2023-27783/carrier-automated-tariffs", day(2024, 1, 2), True),
        ("Notice of Funding Opportunity (NOFO) for Section 313A Guarantees for Bonds and Notes Issued for Utility "
         "Infrastructure Purposes for Fiscal Year (FY) 2024", doc + "2023-27901/notice-of-funding-opportunity-nofo-"
         "for-section-313a-guarantees-for-bonds-and-notes-issued-for", day(2024, 1, 2), True),
        ("Data Collection Available for Public Comments",
         doc + "2023-27905/data-collection-available-for-public-comments", day(2024, 1, 2), True),
    ]


def test_extract_gongbao_issue_index_flattens_years_into_issues():
    source = spec(type="json_list", items="[0].values.*.*[]",
                  fields={"title": "join('', ['国务院公报 ', to_string(issue), '期'])", "link": "gname"})

    got = items(source, "gov-cn/gongbao/gbgl.json", "https://www.gov.cn/gongbao/gbgl.json")

    assert got == [
        ("国务院公报 32期", "https://www.gov.cn/gongbao/2025/issue_12406/", None, False),
        ("国务院公报 25期", "https://www.gov.cn/gongbao/2025/issue_12266/", None, False),
        ("国务院公报 33期", "https://www.gov.cn/gongbao/2024/issue_11726/", None, False),
    ]


def test_extract_gongbao_contents_keeps_documents_and_drops_pdf_and_navigation_links():
    source = spec(type="html_list", item="xpath://a", link_pattern=r"/content_\d+\.html$",
                  fields={"title": {}, "link": {"attr": "href"}})

    got = items(source, "gov-cn/gongbao/2024/issue_11726/index.html", "https://www.gov.cn/gongbao/2024/issue_11726/")

    assert got == [
        ("国务院关于修改《全国年节及纪念日放假办法》的决定",
         "https://www.gov.cn/gongbao/2024/issue_11726/202411/content_6989774.html", None, False),
        ("国务院办公厅关于2025年部分节假日安排的通知",
         "https://www.gov.cn/gongbao/2024/issue_11726/202411/content_6989767.html", None, False),
    ]


def test_extract_feed_type_delegates_to_the_feed_parser():
    got = items(SourceSpec(), "canada-gazette/rss/p1-eng.xml", "https://www.gazette.gc.ca/rss/p1-eng.xml")

    issues = "https://gazette.gc.ca/rp-pr/p1/"
    assert got == [
        ("Canada Gazette - Part I, September 26, 2026", issues + "2026/2026-09-26/html/index-eng.html",
         datetime(2026, 9, 26, 19, 0, tzinfo=UTC), False),
        ("Canada Gazette - Part I, Extra, July 31, 2026", issues + "2026/2026-07-31-x6/html/extra6-eng.html",
         datetime(2026, 7, 31, 19, 0, tzinfo=UTC), False),
        ("Quarterly index", issues + "205/indexq1-eng.html", datetime(2026, 1, 3, 19, 0, tzinfo=UTC), False),
    ]


def test_extract_list_whose_layout_changed_raises_a_layout_error_not_a_parse_error():
    page = "<html><body><div class='news_box'><p>网站改版</p></div></body></html>".encode()

    with pytest.raises(SourceLayoutError) as caught:
        extract_items(GOV_CN_PAGE, page, {}, "https://www.gov.cn/zhengce/zuixin/home_1.htm")

    assert str(caught.value) == "0 items: the page layout may have changed (nothing matches item 'div.list ul li')"
    assert not isinstance(caught.value, FeedParseError)


def test_extract_json_list_whose_items_expression_finds_nothing_is_a_layout_error():
    with pytest.raises(SourceLayoutError, match=r"^0 items: the page layout may have changed \(items 'results' "):
        extract_items(spec(type="json_list", items="results", fields={"title": "title"}), b"[]", {}, "https://x.org/")


def test_extract_json_list_that_is_not_json_is_a_parse_error():
    with pytest.raises(FeedParseError, match=r"^not a list: JSON body does not parse"):
        extract_items(GOV_CN_JSON, b"<html>busy</html>", {}, "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json")


def test_extract_html_list_uses_base_href_and_folds_http_and_https_and_fragments_into_one_identity():
    page = (b'<html><head><base href="https://www.gov.cn/zhengce/"></head><body><ul>'
            b'<li><a href="content/202607/content_7076684.htm#top">A</a></li>'
            b'<li><a href="http://www.gov.cn/zhengce/content/202607/content_7076684.htm">A</a></li>'
            b'<li><a href="javascript:void(0)">B</a></li></ul></body></html>')
    source = spec(type="html_list", item="ul li",
                  fields={"title": {"selector": "a"}, "link": {"selector": "a", "attr": "href"}})

    parsed = extract_items(source, page, {}, "https://www.gov.cn/zhengce/zuixin/home_1.htm", feed_key="gov")

    assert [(e.entry_id, e.title, e.link) for e in parsed.entries] == [
        (entry_identity("gov", None, "https://www.gov.cn/zhengce/content/202607/content_7076684.htm", "A", None),
         "A", "https://www.gov.cn/zhengce/content/202607/content_7076684.htm#top"),
        (entry_identity("gov", None, None, "B", None), "B", None),
    ]


@pytest.mark.parametrize(("text", "fmt", "expected"), [
    ("2024-01-02", None, (day(2024, 1, 2), True)),
    ("[2024/1/2]", None, (day(2024, 1, 2), True)),
    ("发布日期：2024年01月02日", None, (day(2024, 1, 2), True)),
    ("2024-01-02 09:30", None, (datetime(2024, 1, 2, 1, 30, tzinfo=UTC), False)),
    ("2024-01-02T09:30:00-05:00", None, (datetime(2024, 1, 2, 14, 30, tzinfo=UTC), False)),
    ("1704159000000", None, (datetime(2024, 1, 2, 1, 30, tzinfo=UTC), False)),
    ("02.01.2024 09:30", "%d.%m.%Y %H:%M", (datetime(2024, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=8))), False)),
    ("02.01.2024", "%d.%m.%Y", (day(2024, 1, 2), True)),
    ("2024-01-02", "%d.%m.%Y", None),
    ("无日期", None, None),
])
def test_parse_item_date_reads_list_dates_with_a_default_zone_of_plus_eight(text, fmt, expected):
    assert parse_item_date(text, fmt) == expected
