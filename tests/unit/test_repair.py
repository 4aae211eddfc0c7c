"""Repairs of PDF-extracted gazette text: each must act where it should and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from gazette.domain.repair import (
    collapse_number_spaces,
    join_broken_lines,
    repair_font_digits,
    repair_text,
    strip_page_headers,
)

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "wendeng-2024-02.txt"


# ---------------------------------------------------------------- repair_font_digits


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("圆园圆源 年 缘 月 圆 日", "2024 年 5 月 2 日"),
        ("比值达到 园援愿：1，", "比值达到 0.8：1，"),
        ("较上年增长 员缘%", "较上年增长 15%"),
        ("占比达到圆缘％以上", "占比达到25％以上"),
        ("国办发〔圆园圆源〕圆员号", "国办发〔2024〕21号"),
        ("截至 源 月底", "截至 4 月底"),
        ("圆园圆源年缘月圆日", "2024年5月2日"),
    ],
)
def test_repair_font_digits_number_context_maps_to_digits(broken: str, fixed: str) -> None:
    assert repair_font_digits(broken) == fixed


@pytest.mark.parametrize(
    "word_text",
    [
        "加强生态工业园区建设，打造城市公园。",
        "对直接责任人员依法处理，优化人员结构。",
        "自然资源和规划部门，节约资源，源头治理。",
        "尊重群众意愿，描绘发展愿景。",
        "员工培训，圆满完成任务，说明缘由，推广远程诊疗。",
        "资金源源不断，远远超过预期。",
        "积极支援灾区，开展救援和援助工作。",
        "年度培训船员 3000 人次以上",
        "人员月均收入",
    ],
)
def test_repair_font_digits_ordinary_words_stay_untouched(word_text: str) -> None:
    assert repair_font_digits(word_text) == word_text


def test_repair_font_digits_seed_only_numbers_change() -> None:
    original = SEED.read_text(encoding="utf-8")
    changed = [
        (before, after)
        for before, after in zip(
            original.splitlines(), repair_font_digits(original).splitlines(), strict=True
        )
        if before != after
    ]
    assert changed == [
        ("圆园圆源 年 缘 月 圆 日", "2024 年 5 月 2 日"),
        ("辆，二手车交易量与新车销售比值达到 园援愿：1，", "辆，二手车交易量与新车销售比值达到 0.8：1，"),
    ]


# ---------------------------------------------------------------- collapse_number_spaces


@pytest.mark.parametrize(
    ("spaced", "collapsed"),
    [
        ("2024 年 4 月 4 日", "2024年4月4日"),
        ("鲁政发〔2024〕3 号", "鲁政发〔2024〕3号"),
        ("〔2024〕 21 号", "〔2024〕21号"),
        ("较 2023 年增长 15%", "较2023年增长15%"),
        ("２０２４年５月", "2024年5月"),
        ("达到 300 万辆以上", "达到300万辆以上"),
    ],
)
def test_collapse_number_spaces_spaced_numbers_are_joined(spaced: str, collapsed: str) -> None:
    assert collapse_number_spaces(spaced) == collapsed


@pytest.mark.parametrize(
    "kept", ["1 总则", "1.1 编制目的", "培育 5G 工厂", "ＡＢＣ全角字母", "Section 3 of Act"]
)
def test_collapse_number_spaces_headings_and_latin_text_are_kept(kept: str) -> None:
    assert collapse_number_spaces(kept) == kept


# ---------------------------------------------------------------- strip_page_headers


@pytest.mark.parametrize(
    "header",
    [
        "5威海市文登区人民政府公报 2024·2",
        "威海市文登区人民政府公报 2024·2 6",
        "12 山东省人民政府公报 2024·15",
        "青岛市人民政府公报 2023年第4期 8",
        "— 7 —",
    ],
)
def test_strip_page_headers_running_header_line_is_removed(header: str) -> None:
    text = f"前一行正文内容，\n{header}\n后一行正文内容。"
    assert strip_page_headers(text) == "前一行正文内容，\n\n后一行正文内容。"


@pytest.mark.parametrize(
    "body",
    [
        "根据《山东省人民政府公报 2024·2》刊登的通知，各地要抓好落实。",
        "5月份公报发布工作由办公室负责。",
        "本期公报共刊登文件7件。",
    ],
)
def test_strip_page_headers_body_lines_are_kept(body: str) -> None:
    assert strip_page_headers(body) == body


# ---------------------------------------------------------------- join_broken_lines


def test_join_broken_lines_sentence_broken_across_lines_is_joined() -> None:
    text = (
        "招标投标市场是全国统一大市场和高标准\n市场体系的重要组成部分。\n"
        "一、总体要求\n创新完善体制机制，推动\n市场规范健康发展。"
    )
    assert join_broken_lines(text) == (
        "招标投标市场是全国统一大市场和高标准市场体系的重要组成部分。\n"
        "一、总体要求\n"
        "创新完善体制机制，推动市场规范健康发展。"
    )


def test_join_broken_lines_numbered_items_and_signature_stay_separate() -> None:
    text = (
        "（一）优化制度规则设计\n加快推动相关实施条例修订工作\n（二）强化法规政策协同衔接\n"
        "1.4 工作原则\n（1）坚持以人为本\n山东省人民政府\n2024年4月4日\n（此件公开发布）\n正文"
    )
    assert join_broken_lines(text).split("\n") == [
        "（一）优化制度规则设计加快推动相关实施条例修订工作",
        "（二）强化法规政策协同衔接",
        "1.4 工作原则",
        "（1）坚持以人为本",
        "山东省人民政府",
        "2024年4月4日",
        "（此件公开发布）",
        "正文",
    ]


def test_join_broken_lines_double_spaced_extraction_ignores_blank_lines() -> None:
    text = (
        "各省、自治区、直辖市人民政府，国务院各部委、\n\n各直属机构：\n\n招标投标市场是全国\n\n统一大市场。"
    )
    assert (
        join_broken_lines(text)
        == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n招标投标市场是全国统一大市场。"
    )


def test_join_broken_lines_real_paragraph_breaks_are_kept() -> None:
    text = "第一段的第一行\n第一段的第二行\n\n第二段的第一行\n第二段的第二行\n\n第三段\n第三段续"
    assert (
        join_broken_lines(text)
        == "第一段的第一行第一段的第二行\n\n第二段的第一行第二段的第二行\n\n第三段第三段续"
    )


def test_join_broken_lines_english_words_keep_their_space() -> None:
    assert (
        join_broken_lines("The State Council\nissued an opinion.") == "The State Council issued an opinion."
    )


def test_join_broken_lines_attachment_title_stays_on_its_own_line() -> None:
    text = (
        "（此件公开发布）\n山东省推动大规模设备更新和\n消费品以旧换新实施方案\n"
        "为深入贯彻党中央决策部署，\n制定本实施方案。"
    )
    assert join_broken_lines(text).split("\n") == [
        "（此件公开发布）",
        "山东省推动大规模设备更新和消费品以旧换新实施方案",
        "为深入贯彻党中央决策部署，制定本实施方案。",
    ]


# ---------------------------------------------------------------- repair_text


def test_repair_text_broken_date_becomes_compact_date() -> None:
    assert (
        repair_text("中华人民共和国国务院办公厅\n圆园圆源 年 缘 月 圆 日")
        == "中华人民共和国国务院办公厅\n2024年5月2日"
    )


def test_repair_text_seed_has_no_headers_no_fake_digits_and_words_intact() -> None:
    repaired = repair_text(SEED.read_text(encoding="utf-8"))
    assert "公报 2024·2" not in repaired
    assert "圆园圆源" not in repaired and "园援愿" not in repaired
    assert "比值达到 0.8：1" in repaired
    assert "2024年5月2日" in repaired
    assert "国办发〔2024〕21号" in repaired
    original = SEED.read_text(encoding="utf-8")
    for word in ("公园", "人员", "资源", "救援", "远程"):
        assert repaired.count(word) >= original.count(word)  # joining lines may add some
