import re
from pathlib import Path

import pytest

from gazette.domain.registry import Fields, FieldSpec, RegistryError, SourceSpec, load_registry

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_registries_are_valid():
    assert len(load_registry(ROOT / "infra" / "feeds.yaml")) >= 3
    local = load_registry(ROOT / "events" / "feeds" / "registry.json", base_url="http://127.0.0.1:9")
    assert local[0].url.startswith("http://127.0.0.1:9/")


@pytest.mark.parametrize(("content", "message"), [
    ("- {feed_id: ok, url: 'ftp://x.org/f', name: n}", "url"),
    ("- {feed_id: ok, url: 'https://x.org/f', name: n, min_interval: 5}", "min_interval"),
    ("- {feed_id: ok, url: 'https://x.org/f', name: n, colour: red}", "colour"),
    ("- {feed_id: a, url: 'https://x.org/f', name: n}\n- {feed_id: a, url: 'https://x.org/g', name: m}", "twice"),
    ("feeds: 3", "list of feeds"),
    ("[unclosed", "not valid YAML"),
])
def test_registry_with_a_bad_entry_names_the_problem(tmp_path, content, message):
    path = tmp_path / "feeds.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)


WEIHAI = """\
feeds:
  - feed_id: weihai-files
    type: html_list
    url: https://www.example.gov.cn/col/col1234/index.html
    name: 威海市 政府文件
    issuer: 威海市人民政府
    language: zh-Hans
    item: "ul.list li"
    fields:
      title: {selector: "a", attr: "title"}
      link: {selector: "a", attr: "href"}
      date: {selector: "span.date"}
    link_pattern: '/art/\\\\d{4}/'
    encoding: auto
    unwrap_cdata: true
"""


def test_registry_html_list_entry_as_the_issue_shows_it_loads_into_a_source_spec(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(WEIHAI, encoding="utf-8")
    (feed,) = load_registry(path)
    spec = feed.source_spec()
    assert spec == SourceSpec(
        type="html_list", item="ul.list li",
        fields=Fields(title=FieldSpec(selector="a", attr="title"), link=FieldSpec(selector="a", attr="href"),
                      date=FieldSpec(selector="span.date")),
        link_pattern=r"/art/\\d{4}/", encoding="auto", unwrap_cdata=True,
    )
    assert SourceSpec.model_validate_json(spec.model_dump_json()) == spec


def test_registry_feed_entry_without_a_type_is_a_feed_with_no_list_keys(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("- {feed_id: ok, url: 'https://x.org/f', name: n, fetch_link: false}", encoding="utf-8")
    (feed,) = load_registry(path)
    assert (feed.type, feed.fetch_link, feed.source_spec()) == ("feed", False, SourceSpec())


def test_registry_json_list_with_follow_keeps_both_levels(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "- feed_id: gov\n  type: json_list\n  url: https://x.org/a.json\n  name: n\n  items: '@'\n"
        "  fields: {title: TITLE, link: URL, date: {selector: DOCRELPUBTIME, format: '%Y-%m-%d'}}\n"
        "  follow: {item: 'ul li', fields: {title: {selector: a}, link: {selector: a, attr: href}}}\n",
        encoding="utf-8",
    )
    spec = load_registry(path)[0].source_spec()
    assert spec == SourceSpec(
        type="json_list", items="@",
        fields=Fields(title=FieldSpec(selector="TITLE"), link=FieldSpec(selector="URL"),
                      date=FieldSpec(selector="DOCRELPUBTIME", format="%Y-%m-%d")),
        follow=SourceSpec(type="html_list", item="ul li",
                          fields=Fields(title=FieldSpec(selector="a"), link=FieldSpec(selector="a", attr="href"))),
    )


@pytest.mark.parametrize(("replace", "by", "message"), [
    ('{selector: "span.date"}', '{selector: "span.date["}',
     r":12: feed 1: fields.date.selector: not a CSS selector: Expected ident or '\*', got <EOF at 10>$"),
    ('"ul.list li"', '"xpath://li[@"', r":8: feed 1: item: not an XPath expression: "),
    ("'/art/\\\\d{4}/'", "'/art/(\\\\d{4}/'", r":13: feed 1: link_pattern: not a regular expression: "),
    ('{selector: "span.date"}', '{selector: "span.date", format: "Y-m-d"}',
     r":12: feed 1: fields.date.format: a strptime format such as '%Y-%m-%d' or '%Y年%m月%d日'$"),
    ("type: html_list", "type: json_list",
     r":2: feed 1: items: required for json_list \(a JMESPath expression, '@' for the document\)$"),
    ("type: html_list", "type: feed", r":8: feed 1: item: only for html_list or json_list sources$"),
    ("    unwrap_cdata: true", "    unwrap_cdata: true\n    follow: {item: a, fields: {title: {}, link: {attr: href}},"
                             " follow: {item: b, fields: {title: {}, link: {attr: href}},"
                             " follow: {item: c, fields: {title: {}}}}}",
     r":16: feed 1: follow.follow.follow: two levels of follow at most \(branches, then items\)$"),
    ("type: html_list", "type: rss", r":3: feed 1: type: Input should be 'feed', 'html_list' or 'json_list'$"),
    ("    encoding: auto", "    encoding: klingon",
     r":14: feed 1: encoding: unknown encoding 'klingon' \(a charset name, or auto\)$"),
    ('      title: {selector: "a", attr: "title"}\n', "",
     r":9: feed 1: fields.title: required for a list source$"),
])
def test_registry_broken_list_entry_names_its_line_and_field(tmp_path, replace, by, message):
    assert replace in WEIHAI
    path = tmp_path / "feeds.yaml"
    path.write_text(WEIHAI.replace(replace, by), encoding="utf-8")
    with pytest.raises(RegistryError, match=re.escape(str(path)) + message):
        load_registry(path)


def test_registry_json_list_with_a_bad_jmespath_names_its_line(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "- feed_id: gov\n  type: json_list\n  url: https://x.org/a.json\n  name: n\n  items: '@'\n"
        "  fields:\n    title: TITLE[\n    link: URL\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r":7: feed 1: fields\.title\.selector: not a JMESPath expression: "):
        load_registry(path)
