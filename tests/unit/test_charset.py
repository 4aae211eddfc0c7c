"""Bytes to text: BOM, HTTP charset, the document's declaration, then detection; bytes beat mojibake."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gazette.domain.charset import Decoded, codec_for, decode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)

LATIN1 = {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}


def test_decode_gbk_feed_without_declaration_served_as_latin1_reads_the_chinese():
    text = make_fixtures._rss(make_fixtures.CHINESE, None)

    decoded = decode(text.encode("gbk"), LATIN1, kind="xml")

    assert decoded == Decoded(
        text, "gb18030", ("declared HTTP ISO-8859-1 but the bytes read as gb18030; decoded as gb18030",)
    )


def test_decode_windows_1252_text_declared_latin1_stays_western():
    body = (FIXTURES / "rss-cp1252-declared-iso-8859-1.xml").read_bytes()

    decoded = decode(body, LATIN1, kind="xml")

    assert decoded == Decoded(body.decode("cp1252"), "cp1252")


@pytest.mark.parametrize(("codec", "titles", "expected"), [
    ("gbk", make_fixtures.CHINESE, "gb18030"),
    ("big5", make_fixtures.BIG5, "big5hkscs"),
    ("cp932", make_fixtures.SJIS, "cp932"),
])
def test_decode_undeclared_cjk_is_detected_without_reading_big5_as_gbk(codec, titles, expected):
    text = make_fixtures._rss(titles, None)

    decoded = decode(text.encode(codec), {}, kind="xml")

    assert (decoded.text, decoded.encoding) == (text, expected)


def test_decode_html_meta_charset_gbk_is_used_when_http_says_nothing():
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' \
           "<body><a>国务院办公厅关于印发的通知</a></body></html>"

    decoded = decode(page.encode("gbk"), {"content-type": "text/html"}, kind="html")

    assert decoded == Decoded(page, "gb18030")


def test_decode_utf8_bytes_beat_a_gbk_meta_charset():
    page = '<html><head><meta charset="gbk"></head><body>中国政府网</body></html>'

    decoded = decode(page.encode("utf-8"), {}, kind="html")

    assert decoded == Decoded(page, "utf-8", ("declared meta gbk but the bytes are UTF-8; decoded as utf-8",))


def test_decode_registry_encoding_is_the_strongest_declaration():
    page = "<p>臺灣地區颱風災害應急預案</p>"

    decoded = decode(page.encode("big5"), {"content-type": "text/html; charset=gbk"}, kind="html", encoding="big5")

    assert decoded == Decoded(page, "big5hkscs")


def test_decode_bom_decides_over_every_declaration():
    decoded = decode(b"\xef\xbb\xbf<p>\xe5\x85\xac\xe6\x8a\xa5</p>", {"content-type": "text/html; charset=gbk"})

    assert decoded == Decoded("<p>公报</p>", "utf-8")


def test_codec_for_reads_labels_as_browsers_do():
    assert [codec_for(label) for label in ("GB2312", "x-gbk", "Big5", "Shift_JIS", "ISO-8859-1", "utf8", "nope")] \
        == ["gb18030", "gb18030", "big5hkscs", "cp932", "cp1252", "utf-8", None]
