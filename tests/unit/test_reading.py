"""Mail summaries: the substance of each seed document, after its addressee and transmittal formula.

The seed documents are the seven of the Wendeng District Government Gazette, 2024 No. 2
(tests/fixtures/seed_documents.json, split from tests/fixtures/wendeng-2024-02.txt); each summary is
taken, as the mailer takes it, from the opening a `document.created` event carries.
"""

import json
from pathlib import Path

import pytest

from gazette.domain.documents import SUMMARY_CHARS
from gazette.domain.reading import MAX_CHARS, MIN_CHARS, reading_summary

SEED = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "seed_documents.json").read_text("utf-8"))
BY_NUMBER = {doc["doc_number"]: doc for doc in SEED}

EXPECTED = {
    "国办发〔2024〕21号": (
        "招标投标市场是全国统一大市场和高标准市场体系的重要组成部分，对提高资源配置效率效益、持续优化营商环境具有重要作用。为创新"
        "完善体制机制，推动招标投标市场规范健康发展，经国务院同意，现提出如下意见。创新完善体制机制，推动招标投标市场规范健康发展"
        "，完整、准确、全面贯彻新发展理念，加快构建新发展格局，着力推动高质量发展，坚持有效市场和有为政府更好结合，聚焦发挥招标投"
        "标竞争择优作用…"
    ),
    "鲁政发〔2024〕3号": (
        "为深入贯彻党中央、国务院关于推动大规模设备更新和消费品以旧换新决策部署，落实《国务院关于印发推动大规模设备更新和消费品以"
        "旧换新行动方案的通知》（国发〔2024〕7号）文件要求，结合山东实际，制定本实施方案。统筹扩大内需和深化供给侧结构性改革"
        "，纵深推进“三个十大”行动计划，着力提升重点领域设备水平，畅通消费品更新换代链条，扩大有潜能的消费和有效益的投资，加快发"
        "展新质生产力…"
    ),
    "鲁政办字〔2024〕53号": (
        "为深入贯彻省委、省政府关于加快消费与投资融合，推动内外贸一体化发展的工作部署，现就进一步激发消费潜能，扩大消费需求，促进"
        "全省消费持续向好，更多惠及消费者，提出如下意见。坚持稳中求进、以进促稳、先立后破，坚持远近兼顾、协同发力，培育和壮大新型"
        "消费，稳定和扩大传统消费，加大优质商品供给，升级服务消费品质，完善消费促进机制，改善消费市场环境，在扩大有效需求上塑造新"
        "优势，更好满足人民群众美好生活需要。"
    ),
    "威政办字〔2024〕15号": (
        "为切实做好全国基层中医药工作示范市创建工作，进一步提升我市基层中医药服务能力，满足人民群众中医药服务需求，结合我市实际，"
        "制定本方案。发挥威海市国家中医药综合改革试验区建设优势，健全我市基层中医药服务体系，进一步彰显中医药在疾病预防、治疗和康"
        "复中的特色优势，进一步强化中医药传承创新能力，进一步增强产业核心竞争力，进一步提升中医药治理体系和治理能力现代化水平，进"
        "一步提高居民健康水平的中医药贡献度…"
    ),
    "威政办字〔2024〕16号": (
        "建立健全气象灾害应急响应机制，提高气象灾害防范处置能力，明确职责、落实责任，保护人民群众生命财产安全，保障全市经济社会发"
        "展。《中华人民共和国突发事件应对法》《中华人民共和国气象法》《气象灾害防御条例》《山东省气象灾害防御条例》《山东省突发事"
        "件应急预案管理办法》《山东省气象灾害应急预案》《威海市突发事件总体应急预案》等法律法规规定。"
    ),
    "威文政发〔2024〕6号": (
        "为贯彻落实《国务院关于支持山东深化新旧动能转换推动绿色低碳高质量发展的意见》《山东省建设绿色低碳高质量发展先行区三年行动"
        "计划（2023—2025年）》《威海市深化新旧动能转换推动绿色低碳高质量发展三年行动计划（2023—2025年）》等文件"
        "精神，充分发挥科技创新的支撑引领作用，着力营造优质创新生态，增强全区科技创新活力，形成创新引领高质量发展新局面，制定本行"
        "动方案。"
    ),
    "威文政办发〔2024〕4号": (
        "为全面做好我区2024年地质灾害防治工作，根据《地质灾害防治条例》《山东省地质环境保护条例》《山东省地质灾害防治规划（2"
        "013-2025年）》《威海市地质灾害防治规划（2013-2025）》《山东省2024年地质灾害防治方案》《威海市202"
        "4年地质灾害防治方案》等文件，结合我区实际，编制本方案。"
    ),
}


@pytest.mark.parametrize("doc_number", list(EXPECTED))
def test_reading_summary_of_a_seed_document_is_its_substance_after_addressee_and_formula(doc_number):
    doc = BY_NUMBER[doc_number]

    summary = reading_summary(doc["body"][:SUMMARY_CHARS], doc["title"])

    assert summary == EXPECTED[doc_number]
    assert MIN_CHARS <= len(summary) <= MAX_CHARS


def test_reading_summary_skips_the_addressee_line_and_the_transmittal_formula():
    doc = BY_NUMBER["威政办字〔2024〕16号"]

    summary = reading_summary(doc["body"][:SUMMARY_CHARS], doc["title"])

    assert not summary.startswith("各区市人民政府")
    assert "印发给你们" not in summary and "同时废止" not in summary and "威海市人民政府办公室" not in summary


def test_reading_summary_of_a_short_text_is_the_text():
    assert reading_summary("为做好气象灾害防御工作。") == "为做好气象灾害防御工作。"


def test_reading_summary_cuts_a_long_sentence_at_a_clause_boundary_with_an_ellipsis():
    doc = BY_NUMBER["国办发〔2024〕21号"]

    summary = reading_summary(doc["body"][:SUMMARY_CHARS], doc["title"])

    assert summary.endswith("，聚焦发挥招标投标竞争择优作用…")
