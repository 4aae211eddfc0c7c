"""The split scorer on real State Council documents: whole reports for a perfect split, a document
holding fifty lines of another, a missing document, normalised fields and a stray fragment."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from gazette.domain.model import SplitDocument
from gazette.domain.split_eval import (
    ExpectedDocument,
    issue_dict,
    normalise_text,
    score_issue,
    summarise,
)

SOURCES = Path(__file__).resolve().parents[1] / "data" / "gazettes" / "sources" / "govcn.jsonl"
WIDTH = 20  # characters per line, as a two-column gazette page prints them


def _source(doc_number: str) -> dict:
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["doc_number"] == doc_number:
            return record
    raise AssertionError(f"{doc_number} is not in the sources")


def _printed_lines(record: dict) -> list[str]:
    text = "".join(record["body_lines"])
    return [text[i : i + WIDTH] for i in range(0, len(text), WIDTH)]


def _expected(record: dict, lines: list[str]) -> ExpectedDocument:
    return ExpectedDocument(
        title=record["title"],
        text="\n".join(lines),
        doc_number=record["doc_number"],
        issuer=record["issuer"],
        published=date.fromisoformat(record["published"]),
    )


def _produced(expected: ExpectedDocument, text: str) -> SplitDocument:
    return SplitDocument(
        title=expected.title,
        text=text,
        doc_number=expected.doc_number,
        issuer=expected.issuer,
        published=expected.published,
    )


@pytest.fixture(scope="module")
def inspection() -> tuple[ExpectedDocument, list[str]]:
    """国发〔2019〕5号 (market inspections), 4,145 characters."""
    record = _source("国发〔2019〕5号")
    lines = _printed_lines(record)
    return _expected(record, lines), lines


@pytest.fixture(scope="module")
def poverty() -> tuple[ExpectedDocument, list[str]]:
    """国办发〔2018〕129号 (consumption against poverty), 5,337 characters."""
    record = _source("国办发〔2018〕129号")
    lines = _printed_lines(record)
    return _expected(record, lines), lines


def test_normalise_text_removes_whitespace_and_repairs_digits() -> None:
    assert normalise_text(" 2024 年 5 月\n2 日　圆园圆源 年\t〔２０２４〕") == "2024年5月2日2024年〔2024〕"


def test_score_issue_perfect_split_scores_one_everywhere(inspection, poverty) -> None:
    expected = [inspection[0], poverty[0]]
    # Same characters, other line breaks and indentation: the split is perfect.
    produced = [_produced(doc, "\n\n\u3000\u3000".join(doc.text.split("\n"))) for doc in expected]

    report = summarise([score_issue("perfect", expected, produced)]).as_dict()

    assert report == {
        "issues": 1,
        "documents_expected": 2,
        "documents_found": 2,
        "documents_spurious": 0,
        "numbers_exact": 2,
        "issuers_exact": 2,
        "titles_exact": 2,
        "dates_exact": 2,
        "number_title_date_exact": 2,
        "exact_share": 1.0,
        "purity": 1.0,
        "completeness": 1.0,
        "meets_targets": True,
    }


def test_score_issue_fifty_lines_of_another_document_lower_purity_and_the_others_completeness(
    inspection, poverty
) -> None:
    inspection_doc, inspection_lines = inspection
    poverty_doc, poverty_lines = poverty
    moved = poverty_lines[100:150]
    kept = poverty_lines[:100] + poverty_lines[150:]
    own = normalise_text(inspection_doc.text)
    stray = normalise_text("".join(moved))
    # The fifty lines share no run of eight characters with the document they land in.
    assert not {stray[i : i + 8] for i in range(len(stray) - 7)} & {own[i : i + 8] for i in range(len(own) - 7)}
    produced = [
        _produced(inspection_doc, "\n".join(inspection_lines[:60] + moved + inspection_lines[60:])),
        _produced(poverty_doc, "\n".join(kept)),
    ]

    report = issue_dict(score_issue("fifty-lines", [inspection_doc, poverty_doc], produced))

    inspection_chars, poverty_chars, moved_chars = len(own), len(normalise_text(poverty_doc.text)), len(stray)
    assert (inspection_chars, poverty_chars, moved_chars) == (4145, 5336, 1000)
    assert report == {
        "issue": "fifty-lines",
        "issues": 1,
        "documents_expected": 2,
        "documents_found": 2,
        "documents_spurious": 0,
        "numbers_exact": 2,
        "issuers_exact": 2,
        "titles_exact": 2,
        "dates_exact": 2,
        "number_title_date_exact": 2,
        "exact_share": 1.0,
        # (4145 + 4336) own characters of 4145 + 1000 + 4336 produced
        "purity": round((4145 + 4336) / (4145 + 1000 + 4336), 4),
        # (4145 + 4336) held of 4145 + 5336 expected
        "completeness": round((4145 + 4336) / (4145 + 5336), 4),
        "meets_targets": False,
        "documents": [
            {
                "doc_number": "国发〔2019〕5号",
                "title": "关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见",
                "found": True,
                "completeness": 1.0,
                "wrong": {},
            },
            {
                "doc_number": "国办发〔2018〕129号",
                "title": "关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见",
                "found": True,
                "completeness": round(4336 / 5336, 4),
                "wrong": {},
            },
        ],
        "impure_or_spurious": [
            {
                "doc_number": "国发〔2019〕5号",
                "title": "关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见",
                "purity": round(4145 / 5145, 4),
                "spurious": False,
            }
        ],
    }


def test_score_issue_missing_document_lowers_completeness_and_found(inspection, poverty) -> None:
    inspection_doc, _ = inspection
    poverty_doc, _ = poverty

    report = issue_dict(
        score_issue("missing", [inspection_doc, poverty_doc], [_produced(inspection_doc, inspection_doc.text)])
    )

    assert report == {
        "issue": "missing",
        "issues": 1,
        "documents_expected": 2,
        "documents_found": 1,
        "documents_spurious": 0,
        "numbers_exact": 1,
        "issuers_exact": 1,
        "titles_exact": 1,
        "dates_exact": 1,
        "number_title_date_exact": 1,
        "exact_share": 0.5,
        "purity": 1.0,
        "completeness": round(4145 / (4145 + 5336), 4),
        "meets_targets": False,
        "documents": [
            {
                "doc_number": "国发〔2019〕5号",
                "title": "关于在市场监管领域全面推行部门联合“双随机、一公开”监管的意见",
                "found": True,
                "completeness": 1.0,
                "wrong": {},
            },
            {
                "doc_number": "国办发〔2018〕129号",
                "title": "关于深入开展消费扶贫助力打赢脱贫攻坚战的指导意见",
                "found": False,
                "completeness": 0.0,
            },
        ],
        "impure_or_spurious": [],
    }


def test_score_issue_fields_compare_after_normalisation_and_a_wrong_date_is_reported() -> None:
    record = _source("国办发〔1996〕25号")  # joint issuers: 国务院办公厅 中央军委办公厅
    expected = _expected(record, record["body_lines"])
    produced = SplitDocument(
        title="国务院办公厅、中央军委办公厅关于加强对侵华日军遗弃化学武器调查和管理工作的通知",
        text=expected.text,
        doc_number="国办发[1996] 25 号",
        issuer="国务院办公厅、中央军委办公厅",
        published=date(1996, 6, 28),
    )

    report = issue_dict(score_issue("fields", [expected], [produced]))

    assert report["documents"] == [
        {
            "doc_number": "国办发〔1996〕25号",
            "title": "关于加强对侵华日军遗弃化学武器调查和管理工作的通知",
            "found": True,
            "completeness": 1.0,
            "wrong": {"published": {"expected": "1996-06-29", "produced": "1996-06-28"}},
        }
    ]
    assert (report["numbers_exact"], report["issuers_exact"], report["titles_exact"], report["dates_exact"]) == (
        1,
        1,
        1,
        0,
    )


def test_score_issue_fragment_of_nothing_expected_is_spurious_with_purity_zero(inspection) -> None:
    inspection_doc, _ = inspection
    header = "5国务院公报 2019·5"  # a running page header cut out as a document of its own
    produced = [_produced(inspection_doc, inspection_doc.text), SplitDocument(title=header, text=header)]

    score = score_issue("fragment", [inspection_doc], produced)
    report = issue_dict(score)

    assert (report["documents_found"], report["documents_spurious"]) == (1, 1)
    assert report["impure_or_spurious"] == [{"doc_number": None, "title": header, "purity": 0.0, "spurious": True}]
    assert report["purity"] == round(4145 / (4145 + len(normalise_text(header))), 4)
