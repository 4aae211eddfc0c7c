"""Every feed in feedparser 6.0.11's own test corpus goes through parse_feed without losing entries.

The corpus (about 2,400 files) comes from feedparser's sdist; the Makefile extracts its tests/ folder
to .cache/feedparser-corpus/tests/:

    pip download --no-deps --no-binary :all: feedparser==6.0.11 -d /tmp/fp
    tar xzf /tmp/fp/feedparser-6.0.11.tar.gz -C /tmp/fp
    mkdir -p .cache/feedparser-corpus && cp -r /tmp/fp/feedparser-6.0.11/tests .cache/feedparser-corpus/

For each file: no exception but FeedParseError escapes parse_feed, and wherever feedparser.parse
itself finds N entries in the same bytes (with the same response headers, taken from the file's own
``Header:`` comments as feedparser's runtests.py serves them), parse_feed returns N entries.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import feedparser
import pytest

from gazette.domain.feeds import FeedParseError, parse_feed

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".cache" / "feedparser-corpus" / "tests"
FEED_SUFFIXES = {".xml", ".rdf", ".atom", ".rss", ".json"}
HEADER_RE = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)
# Every folder the 6.0.11 sdist ships with feed files in it; a folder that vanished is a failure too.
FOLDERS = ["illformed", "encoding", "wellformed", "entities", "http"]


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(
            f"feedparser corpus missing at {CORPUS}: run `make corpus` (or the commands in this module's "
            "docstring) to extract tests/ from the feedparser==6.0.11 sdist",
            pytrace=False,
        )
    return CORPUS


def _headers(data: bytes) -> dict[str, str]:
    return {
        k.decode("utf-8").strip().lower(): v.decode("utf-8").strip()
        for k, v in HEADER_RE.findall(data)
        if k.strip().lower() not in (b"status", b"location")
    }


def _check(path: Path) -> str | None:
    data = path.read_bytes()
    headers = _headers(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected: int | None = len(
                feedparser.parse(io.BytesIO(data), response_headers=headers or None).entries
            )
        except Exception:  # feedparser itself crashes on a few files (its HTML post-processing)
            expected = None
    try:
        got = len(parse_feed(data, headers).entries)
    except FeedParseError as exc:
        if expected:
            return (
                f"{path.relative_to(CORPUS)}: FeedParseError ({exc}) but feedparser found {expected} entries"
            )
        return None
    except Exception as exc:
        return f"{path.relative_to(CORPUS)}: {type(exc).__name__}: {exc}"
    if expected is not None and got != expected:
        return f"{path.relative_to(CORPUS)}: {got} entries, feedparser found {expected}"
    return None


@pytest.mark.parametrize("folder", FOLDERS)
def test_parse_feed_corpus_folder_loses_no_entries_and_raises_only_feed_parse_error(corpus, folder):
    base = corpus / folder
    assert base.is_dir(), f"corpus folder {base} missing: re-extract the feedparser sdist"
    files = sorted(p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)
    assert files, f"no feed files under {base}"
    problems = [msg for msg in map(_check, files) if msg]
    assert not problems, f"{len(problems)} of {len(files)} files:\n" + "\n".join(problems[:50])


def test_parse_feed_corpus_has_no_feed_folders_this_test_does_not_cover(corpus):
    folders = {
        p.relative_to(corpus).parts[0]
        for p in corpus.rglob("*")
        if p.is_file() and p.suffix.lower() in FEED_SUFFIXES
    }
    assert folders <= set(FOLDERS), f"new corpus folders not covered: {sorted(folders - set(FOLDERS))}"
