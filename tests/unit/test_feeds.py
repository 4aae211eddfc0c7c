"""Feed parsing: encodings, malformed feeds, XML bombs, XXE, entry identity, JSON Feed."""

from __future__ import annotations

import importlib.util
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gazette.domain.feeds import FeedParseError, canonical_link, entry_identity, parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)
PASSWD = Path("/etc/passwd").read_text(errors="replace") if Path("/etc/passwd").exists() else ""


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def all_text(feed) -> str:
    return repr(feed)


def test_fixture_files_match_their_generator():
    for name, data in make_fixtures.fixtures().items():
        assert load(name) == data, f"{name} differs from make_fixtures.py; rerun it"


# ------------------------------------------------------------------ encodings


@pytest.mark.parametrize("name", sorted(make_fixtures.ENCODED))
def test_parse_feed_each_encoding_gives_exact_titles_without_replacement_chars(name):
    _codec, _declared, _bom, titles = make_fixtures.ENCODED[name]
    feed = parse_feed(load(name))
    assert [e.title for e in feed.entries] == titles
    assert [e.summary for e in feed.entries] == [f"<p>{t}</p>" for t in titles]
    assert feed.title == f"Gazette: {titles[-1]}"
    assert "\ufffd" not in all_text(feed)
    assert feed.version == "rss20"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("rss-gbk-declared-gb2312.xml", "gb18030"),
        ("rss-gbk-declared-utf8.xml", "gb18030"),
        ("rss-utf8-declared-gb2312.xml", "utf-8"),
        ("rss-big5.xml", "big5hkscs"),
        ("rss-shift_jis.xml", "cp932"),
        ("rss-cp1252-declared-iso-8859-1.xml", "cp1252"),
        ("rss-utf16le-bom.xml", "utf-16-le"),
        ("rss-utf8-bom.xml", "utf-8"),
    ],
)
def test_parse_feed_encoding_reports_the_codec_actually_used(name, encoding):
    assert parse_feed(load(name)).encoding == encoding


def test_parse_feed_gbk_declared_utf8_is_recovered_and_recorded_as_bozo():
    feed = parse_feed(load("rss-gbk-declared-utf8.xml"))
    assert feed.entries[0].title == "朱镕基会见外宾"
    assert feed.bozo and "gb18030" in feed.bozo_reason


def test_parse_feed_http_latin1_default_does_not_override_xml_gb2312_declaration():
    name = "rss-gbk-declared-gb2312.xml"
    feed = parse_feed(load(name), make_fixtures.HEADERS[name])
    assert [e.title for e in feed.entries] == make_fixtures.CHINESE


def test_parse_feed_http_charset_wins_over_a_wrong_xml_declaration():
    body = make_fixtures._rss(make_fixtures.BIG5, "utf-8").encode("big5")
    feed = parse_feed(body, {"Content-Type": "application/rss+xml; charset=Big5"})
    assert [e.title for e in feed.entries] == make_fixtures.BIG5


def test_parse_feed_undeclared_gbk_is_guessed_as_gb18030():
    body = make_fixtures._rss(make_fixtures.CHINESE, None).encode("gbk")
    feed = parse_feed(body)
    assert [e.title for e in feed.entries] == make_fixtures.CHINESE
    assert feed.bozo


def test_parse_feed_utf8_served_with_text_html_charset_gbk_is_read_as_utf8():
    feed = parse_feed(load("rss-utf8.xml"), {"content-type": "text/html; charset=gbk"})
    assert [e.title for e in feed.entries] == make_fixtures.GB18030
    assert "text/html; charset=gbk is not an XML media type" in feed.bozo_reason


# ------------------------------------------------------------------ formats


def test_parse_feed_atom_entries_have_links_dates_content_and_author():
    feed = parse_feed(load("atom.xml"), feed_url="https://www.thegazette.co.uk/all-notices/feed")
    assert feed.version == "atom10" and feed.title == "The Gazette: notices"
    first, second = feed.entries
    assert first.guid == "https://www.thegazette.co.uk/id/notice/4611234"
    assert first.link == "https://www.thegazette.co.uk/notice/4611234"
    assert first.published == datetime(2024, 5, 2, 8, 30, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert first.author == "The Gazette"
    assert first.content == "<p>Full notice</p>"
    assert "<b>text</b>" in first.summary
    assert first.categories == ("deceased-estates",)
    assert second.link == "https://www.thegazette.co.uk/notice/4611235"  # relative link resolved
    assert second.published is None and second.updated == datetime(2024, 5, 3, 10, tzinfo=UTC)


def test_parse_feed_rdf_rss10_uses_rdf_about_as_guid():
    feed = parse_feed(load("rdf-rss10.xml"))
    assert feed.version == "rss10"
    assert [e.guid for e in feed.entries] == [
        "https://eur-lex.europa.eu/eli/reg/2024/1",
        "https://eur-lex.europa.eu/eli/reg/2024/2",
    ]
    assert feed.entries[0].updated == datetime(2024, 1, 2, tzinfo=UTC)


def test_parse_feed_rss091_with_netscape_doctype_is_parsed():
    feed = parse_feed(load("rss091.xml"))
    assert feed.version == "rss091n"
    assert [e.title for e in feed.entries] == ["First notice", "Second notice"]
    assert not feed.bozo


def test_parse_feed_rss20_dates_are_utc_and_guid_link_summary_kept():
    feed = parse_feed(load("rss-utf8.xml"))
    e = feed.entries[0]
    assert e.published == datetime(2024, 5, 1, 0, 0, tzinfo=UTC)  # 08:00 +0800
    assert e.guid == "wendeng-2024-001"
    assert e.link == "https://www.wendeng.gov.cn/art/2024/5/1/art_1.html"
    assert e.categories == ("policy",)


def test_parse_feed_json_feed_maps_to_the_same_shape():
    feed = parse_feed(load("feed.json"), {"Content-Type": "application/feed+json"})
    assert feed.version == "json11" and feed.title == "Federal Register: recent documents"
    first, second = feed.entries
    assert first.guid == "2024-09876" and first.link == "https://www.federalregister.gov/d/2024-09876"
    assert first.published == datetime(2024, 5, 2, 12, 45, tzinfo=UTC)
    assert first.updated == datetime(2024, 5, 3, 8, 45, tzinfo=UTC)
    assert first.content == "<p>Rule text</p>" and first.summary == "A procurement rule"
    assert first.author == "GSA" and first.categories == ("procurement", "rule")
    assert second.guid == "42" and second.link == "https://www.federalregister.gov/d/2024-00042"
    assert second.content == "plain"


def test_parse_feed_json_feed_is_detected_without_content_type():
    assert len(parse_feed(load("feed.json")).entries) == 2


def test_parse_feed_json_that_is_not_a_json_feed_raises():
    with pytest.raises(FeedParseError, match="jsonfeed"):
        parse_feed(json.dumps({"version": "1", "items": []}).encode())


# ------------------------------------------------------------------ malformed and not feeds


def test_parse_feed_unclosed_tags_keep_every_entry_and_record_why():
    feed = parse_feed(load("malformed-unclosed.xml"))
    assert len(feed.entries) == 3
    assert [e.guid for e in feed.entries][:2] == ["b-1", "b-2"]  # the third's unclosed title ate its guid
    assert feed.bozo and "mismatched tag" in feed.bozo_reason
    assert "\n" not in feed.bozo_reason


def test_parse_feed_bad_entities_keep_every_entry_and_record_why():
    feed = parse_feed(load("malformed-entity.xml"))
    assert [e.guid for e in feed.entries] == ["e-1", "e-2"]
    assert feed.entries[0].title == "Tom & Jerry © 2024"
    assert feed.bozo and feed.bozo_reason


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "empty"),
        (b"  \n\t", "empty"),
        (b"/etc/passwd", "not a feed"),
        (b"https://169.254.169.254/latest/meta-data/", "not a feed"),
        (bytes(range(256)) * 8, "not a feed"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a feed"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not a feed"),
        (b"{not json", "not a feed"),
    ],
)
def test_parse_feed_non_feed_bytes_raise_feed_parse_error(body, match):
    with pytest.raises(FeedParseError, match=match) as err:
        parse_feed(body)
    assert "\n" not in str(err.value)
    if PASSWD:
        assert "root:" not in str(err.value)


def test_parse_feed_html_page_raises_feed_parse_error_naming_html():
    with pytest.raises(FeedParseError, match="HTML page"):
        parse_feed(load("not-a-feed.html"), {"Content-Type": "text/html; charset=utf-8"})


def test_parse_feed_empty_but_valid_feed_returns_no_entries():
    feed = parse_feed(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    )
    assert feed.entries == [] and feed.title == "Quiet" and not feed.bozo


def test_parse_feed_rejects_str_input():
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd")  # type: ignore[arg-type]


# ------------------------------------------------------------------ bombs and XXE


@pytest.mark.parametrize("name", ["billion-laughs.xml", "quadratic-blowup.xml"])
def test_parse_feed_entity_bombs_are_harmless_and_bounded(name):
    body = load(name)
    tracemalloc.start()
    try:
        feed = parse_feed(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024  # unbounded expansion would need gigabytes
    assert len(feed.entries) == 1
    assert sum(len(e.summary) + len(e.title) for e in feed.entries) < 4 * len(body)
    assert "lollollol" not in all_text(feed) and "AAAAAAAAAA" not in all_text(feed)
    assert feed.bozo and "entity" in feed.bozo_reason


@pytest.mark.parametrize("name", ["xxe-file.xml", "xxe-one-line.xml", "xxe-parameter.xml"])
def test_parse_feed_external_entities_read_no_file(name):
    feed = parse_feed(load(name))
    text = all_text(feed)
    assert "root:x:0:0" not in text
    for line in PASSWD.splitlines()[:5]:
        assert line not in text
    assert len(feed.entries) == 1 and feed.bozo


def test_parse_feed_small_safe_internal_entities_still_expand():
    feed = parse_feed(load("safe-entities.xml"))
    assert feed.title == "Safe\xa0entities"
    assert feed.entries[0].title == "Gov notice"
    assert not feed.bozo


# ------------------------------------------------------------------ identity


def ids(name: str) -> dict[str, str]:
    return {e.title: e.entry_id for e in parse_feed(load(name), feed_url="https://example.gov/rss").entries}


def test_entry_ids_are_stable_across_polls():
    assert ids("identity-base.xml") == ids("identity-base.xml")


def test_entry_ids_are_stable_across_reordering():
    assert ids("identity-base.xml") == ids("identity-reordered.xml")


def test_entry_ids_are_stable_across_republish_with_new_date_when_guid_exists():
    assert ids("identity-base.xml") == ids("identity-republished.xml")
    assert ids("identity-base.xml")["Item 2"].startswith("g:")


def test_entry_ids_from_links_ignore_tracking_params_fragment_and_new_date():
    base, again = ids("identity-linkonly-base.xml"), ids("identity-linkonly-republished.xml")
    assert base == again
    assert all(v.startswith("l:") for v in base.values())


def test_entry_ids_are_distinct_and_dynamodb_key_safe():
    values = list(ids("identity-base.xml").values()) + list(ids("identity-linkonly-base.xml").values())
    assert len(set(values)) == len(values)
    for v in values:
        assert len(v) == 34 and v[:2] in ("g:", "l:") and all(c in "0123456789abcdef" for c in v[2:])


def test_entry_identity_prefers_guid_then_link_then_title_hash():
    when = datetime(2024, 5, 2, 23, 30, tzinfo=UTC)
    assert entry_identity("f", " urn:x:1 ", "https://a/1", "T", when).startswith("g:")
    assert entry_identity("f", "  ", "https://a/1", "T", when).startswith("l:")
    assert entry_identity("f", None, None, "T", when).startswith("h:")


def test_entry_identity_guid_is_stripped():
    assert entry_identity("f", "urn:x:1", None, "", None) == entry_identity(
        "f", "  urn:x:1\n", None, "", None
    )


def test_entry_identity_bare_guid_is_scoped_to_the_feed_but_uri_guid_is_not():
    assert entry_identity("feed-a", "12345", None, "", None) != entry_identity(
        "feed-b", "12345", None, "", None
    )
    assert entry_identity("feed-a", "https://x/1", None, "", None) == entry_identity(
        "feed-b", "https://x/1", None, "", None
    )


def test_entry_identity_link_canonicalisation_folds_case_scheme_port_and_query_order():
    a = entry_identity("f", None, "HTTP://Example.GOV:80/Doc?b=2&a=1&utm_source=x#frag", "t", None)
    b = entry_identity("f", None, "https://example.gov/Doc?a=1&b=2", "other title", None)
    c = entry_identity("f", None, "https://example.gov/doc?a=1&b=2", "t", None)  # path case matters
    assert a == b != c


def test_canonical_link_drops_fragment_tracking_and_sorts_query():
    assert canonical_link("HTTPS://WWW.Gov.CN:443/zhengce/a.htm?z=1&utm_medium=rss&a=&fbclid=1#x") == (
        "https://www.gov.cn/zhengce/a.htm?a=&z=1"
    )


def test_entry_identity_title_hash_normalises_width_and_whitespace_and_uses_the_date():
    day = datetime(2024, 5, 2, 1, 0, tzinfo=UTC)
    later_same_day = datetime(2024, 5, 2, 20, 0, tzinfo=UTC)
    a = entry_identity("f", None, None, "关于  印发\u3000方案（２０２４）", day)
    b = entry_identity("f", None, None, " 关于 印发 方案(2024)", later_same_day)
    assert a == b
    assert a != entry_identity("f", None, None, "关于 印发 方案(2024)", datetime(2024, 5, 3, tzinfo=UTC))
    assert a != entry_identity("g", None, None, "关于 印发 方案(2024)", day)
