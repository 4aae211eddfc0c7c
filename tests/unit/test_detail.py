"""A document page's own metadata, on real page structures.

Row markup: gov.cn's policy-page information table (`<td><b>发文字号：</b></td><td>…</td>`, the form
the live pages write) and the 无锡市 CMS rows with template comments around each value, both as
recorded in hulelan/china-governance, tests/test_metadata_table.py (commit c524768e8dc13e7e876a46da
4043c176c63c8a1c), the 无锡 rows verbatim from www.wuxi.gov.cn/doc/2026/09/18/4833205.shtml. The gov.cn
values are those of 国办发明电〔2024〕12号 (tests/fixtures/sources/SOURCES.md).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gazette.domain.detail import PageMetadata, page_metadata, with_page_metadata
from gazette.domain.model import SplitDocument

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"

GOV_CN_ROWS = (
    '<table><tr><td><b>索　引　号：</b></td><td>000014349/2024-00012</td></tr>'
    '<tr><td><b>发文机关：</b></td><td>国务院办公厅</td></tr>'
    '<tr><td><b>发文字号：</b></td><td>国办发明电〔2024〕12号</td></tr>'
    '<tr><td><b>发布日期：</b></td><td>2024年11月12日</td></tr></table>'
)
WUXI_ROWS = (
    '<div class="table01"><table><tr>'
    '<td class="t" width="14%">信息索引号</td><td width="30%"><!--<$[SYH]>-->014006438/2026-03652<!--<$[SYH]>--></td>'
    '<td class="t">生成日期</td><td><!--<$[SCRQ]>-->2026-09-12<!--<$[SCRQ]>--></td>'
    '<td class="t">公开日期</td><td><!--<$[FBRQ]>-->2026-09-18<!--<$[FBRQ]>--></td></tr>'
    '<tr><td class="t" width="14%">文件编号</td><td><!--<$[WJBH]>-->政府令187号<!--<$[WJBH]>--></td>'
    '<td class="t">效力状况</td><td colspan="3"><!--<$[XLZK]>-->有效<!--<$[XLZK]>--></td></tr>'
    '<tr><td class="t">发布机构</td><td><!--<$[FBJG]>-->无锡市人民政府<!--<$[FBJG]>--></td>'
    '<!--<td class="t">附件下载</td><td colspan="3">—&nbsp;&nbsp;—</td>--></tr>'
    '<tr><td class="t">公开方式</td><td>主动公开</td></tr></table></div>'
)


def test_page_metadata_hanweb_article_meta_tags_give_title_and_date():
    body = (SOURCES / "hanweb-dingxi/art/2022/1/20/art_12377_1486865.html").read_bytes()

    assert page_metadata(body) == PageMetadata(title="定西市“春节”文明祭祀倡议书", published=date(2022, 1, 20))


def test_page_metadata_gov_cn_rows_give_number_issuer_and_date():
    assert page_metadata(GOV_CN_ROWS.encode("utf-8")) == PageMetadata(
        doc_number="国办发明电〔2024〕12号", issuer="国务院办公厅", published=date(2024, 11, 12)
    )


def test_page_metadata_rows_read_through_template_comments_and_skip_other_rows():
    assert page_metadata(WUXI_ROWS.encode("utf-8")) == PageMetadata(
        doc_number="政府令187号", issuer="无锡市人民政府", published=date(2026, 9, 18)
    )


def test_page_metadata_gbk_page_with_meta_charset_reads_exactly():
    page = f'<html><head><meta charset="gb2312"></head><body>{GOV_CN_ROWS}</body></html>'

    assert page_metadata(page.encode("gbk")) == PageMetadata(
        doc_number="国办发明电〔2024〕12号", issuer="国务院办公厅", published=date(2024, 11, 12)
    )


def test_page_metadata_of_a_page_without_rows_or_meta_is_empty():
    body = (SOURCES / "gov-cn/gongbao/2024/issue_11726/202411/content_6989767.html").read_bytes()

    assert page_metadata(body) == PageMetadata()


def test_with_page_metadata_what_the_page_states_beats_the_splitters_guesses():
    guessed = SplitDocument(title="关于2025年部分节假日安排的通知", text="正文", doc_number="国办发〔2024〕12号",
                            issuer="国务院", published=date(2024, 11, 1))
    stated = PageMetadata(title="国务院办公厅关于2025年部分节假日安排的通知", doc_number="国办发明电〔2024〕12号",
                          issuer="国务院办公厅", written=date(2024, 11, 11), published=date(2024, 11, 12))

    assert with_page_metadata(guessed, stated) == SplitDocument(
        title="国务院办公厅关于2025年部分节假日安排的通知", text="正文", doc_number="国办发明电〔2024〕12号",
        issuer="国务院办公厅", published=date(2024, 11, 11),
    )


def test_with_page_metadata_publication_date_only_fills_a_missing_document_date():
    guessed = SplitDocument(title="t", text="正文", published=date(2024, 11, 11))

    assert with_page_metadata(guessed, PageMetadata(published=date(2024, 11, 12))) == guessed
    assert with_page_metadata(SplitDocument(title="t", text="正文"), PageMetadata(published=date(2024, 11, 12))) \
        == SplitDocument(title="t", text="正文", published=date(2024, 11, 12))
