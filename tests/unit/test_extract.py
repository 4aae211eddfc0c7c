"""Extraction of text from HTML, PDF and plain-text bytes; PDFs are generated in the test."""

from __future__ import annotations

import codecs
import io
import textwrap
from datetime import date

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from gazette.domain.extract import MAX_BYTES, ExtractionError, extract_text
from gazette.domain.split import split_issue

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

# ---------------------------------------------------------------- HTML

POLICY_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于进一步促进消费持续向好的意见_山东省人民政府</title>
<script>var tracker = "统计代码";</script><style>.x { color: red }</style></head>
<body>
<div class="top-nav"><a href="/">首页</a><a href="/zc">政策文件</a></div>
<nav><ul><li>机构</li><li>新闻</li></ul></nav>
<div class="main">
  <h1>关于进一步促进消费持续向好的意见</h1>
  <div id="UCAP-CONTENT">
    <p>各市人民政府，各县（市、区）人民政府：</p>
    <p>为深入贯彻省委、省政府关于加快消费与投资融合的工作部署，现提出如下意见。</p>
    <p>一、总体要求<br>坚持稳中求进、以进促稳、先立后破。</p>
  </div>
</div>
<aside>相关文章：其他政策</aside>
<footer>版权所有：山东省人民政府办公厅 网站标识码 3700000000</footer>
</body></html>"""


def test_extract_text_html_page_keeps_main_text_only() -> None:
    result = extract_text(POLICY_PAGE.encode("utf-8"), content_type="text/html; charset=utf-8")
    assert result.method == "html:lxml"
    assert result.title == "关于进一步促进消费持续向好的意见"
    assert result.text.split("\n") == [
        "关于进一步促进消费持续向好的意见",
        "各市人民政府，各县（市、区）人民政府：",
        "为深入贯彻省委、省政府关于加快消费与投资融合的工作部署，现提出如下意见。",
        "一、总体要求",
        "坚持稳中求进、以进促稳、先立后破。",
    ]
    for boilerplate in ("首页", "机构", "统计代码", "color", "相关文章", "版权所有"):
        assert boilerplate not in result.text


def test_extract_text_gbk_html_with_wrong_meta_charset_is_decoded() -> None:
    page = POLICY_PAGE.replace('charset="utf-8"', 'charset="iso-8859-1"')
    result = extract_text(page.encode("gbk"), content_type="text/html")
    assert "为深入贯彻省委、省政府关于加快消费与投资融合的工作部署" in result.text


def test_extract_text_gb2312_html_without_content_type_is_sniffed() -> None:
    page = POLICY_PAGE.replace('charset="utf-8"', 'charset="gb2312"')
    result = extract_text(page.encode("gb18030"), filename="content.html")
    assert result.method == "html:lxml"
    assert "坚持稳中求进" in result.text


def test_extract_text_html_without_content_block_uses_largest_text_block() -> None:
    page = (
        "<html><body><div class='links'><a href='#'>链接一</a><a href='#'>链接二</a></div>"
        "<div><p>第一段正文内容较长，说明政策的背景和目的。</p><p>第二段正文内容，说明具体措施。</p></div>"
        "<div class='copyright'>版权所有</div></body></html>"
    )
    result = extract_text(page.encode("utf-8"))
    assert result.text.split("\n") == [
        "第一段正文内容较长，说明政策的背景和目的。",
        "第二段正文内容，说明具体措施。",
    ]


def test_extract_text_traditional_chinese_is_kept_as_is() -> None:
    page = (
        "<html><body><article><p>香港特別行政區政府憲報，關於實施《國家安全法》的公告。</p></article></body>"
    )
    result = extract_text(page.encode("utf-8"), content_type="text/html")
    assert "香港特別行政區政府憲報，關於實施《國家安全法》的公告。" in result.text


# ---------------------------------------------------------------- plain text


def test_extract_text_plain_utf8_with_bom_is_decoded() -> None:
    result = extract_text(codecs.BOM_UTF8 + "国办发〔2024〕21号".encode(), filename="issue.txt")
    assert (result.text, result.method, result.title) == ("国办发〔2024〕21号", "text", None)


def test_extract_text_plain_gb18030_is_decoded() -> None:
    result = extract_text("威海市人民政府办公室\n2024年4月19日".encode("gb18030"), content_type="text/plain")
    assert result.text == "威海市人民政府办公室\n2024年4月19日"


def test_extract_text_oversized_input_is_refused() -> None:
    with pytest.raises(ExtractionError, match="limit"):
        extract_text(b" " * (MAX_BYTES + 1))


# ---------------------------------------------------------------- PDF

DOCUMENTS = [
    {
        "number": "威政办字〔2024〕15 号",
        "issuer": "威海市人民政府办公室",
        "title": "关于印发威海市全国基层中医药工作示范市创建方案的通知",
        "addressee": "各区市人民政府，国家级开发区管委，市政府有关部门、单位：",
        "body": "《威海市全国基层中医药工作示范市创建方案》已经市政府同意，现印发给你们，请认真组织实施。"
        "为进一步提升我市基层中医药服务能力，满足人民群众中医药服务需求，结合我市实际，制定本方案。"
        "健全基层中医药服务体系，加强基层中医药人才队伍建设，提升基层中医药服务能力。" * 3,
        "date": "2024 年 4 月 19 日",
    },
    {
        "number": "威政办字〔2024〕16 号",
        "issuer": "威海市人民政府办公室",
        "title": "关于印发威海市气象灾害应急预案的通知",
        "addressee": "各区市人民政府，国家级开发区管委，市政府各部门、单位：",
        "body": "经市政府同意，现将修订后的《威海市气象灾害应急预案》印发给你们，请认真遵照执行。"
        "建立健全气象灾害应急响应机制，提高气象灾害防范处置能力，保护人民群众生命财产安全。" * 4,
        "date": "2024 年 4 月 20 日",
    },
    {
        "number": "威文政办发〔2024〕4 号",
        "issuer": "威海市文登区人民政府办公室",
        "title": "关于印发《威海市文登区 2024 年地质灾害防治方案》的通知",
        "addressee": "各镇人民政府，各街道办事处，区直各部门、驻文各单位：",
        "body": "《威海市文登区 2024 年地质灾害防治方案》已经区人民政府同意，现印发给你们，"
        "请认真抓好贯彻落实。"
        "坚持属地管理、分级负责的原则，逐步形成齐抓共管的地质灾害防治模式。" * 3,
        "date": "2024 年 5 月 31 日",
    },
]


def _column_lines(documents: list[dict[str, str]]) -> list[str]:
    """The flow of one gazette: each document's header, notice, signature; 20 characters a line."""
    lines: list[str] = []
    for doc in documents:
        lines += [doc["number"], doc["issuer"]]
        lines += textwrap.wrap(doc["title"], 16)
        lines += textwrap.wrap(doc["addressee"], 20) + textwrap.wrap(doc["body"], 20)
        lines += [doc["issuer"], doc["date"], "（此件公开发布）"]
    return lines


def _gazette_pdf(documents: list[dict[str, str]], *, encrypt: StandardEncryption | None = None) -> bytes:
    """Two columns a page, a running header on top, text drawn column by column like a gazette."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    width, height = A4
    lines = _column_lines(documents)
    per_column = 40
    columns = [lines[i : i + per_column] for i in range(0, len(lines), per_column)]
    for page, start in enumerate(range(0, len(columns), 2), start=1):
        pdf.setFont(FONT, 9)
        pdf.drawString(50, height - 40, f"{page}威海市文登区人民政府公报 2024·2")
        pdf.setFont(FONT, 10.5)
        for offset, column in enumerate(columns[start : start + 2]):
            x = 50 + offset * (width - 100) / 2
            for row, line in enumerate(column):
                pdf.drawString(x, height - 70 - row * 17, line)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_extract_text_generated_two_column_pdf_splits_back_into_its_documents() -> None:
    data = _gazette_pdf(DOCUMENTS)
    result = extract_text(data, content_type="application/pdf")
    assert result.method == "pdf:pypdf"
    docs = split_issue(result.text)
    assert [(d.doc_number, d.issuer, d.title, d.published) for d in docs] == [
        (
            "威政办字〔2024〕15号",
            "威海市人民政府办公室",
            "关于印发威海市全国基层中医药工作示范市创建方案的通知",
            date(2024, 4, 19),
        ),
        (
            "威政办字〔2024〕16号",
            "威海市人民政府办公室",
            "关于印发威海市气象灾害应急预案的通知",
            date(2024, 4, 20),
        ),
        (
            "威文政办发〔2024〕4号",
            "威海市文登区人民政府办公室",
            "关于印发《威海市文登区2024年地质灾害防治方案》的通知",
            date(2024, 5, 31),
        ),
    ]
    assert "中医药" in docs[0].text and "气象" not in docs[0].text
    assert "气象灾害应急响应机制" in docs[1].text and "地质" not in docs[1].text
    assert "齐抓共管的地质灾害防治模式" in docs[2].text
    assert all("公报" not in d.text for d in docs)


def test_extract_text_pdf_detected_by_magic_bytes_despite_generic_type() -> None:
    data = _gazette_pdf(DOCUMENTS[:1])
    result = extract_text(data, content_type="application/octet-stream", filename="download")
    assert result.method == "pdf:pypdf"
    assert "威政办字〔2024〕15" in result.text


def test_extract_text_truncated_pdf_raises_extraction_error() -> None:
    data = _gazette_pdf(DOCUMENTS)
    with pytest.raises(ExtractionError, match="broken PDF") as caught:
        extract_text(data[: len(data) // 2], filename="issue.pdf")
    assert "\n" not in str(caught.value)


def test_extract_text_garbage_after_pdf_header_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError, match="PDF"):
        extract_text(b"%PDF-1.7\n" + b"\x00\xff garbage " * 50 + b"\n%%EOF\n", content_type="application/pdf")


def test_extract_text_encrypted_pdf_raises_extraction_error() -> None:
    data = _gazette_pdf(DOCUMENTS[:1], encrypt=StandardEncryption("user-secret", "owner-secret"))
    with pytest.raises(ExtractionError, match="encrypted"):
        extract_text(data, content_type="application/pdf")


def test_extract_text_html_error_page_named_pdf_is_read_as_html() -> None:
    page = "<html><body><div class='content'><p>您访问的文件不存在或已被删除。</p></div></body></html>"
    result = extract_text(page.encode("utf-8"), content_type="application/pdf", filename="gazette.pdf")
    assert result.method == "html:lxml"
    assert "您访问的文件不存在" in result.text


def test_extract_text_binary_junk_named_pdf_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", filename="gazette.pdf")
