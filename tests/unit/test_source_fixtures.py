"""The registry's real sources read their real pages: tests/fixtures/sources/registry.yaml (the entries
of infra/feeds.yaml, with `{base_url}` for the site's origin) applied to the fixture each site serves.
Every expected list below was written by reading the fixture, item by item."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gazette.domain.detail import PageMetadata, page_metadata
from gazette.domain.feeds import entry_identity
from gazette.domain.registry import FeedConfig, load_registry
from gazette.domain.sources import extract_items

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "tests" / "fixtures" / "sources"
BASE = "http://127.0.0.1:8765"

# feed_id -> the folder that is that site's root
SITE = {
    "gov-cn-zhengce-zuixin": "gov-cn",
    "gov-cn-zhengce-zuixin-html": "gov-cn",
    "gov-cn-gongbao": "gov-cn",
    "shandong-kjt-zcwj": "hanweb-sdkjt",
    "dingxi-zwgk": "hanweb-dingxi",
    "federal-register-procurement": "federal-register",
    "uk-gazette-state": "uk-gazette",
    "canada-gazette-part-1": "canada-gazette",
    "shenzhen-gazette": "sz-gov-cn",
}


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def registry() -> dict[str, FeedConfig]:
    return {feed.feed_id: feed for feed in load_registry(SOURCES / "registry.yaml", base_url=BASE)}


def served(site: str, url: str) -> bytes:
    """What the loopback server rooted at ``site`` answers for ``url``: a folder serves index.html."""
    path = urlsplit(url).path
    relative = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
    return (SOURCES / site / relative).read_bytes()


def read(feed: FeedConfig, spec=None, url: str | None = None) -> list[tuple]:
    url = url or feed.url
    parsed = extract_items(spec or feed.source_spec(), served(SITE[feed.feed_id], url), {}, url,
                           feed_key=feed.feed_id)
    return [(e.entry_id, e.title, e.link, e.published, e.date_only) for e in parsed.entries]


def by_link(feed_id: str, *items: tuple) -> list[tuple]:
    """Expected items identified by their link, as list items are."""
    return [(entry_identity(feed_id, None, link, None, None), title, link, published, date_only)
            for title, link, published, date_only in items]


GOV_CN = [
    ("中共中央 国务院转发《中央宣传部、司法部关于开展法治宣传教育的第九个五年规划（2026－2030年）》",
     "zhengce/202607/content_7076696.htm", day(2026, 7, 27)),
    ("国办印发《关于国务院行政复议案件处理程序的若干规定》的通知",
     "zhengce/content/202607/content_7076684.htm", day(2026, 7, 27)),
    ("国务院关于同意将山东省潍坊市列为国家历史文化名城的批复",
     "zhengce/content/202607/content_7076508.htm", day(2026, 7, 24)),
    ("中共中央 国务院印发《关于加强新时代社会工作的意见》",
     "zhengce/202607/content_7076433.htm", day(2026, 7, 23)),
    ("国务院关于印发《全民健身计划（2026—2030年）》的通知",
     "zhengce/content/202607/content_7076420.htm", day(2026, 7, 23)),
    ("国务院办公厅关于转发生态环境部等部门《群众身边水体保护治理行动方案》的通知",
     "zhengce/content/202607/content_7075364.htm", day(2026, 7, 14)),
    ("中办国办关于完善自然资源资产管理制度体系的意见",
     "zhengce/202607/content_7075234.htm", day(2026, 7, 13)),
    ("国务院关于《扩大消费“十五五”规划》的批复",
     "zhengce/content/202607/content_7075216.htm", day(2026, 7, 13)),
]


def test_source_fixture_gov_cn_latest_policies_json_gives_its_eight_policies_with_their_own_links():
    feed = registry()["gov-cn-zhengce-zuixin"]
    assert read(feed) == by_link(feed.feed_id, *[
        (title, "https://www.gov.cn/" + path, published, True) for title, path, published in GOV_CN])


def test_source_fixture_gov_cn_paged_list_gives_the_same_policies_made_absolute_against_the_page():
    feed = registry()["gov-cn-zhengce-zuixin-html"]
    assert read(feed) == by_link(feed.feed_id, *[
        (title, f"{BASE}/{path}", published, True) for title, path, published in GOV_CN])


def test_source_fixture_gongbao_index_gives_one_item_per_issue_linking_its_folder():
    feed = registry()["gov-cn-gongbao"]
    assert read(feed) == by_link(
        feed.feed_id,
        ("国务院公报 第32号", f"{BASE}/gongbao/2025/issue_12406/", None, False),
        ("国务院公报 第25号", f"{BASE}/gongbao/2025/issue_12266/", None, False),
        ("国务院公报 第33号", f"{BASE}/gongbao/2024/issue_11726/", None, False),
    )


def test_source_fixture_gongbao_issue_contents_followed_give_its_documents_not_its_pdf_or_navigation():
    feed = registry()["gov-cn-gongbao"]
    issue = f"{BASE}/gongbao/2024/issue_11726/"
    assert read(feed, spec=feed.follow, url=issue) == by_link(
        feed.feed_id,
        ("国务院关于修改《全国年节及纪念日放假办法》的决定", issue + "202411/content_6989774.html", None, False),
        ("国务院办公厅关于2025年部分节假日安排的通知", issue + "202411/content_6989767.html", None, False),
    )


def test_source_fixture_shenzhen_gazette_column_gives_its_two_latest_years_not_its_explainers():
    feed = registry()["shenzhen-gazette"]
    assert read(feed) == by_link(
        feed.feed_id,
        ("2022年", f"{BASE}/postmeta/i/2022.json", None, False),
        ("2023年", f"{BASE}/postmeta/i/2023.json", None, False),
    )


def test_source_fixture_shenzhen_gazette_year_gives_its_issue_columns():
    feed = registry()["shenzhen-gazette"]
    assert feed.follow is not None
    assert read(feed, spec=feed.follow, url=f"{BASE}/postmeta/i/2023.json") == by_link(
        feed.feed_id, ("", f"{BASE}/postmeta/i/1303.json", None, False))


def test_source_fixture_shenzhen_gazette_issue_gives_its_articles_with_number_and_issuer():
    feed = registry()["shenzhen-gazette"]
    assert feed.follow is not None and feed.follow.follow is not None
    url = f"{BASE}/postmeta/i/1303.json"
    parsed = extract_items(feed.follow.follow, served("sz-gov-cn", url), {}, url, feed_key=feed.feed_id)
    link = "https://www.sz.gov.cn/zfgb/2023/gb1303/content/post_10832248.html"
    assert [(e.entry_id, e.title, e.link, e.published, e.date_only, e.doc_number, e.issuer)
            for e in parsed.entries] == [
        (entry_identity(feed.feed_id, None, link, None, None), "深圳市财政局政府采购供应商信用信息管理办法", link,
         day(2023, 9, 11), True, "深财规〔2023〕3号", "深圳市财政局"),
    ]


def test_source_fixture_hanweb_column_of_shandong_kjt_gives_its_cdata_records():
    feed = registry()["shandong-kjt-zcwj"]
    assert read(feed) == by_link(
        feed.feed_id,
        ("关于印发《山东省自然科学基金绩效评价工作细则（试行）》的通知",
         "http://kjt.shandong.gov.cn/art/2026/9/4/art_103585_10328790.html", day(2026, 9, 4), True),
        ("关于印发《关于进一步加强科技类行业协会等社会组织管理工作的若干措施》的通知",
         "http://kjt.shandong.gov.cn/art/2026/8/21/art_103585_10327410.html", day(2026, 8, 21), True),
    )


def test_source_fixture_hanweb_column_of_dingxi_gives_whole_titles_from_the_title_attribute():
    feed = registry()["dingxi-zwgk"]
    art = f"{BASE}/art/"
    assert read(feed) == by_link(
        feed.feed_id,
        ("定西市“春节”文明祭祀倡议书", art + "2022/1/20/art_12377_1486865.html", day(2022, 1, 20), True),
        ("定西市工信局关于对省级第二轮环保督察反馈第四项第十三项问题整改完成情况的公示",
         art + "2022/1/19/art_12377_1486583.html", day(2022, 1, 19), True),
        ("2021年度政府网站年度工作报表", art + "2022/1/14/art_12377_1485512.html", day(2022, 1, 14), True),
        ("定西市新冠肺炎疫情联防联控领导小组办公室通告", art + "2022/1/14/art_12377_1485138.html",
         day(2022, 1, 14), True),
        ("定西市人民政府办公室关于2021年第四季度全市政府网站和政务新媒体检查情况的通报",
         art + "2022/1/7/art_12377_1485549.html", day(2022, 1, 7), True),
        ("关于在城区内禁止随意焚烧冥纸冥币有关事项的通告", art + "2022/1/6/art_12377_1484337.html",
         day(2022, 1, 6), True),
        ("甘肃省人民政府教育督导委员会办公室关于开展2021年市（州）人民政府履行教育职责情况满意度调查的通知",
         "http://zwgk.dingxi.gov.cn/art/2021/11/4/art_12480_1461862.html", day(2021, 11, 4), True),
    )


def test_source_fixture_federal_register_api_gives_its_results_with_their_html_urls():
    feed = registry()["federal-register-procurement"]
    docs = "https://www.federalregister.gov/documents/2024/01/02/"
    assert read(feed) == by_link(
        feed.feed_id,
        ("Notice of Solicitation of Applications for the Rural Innovation Stronger Economy (RISE) Grant Program"
         " for Fiscal Year 2024",
         docs + "2023-26792/notice-of-solicitation-of-applications-for-the-rural-innovation-stronger-economy"
                "-rise-grant-program", day(2024, 1, 2), True),
        ("Carrier Automated Tariffs", docs + "2023-27783/carrier-automated-tariffs", day(2024, 1, 2), True),
        ("Notice of Funding Opportunity (NOFO) for Section 313A Guarantees for Bonds and Notes Issued for Utility"
         " Infrastructure Purposes for Fiscal Year (FY) 2024",
         docs + "2023-27901/notice-of-funding-opportunity-nofo-for-section-313a-guarantees-for-bonds-and-notes"
                "-issued-for", day(2024, 1, 2), True),
        ("Data Collection Available for Public Comments",
         docs + "2023-27905/data-collection-available-for-public-comments", day(2024, 1, 2), True),
    )


def test_source_fixture_uk_gazette_atom_gives_its_notice_identified_by_its_atom_id():
    feed = registry()["uk-gazette-state"]
    notice = "https://www.thegazette.co.uk/id/notice/L-60768-1986497"
    assert read(feed) == [(
        entry_identity(feed.feed_id, notice, None, None, None),
        "Warrants Under the Royal Sign Manual",
        "https://www.thegazette.co.uk/notice/L-60768-1986497",
        datetime(2014, 1, 30, 7, 43, 53, tzinfo=UTC),
        False,
    )]


def test_source_fixture_canada_gazette_rss_gives_one_item_per_issue_at_its_pubdate():
    feed = registry()["canada-gazette-part-1"]
    issues = "https://gazette.gc.ca/rp-pr/p1/"
    assert read(feed) == by_link(
        feed.feed_id,
        ("Canada Gazette - Part I, September 26, 2026", issues + "2026/2026-09-26/html/index-eng.html",
         datetime(2026, 9, 26, 19, 0, tzinfo=UTC), False),
        ("Canada Gazette - Part I, Extra, July 31, 2026", issues + "2026/2026-07-31-x6/html/extra6-eng.html",
         datetime(2026, 7, 31, 19, 0, tzinfo=UTC), False),
        ("Quarterly index", issues + "205/indexq1-eng.html", datetime(2026, 1, 3, 19, 0, tzinfo=UTC), False),
    )


@pytest.mark.parametrize("feed_id", sorted(SITE))
def test_source_fixture_registry_entry_matches_its_entry_in_infra_feeds_yaml(feed_id):
    """The test registry describes the deployed sources: same reading, only the origin differs."""
    deployed = {feed.feed_id: feed for feed in load_registry(ROOT / "infra" / "feeds.yaml")}
    if feed_id not in deployed:
        assert feed_id in {"gov-cn-zhengce-zuixin-html", "dingxi-zwgk"}  # fixtures-only variants
        return
    assert registry()[feed_id].source_spec() == deployed[feed_id].source_spec()


def test_source_fixture_hanweb_document_page_states_its_title_and_day_in_its_meta_tags():
    page = (SOURCES / "hanweb-dingxi" / "art" / "2022" / "1" / "20" / "art_12377_1486865.html").read_bytes()
    assert page_metadata(page) == PageMetadata(title="定西市“春节”文明祭祀倡议书", published=date(2022, 1, 20))


@pytest.mark.parametrize("document", ["content_6989774.html", "content_6989767.html"])
def test_source_fixture_gongbao_document_page_states_nothing_in_meta_tags_or_labelled_rows(document):
    page = (SOURCES / "gov-cn" / "gongbao" / "2024" / "issue_11726" / "202411" / document).read_bytes()
    assert page_metadata(page) == PageMetadata()
