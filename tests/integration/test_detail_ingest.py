"""Ingest reads a document page's own metadata: what the page states beats what the splitter guessed.

The page is the 国务院公报 document 国办发明电〔2024〕12号 (tests/fixtures/sources/gov-cn/gongbao/…/
content_6989767.html) with gov.cn's policy-page information rows put above its body, as gov.cn's
policy pages carry them (row markup as in tests/unit/test_detail.py, values of that document).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

import pytest

from gazette.adapters import http
from gazette.messages import EntryMessage
from gazette.services.ingest import entry_documents
from tests.loopback import QuietHandler, serving

SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
DOCUMENT = SOURCES / "gov-cn/gongbao/2024/issue_11726/202411/content_6989767.html"
ROWS = (
    '<table><tr><td><b>发文机关：</b></td><td>国务院办公厅</td></tr>'
    '<tr><td><b>发文字号：</b></td><td>国办发明电〔2024〕12号</td></tr>'
    '<tr><td><b>发布日期：</b></td><td>2024年11月12日</td></tr></table>'
)
TITLE = "关于2025年部分节假日安排的通知"  # the splitter takes the issuer out of the title


@pytest.fixture
def pages():
    plain = DOCUMENT.read_bytes()
    with_rows = DOCUMENT.read_text(encoding="utf-8").replace("<body>", "<body>" + ROWS).encode("utf-8")

    class Handler(QuietHandler):
        def do_GET(self):
            body = with_rows if self.path == "/with-rows.html" else plain
            self.answer(200, "text/html; charset=utf-8", body)

    with serving(Handler) as base:
        yield f"{base}"


def entry(link: str) -> EntryMessage:
    return EntryMessage(feed_id="gov-cn-gongbao", entry_id="l:1", title="国务院公报 33期 文件", link=link,
                        issuer="国务院", language="zh-Hans", fetch_link=True)


fetch = partial(http.fetch, allow_loopback=True, timeout=(1.0, 2.0))


def test_ingest_page_without_metadata_keeps_what_the_splitter_found(pages):
    documents, method = entry_documents(entry(f"{pages}/plain.html"), fetch)

    assert (method, [(d.title, d.doc_number, d.issuer, d.published) for d in documents]) == (
        "html:lxml", [(TITLE, "国办发明电〔2024〕12号", "国务院办公厅", None)]
    )


def test_ingest_page_rows_give_the_stored_document_its_date(pages):
    documents, method = entry_documents(entry(f"{pages}/with-rows.html"), fetch)

    assert method == "html:lxml"
    assert [(d.title, d.doc_number, d.issuer, d.published) for d in documents] == [
        (TITLE, "国办发明电〔2024〕12号", "国务院办公厅", date(2024, 11, 12))
    ]
