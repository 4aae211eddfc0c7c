"""Splitting a gazette issue into documents, on the real seed issue and on small pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gazette.domain.model import SplitDocument
from gazette.domain.split import split_issue

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "wendeng-2024-02.txt"

EXPECTED = [
    (
        "国办发〔2024〕21号",
        "国务院办公厅",
        "关于创新完善体制机制推动招标投标市场规范健康发展的意见",
        date(2024, 5, 2),
    ),
    (
        "鲁政发〔2024〕3号",
        "山东省人民政府",
        "关于印发山东省推动大规模设备更新和消费品以旧换新实施方案的通知",
        date(2024, 4, 4),
    ),
    ("鲁政办字〔2024〕53号", "山东省人民政府办公厅", "关于进一步促进消费持续向好的意见", date(2024, 5, 18)),
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
        "威文政发〔2024〕6号",
        "威海市文登区人民政府",
        "关于印发《威海市文登区科技创新发展三年行动方案（2024—2026年）》的通知",
        date(2024, 4, 28),
    ),
    (
        "威文政办发〔2024〕4号",
        "威海市文登区人民政府办公室",
        "关于印发《威海市文登区2024年地质灾害防治方案》的通知",
        date(2024, 5, 31),
    ),
]

# One phrase only the opening of each document uses, in the order of EXPECTED.
OWN_PHRASES = ["招标投标", "设备更新", "消费持续向好", "中医药", "气象灾害", "科技创新", "地质灾害"]


@pytest.fixture(scope="module")
def seed_documents() -> list[SplitDocument]:
    return split_issue(SEED.read_text(encoding="utf-8"))


def test_split_issue_seed_gives_the_seven_documents_in_order(seed_documents: list[SplitDocument]) -> None:
    found = [(doc.doc_number, doc.issuer, doc.title, doc.published) for doc in seed_documents]
    assert found == EXPECTED


@pytest.mark.parametrize("position", range(len(EXPECTED)))
def test_split_issue_seed_opening_belongs_to_its_own_document(
    seed_documents: list[SplitDocument], position: int
) -> None:
    opening = seed_documents[position].text[:200]
    assert OWN_PHRASES[position] in opening
    for other, phrase in enumerate(OWN_PHRASES):
        if other != position:
            assert phrase not in opening, f"{phrase!r} of document {other + 1} leaks into {position + 1}"


def test_split_issue_seed_first_paragraph_of_bidding_opinion_is_its_own(
    seed_documents: list[SplitDocument],
) -> None:
    paragraphs = seed_documents[0].text.split("\n")
    assert paragraphs[0] == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构："
    assert "招标投标市场" in paragraphs[1] and "以旧换新" not in paragraphs[1]


def test_split_issue_seed_header_lines_are_not_body_text(seed_documents: list[SplitDocument]) -> None:
    for doc in seed_documents:
        assert doc.doc_number not in doc.text
        assert "公报 2024·2" not in doc.text


def test_split_issue_seed_text_around_a_nested_notice_stays_with_the_outer_document(
    seed_documents: list[SplitDocument],
) -> None:
    consumption, medicine = seed_documents[2], seed_documents[3]
    # Printed after 鲁政办字〔2024〕53号's header and after 威政办字〔2024〕15号's notice respectively.
    assert "器和众创空间等载体" in consumption.text
    assert "17.深化平台共赢合作" in consumption.text
    assert "各区市人民政府，国家级开发区管委" not in consumption.text
    assert "请认真组织实施" in medicine.text and "请认真组织实施" not in consumption.text


def test_split_issue_seed_attachment_text_follows_its_notice(seed_documents: list[SplitDocument]) -> None:
    renewal, consumption, medicine, weather, science, geology = seed_documents[1:7]
    # Attachment pages printed before the notice that issues them go to that notice.
    assert "比值达到 0.8：1" in renewal.text
    assert "两网融合" in renewal.text
    assert "结合我市实际，制定本方案" in medicine.text and "中医药" not in consumption.text
    assert "1.1 编制目的" in weather.text and "1.1 编制目的" not in medicine.text
    assert "本预案由市气象局负责解释" in weather.text
    assert "制定本行动方案" in science.text
    assert "地质灾害防治保障措施" in geology.text and "地质灾害" not in science.text


def test_split_issue_seed_notice_comes_before_its_attachment(seed_documents: list[SplitDocument]) -> None:
    renewal = seed_documents[1].text
    assert renewal.index("现将《山东省推动大规模设备更新") < renewal.index("2024年4月4日")
    assert renewal.index("2024年4月4日") < renewal.index("为深入贯彻党中央、国务院关于推动大规模设备更新")


def test_split_issue_clean_two_document_issue_gives_both() -> None:
    text = "\n".join(
        [
            "青政发〔2023〕7号",
            "青岛市人民政府",
            "关于加强城市供水",
            "安全管理的通知",
            "各区、市人民政府，市政府各部门：",
            "为保障城市供水安全，现就有关事项通知如下。",
            "一、落实供水安全责任",
            "各级要落实属地责任。",
            "青岛市人民政府",
            "二〇二三年十二月五日",
            "（此件公开发布）",
            "青政办字〔2023〕12号",
            "青岛市人民政府办公厅",
            "关于做好冬季燃气保供工作的意见",
            "各区、市人民政府，市政府各部门：",
            "为做好冬季燃气保供，提出如下意见。",
            "青岛市人民政府办公厅",
            "2023 年 12 月 20 日",
        ]
    )
    docs = split_issue(text)
    assert [(d.doc_number, d.issuer, d.title, d.published) for d in docs] == [
        ("青政发〔2023〕7号", "青岛市人民政府", "关于加强城市供水安全管理的通知", date(2023, 12, 5)),
        (
            "青政办字〔2023〕12号",
            "青岛市人民政府办公厅",
            "关于做好冬季燃气保供工作的意见",
            date(2023, 12, 20),
        ),
    ]
    assert "供水安全" in docs[0].text and "燃气" not in docs[0].text
    assert "燃气保供" in docs[1].text and "供水" not in docs[1].text


def test_split_issue_single_page_without_doc_number_gives_one_document() -> None:
    text = (
        "商务部等部门关于推动消费品以旧换新的政策解读\n\n"
        "近日，商务部等部门印发通知，\n明确了支持政策。\n\n一、政策背景\n扩大国内需求。"
    )
    docs = split_issue(text)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.title == "商务部等部门关于推动消费品以旧换新的政策解读"
    assert doc.doc_number is None and doc.issuer is None and doc.published is None
    assert doc.text.startswith("近日，商务部等部门印发通知，明确了支持政策。")


def test_split_issue_single_page_with_signature_keeps_issuer_and_date() -> None:
    text = "关于开展安全生产检查的通知\n各单位：\n请做好检查工作。\n威海市应急管理局\n2024年3月1日"
    (doc,) = split_issue(text)
    assert (doc.title, doc.issuer, doc.published) == (
        "关于开展安全生产检查的通知",
        "威海市应急管理局",
        date(2024, 3, 1),
    )


@pytest.mark.parametrize("blank", ["", "   ", "\n\n\t \u3000\n"])
def test_split_issue_empty_text_gives_no_documents(blank: str) -> None:
    assert split_issue(blank) == []
