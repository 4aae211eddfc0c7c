"""Splitting a gazette issue into documents, on the real seed issue and on small pages."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from gazette.domain.model import SplitDocument
from gazette.domain.repair import repair_text
from gazette.domain.split import split_issue

TESTS = Path(__file__).resolve().parents[1]
SEED = TESTS / "fixtures" / "wendeng-2024-02.txt"
# The seven documents of the seed issue, whole, as a reader of the printed gazette finds them
# (each line given to the document whose sentence it carries on); shared with the split corpus.
SEED_EXPECTED = TESTS / "data" / "gazettes" / "expected" / "wendeng-2024-02.json"


def expected_documents(path: Path) -> list[SplitDocument]:
    documents = json.loads(path.read_text(encoding="utf-8"))["documents"]
    return [
        SplitDocument(
            title=doc["title"],
            text=doc["text"],
            doc_number=doc["doc_number"],
            issuer=doc["issuer"],
            published=date.fromisoformat(doc["published"]) if doc["published"] else None,
        )
        for doc in documents
    ]


def characters(texts: list[str]) -> Counter[str]:
    return Counter(ch for text in texts for ch in text if not ch.isspace())


@pytest.fixture(scope="module")
def seed_documents() -> list[SplitDocument]:
    return split_issue(SEED.read_text(encoding="utf-8"))


def test_split_issue_seed_gives_the_seven_whole_documents(seed_documents: list[SplitDocument]) -> None:
    assert seed_documents == expected_documents(SEED_EXPECTED)


def test_split_issue_seed_every_character_lands_in_one_document_or_a_header(
    seed_documents: list[SplitDocument],
) -> None:
    # Header blocks (number, issuer, title) and the running page header are the only text left out.
    issue = repair_text(SEED.read_text(encoding="utf-8"))
    headers = [
        "国办发〔2024〕21号国务院办公厅关于创新完善体制机制推动招标投标市场规范健康发展的意见",
        "鲁政发〔2024〕3号山东省人民政府关于印发山东省推动大规模设备更新和消费品以旧换新实施方案的通知",
        "鲁政办字〔2024〕53号山东省人民政府办公厅关于进一步促进消费持续向好的意见",
        "威政办字〔2024〕15号威海市人民政府办公室关于印发威海市全国基层中医药工作示范市创建方案的通知",
        "威政办字〔2024〕16号威海市人民政府办公室关于印发威海市气象灾害应急预案的通知",
        "威文政发〔2024〕6号威海市文登区人民政府关于印发《威海市文登区科技创新发展三年行动方案（2024—2026年）》的通知",
        "威文政办发〔2024〕4号威海市文登区人民政府办公室关于印发《威海市文登区2024年地质灾害防治方案》的通知",
    ]
    assert characters([doc.text for doc in seed_documents] + headers) == characters([issue])


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
