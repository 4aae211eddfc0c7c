"""Read a gazette corpus folder, split every issue and score the split (`gazette eval-split DIR`).

A corpus folder holds `manifest.json`:

    {"format": 1,
     "issues": [{"id": "...", "input": "issues/x.txt", "expected": "expected/x.json",
                 "part": "tuned" | "held-out", ...}, ...]}

and, per issue, its input (text or HTML, as a gazette publishes it) and its expected documents:

    {"issue": "...", "documents": [{"doc_number", "issuer", "title", "published", "text"}, ...]}

The scoring itself is domain code (`gazette.domain.split_eval`); this module only reads files and
runs the extractor and the splitter on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from gazette.domain.extract import ExtractionError, extract_text
from gazette.domain.model import SplitDocument
from gazette.domain.split import split_issue
from gazette.domain.split_eval import ExpectedDocument, IssueScore, score_issue, summarise

PARTS = ("tuned", "held-out")


class CorpusError(ValueError):
    """The folder is not a readable corpus; the message names the file at fault."""


@dataclass(frozen=True, slots=True)
class CorpusIssue:
    id: str
    part: str
    input: Path
    expected: tuple[ExpectedDocument, ...]
    layout: str = ""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CorpusError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not readable JSON ({exc})") from exc


def _expected_document(raw: Any, where: str) -> ExpectedDocument:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not isinstance(raw.get("title"), str):
        raise CorpusError(f"{where}: each document needs a 'title' and a 'text'")
    published = raw.get("published")
    try:
        day = date.fromisoformat(published) if published else None
    except (TypeError, ValueError) as exc:
        raise CorpusError(f"{where}: 'published' {published!r} is not a YYYY-MM-DD date") from exc
    return ExpectedDocument(
        title=raw["title"],
        text=raw["text"],
        doc_number=raw.get("doc_number"),
        issuer=raw.get("issuer"),
        published=day,
    )


def load_corpus(folder: Path) -> list[CorpusIssue]:
    if not folder.is_dir():
        raise CorpusError(f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}")
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise CorpusError(f"{folder}: no manifest.json (not a gazette corpus)")
    manifest = _read_json(manifest_path)
    entries = manifest.get("issues") if isinstance(manifest, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{manifest_path}: needs a non-empty 'issues' list")
    issues = []
    for entry in entries:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("id", "input", "expected")):
            raise CorpusError(f"{manifest_path}: each issue needs 'id', 'input' and 'expected'")
        part = entry.get("part", "tuned")
        if part not in PARTS:
            raise CorpusError(f"{manifest_path}: issue {entry['id']}: part {part!r} is not one of {', '.join(PARTS)}")
        input_path = folder / entry["input"]
        if not input_path.is_file():
            raise CorpusError(f"{input_path}: no such file")
        expected_path = folder / entry["expected"]
        raw = _read_json(expected_path)
        documents = raw.get("documents") if isinstance(raw, dict) else None
        if not isinstance(documents, list):
            raise CorpusError(f"{expected_path}: needs a 'documents' list")
        expected = tuple(_expected_document(doc, str(expected_path)) for doc in documents)
        issues.append(CorpusIssue(entry["id"], part, input_path, expected, str(entry.get("layout", ""))))
    return issues


Splitter = Callable[[str], list[SplitDocument]]


def split_file(path: Path, splitter: Splitter = split_issue) -> list[SplitDocument]:
    try:
        extracted = extract_text(path.read_bytes(), None, path.name)
    except ExtractionError as exc:
        raise CorpusError(f"{path}: {exc}") from exc
    return splitter(extracted.text)


def score_corpus(issues: list[CorpusIssue], splitter: Splitter = split_issue) -> list[tuple[CorpusIssue, IssueScore]]:
    return [(issue, score_issue(issue.id, issue.expected, split_file(issue.input, splitter))) for issue in issues]


def report(scored: list[tuple[CorpusIssue, IssueScore]], show_held_out: bool = False) -> dict[str, Any]:
    """The whole report as plain data: each part apart, then all issues together.

    Held-out issues are listed by figures only unless `show_held_out`: whoever tunes the splitter
    should not read what goes wrong on them.
    """
    from gazette.domain.split_eval import TARGETS, issue_dict

    parts: dict[str, Any] = {}
    for part in PARTS:
        chosen = [(issue, score) for issue, score in scored if issue.part == part]
        if not chosen:
            continue
        details = []
        for _, score in chosen:
            item = issue_dict(score)
            if part == "held-out" and not show_held_out:
                item.pop("documents")
                item.pop("impure_or_spurious")
            details.append(item)
        parts[part] = {"summary": summarise(score for _, score in chosen).as_dict(), "issues": details}
        if part == "tuned" or show_held_out:
            layouts = sorted({issue.layout for issue, _ in chosen})
            parts[part]["layouts"] = {
                layout: summarise(score for issue, score in chosen if issue.layout == layout).as_dict()
                for layout in layouts
            }
    overall = summarise(score for _, score in scored)
    return {
        "targets": {"exact": TARGETS.exact, "purity": TARGETS.purity, "completeness": TARGETS.completeness},
        "parts": parts,
        "overall": overall.as_dict(),
        "meets_targets": all(part["summary"]["meets_targets"] for part in parts.values()),
    }


def format_report(data: dict[str, Any]) -> str:
    """The report for a terminal: one line per issue, a summary per part, then the verdict."""
    lines = []
    header = (
        f"{'issue':<34} {'found':>9} {'spur':>4} {'num':>4} {'iss':>4} {'title':>5} {'date':>4} "
        f"{'purity':>7} {'compl':>7}"
    )
    for part, body in data["parts"].items():
        lines.append(f"== {part} ({body['summary']['issues']} issues)")
        lines.append(header)
        for item in body["issues"]:
            lines.append(_row(item["issue"], item))
        lines.append(_row("  all " + part, body["summary"]))
        for layout, summary in body.get("layouts", {}).items():
            lines.append(_row(f"  layout {layout}", summary))
        for item in body["issues"]:
            for doc in item.get("documents", []):
                if not doc["found"]:
                    lines.append(f"   {item['issue']}: missing {doc['doc_number'] or doc['title']}")
                for name, pair in doc.get("wrong", {}).items():
                    lines.append(
                        f"   {item['issue']}: {doc['doc_number'] or doc['title']}: {name} "
                        f"expected {pair['expected']!r}, produced {pair['produced']!r}"
                    )
            for doc in item.get("impure_or_spurious", []):
                what = "spurious" if doc["spurious"] else "impure"
                lines.append(
                    f"   {item['issue']}: {what} {doc['doc_number'] or doc['title']!r} purity {doc['purity']:.4f}"
                )
        lines.append("")
    lines.append(header)
    lines.append(_row("overall", data["overall"]))
    targets = data["targets"]
    verdict = "meets the targets" if data["meets_targets"] else "BELOW TARGET"
    lines.append(
        f"targets (each part): number+title+date exact >= {targets['exact']:.0%}, purity >= {targets['purity']:.0%}, "
        f"completeness >= {targets['completeness']:.0%}: {verdict}"
    )
    return "\n".join(lines)


def _row(name: str, item: dict[str, Any]) -> str:
    expected = item["documents_expected"]
    return (
        f"{name:<34} {item['documents_found']:>4}/{expected:<4} {item['documents_spurious']:>4} "
        f"{item['numbers_exact']:>4} {item['issuers_exact']:>4} {item['titles_exact']:>5} {item['dates_exact']:>4} "
        f"{item['purity']:>7.2%} {item['completeness']:>7.2%}"
    )
