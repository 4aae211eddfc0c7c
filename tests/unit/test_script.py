"""Script normalisation before matching (OpenCC t2s, extraction gaps, case) and quoting back."""

from __future__ import annotations

import sys
from pathlib import Path

from gazette.domain import t2s_keys
from gazette.domain.script import fold_forms, needs_conversion, normalise, normalise_folded, quote, to_simplified

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES.parent / "data"))

import record_t2s_keys  # noqa: E402


def test_to_simplified_traditional_and_mixed_script_become_simplified() -> None:
    # The title on 績溪縣上莊鎮人民政府's page (jk9a.cn copy), and both scripts inside one word.
    assert to_simplified("關于印發績溪縣防汛抗旱應急預案的通知") == "关于印发绩溪县防汛抗旱应急预案的通知"
    assert to_simplified("招標投标") == "招标投标"


def test_to_simplified_simplified_text_is_unchanged() -> None:
    text = "关于创新完善体制机制推动招标投标市场规范健康发展的意见"

    assert to_simplified(text) == text


def test_normalise_closes_gaps_inside_chinese_words_lower_cases_and_keeps_an_aligned_copy() -> None:
    original = "招標投\n\n标  Federal   Acquisition\nRegulation"

    normalised = normalise(original)

    assert normalised.text == "招标投标 federal acquisition regulation"
    assert normalised.aligned == "招标投\n\n标  federal   acquisition\nregulation"


def test_quote_returns_the_original_characters_of_a_match() -> None:
    original = "各鄉鎮人民政府:\n 招標投\n\n標活動 Federal   Acquisition"
    normalised = normalise(original)

    start = normalised.text.index("招标投标")
    assert quote(original, normalised, "招标投标", start) == "招標投標"
    start = normalised.text.index("federal acquisition")
    assert quote(original, normalised, "federal acquisition", start) == "Federal Acquisition"


def test_t2s_keys_module_equals_the_installed_opencc_tables() -> None:
    assert record_t2s_keys.changed_keys() == (t2s_keys.CHANGED_CHARACTERS, t2s_keys.CHANGED_PHRASES)
    assert record_t2s_keys.folding_tables() == (t2s_keys.ALONE, t2s_keys.PHRASE_CHARACTERS, t2s_keys.CONTEXT_CHARACTERS)


def test_t2s_keys_conversion_alone_keeps_whitespace_and_ascii_where_they_are() -> None:
    # Folded text is closed up like converted text only if t2s never makes or unmakes either.
    pairs = list(zip(t2s_keys.CHANGED_CHARACTERS, t2s_keys.ALONE, strict=True))

    assert [pair for pair in pairs if any(char.isascii() or char.isspace() for char in pair)] == []
    assert [char for char in t2s_keys.PHRASE_CHARACTERS if char.isascii() or char.isspace()] == []


def _read_folded(text: str) -> str:
    """A folded text as OpenCC would convert it: each character converted standing alone."""
    alone = dict(zip(t2s_keys.CHANGED_CHARACTERS, t2s_keys.ALONE, strict=True))
    return "".join(alone.get(char, char) for char in text)


def _mixed(simplified: str, traditional: str) -> str:
    # Both scripts inside one word: every other character from each.
    return "".join(s if index % 2 else t for index, (s, t) in enumerate(zip(simplified, traditional, strict=True)))


def test_normalise_folded_reads_as_normalise_on_the_seed_issue_in_both_scripts_and_mixed() -> None:
    import opencc

    simplified = (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(simplified)
    for text in (simplified, traditional, _mixed(simplified, traditional), traditional.upper()):
        folded, converted = normalise_folded(text), normalise(text)
        assert folded is not None and folded.folded
        assert (_read_folded(folded.text), _read_folded(folded.aligned)) == (converted.text, converted.aligned)


def test_normalise_folded_every_longer_key_of_the_tables_reads_as_normalise_or_asks_for_conversion() -> None:
    # Each key of OpenCC's phrase tables inside the seed issue's own words, which hold context
    # characters of their own (覆).
    seed = (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8")[:400]
    keys = sorted({key for key, _, _ in record_t2s_keys._table_entries() if len(key) > 1})
    unresolved = []
    for key in keys:
        text = seed[:200] + key + seed[200:]
        folded, converted = normalise_folded(text), normalise(text)
        if folded is None:
            unresolved.append(key)
            continue
        assert (_read_folded(folded.text), _read_folded(folded.aligned)) == (converted.text, converted.aligned), key
    # The phrases whose conversion of a character is no character's conversion standing alone.
    alone = dict(zip(t2s_keys.CHANGED_CHARACTERS, t2s_keys.ALONE, strict=True))
    expected = sorted(
        key
        for key, value, _ in record_t2s_keys._table_entries()
        if len(key) > 1
        and any(
            out != alone.get(char, char) and alone.get(out, out) != out and char in t2s_keys.CONTEXT_CHARACTERS
            for char, out in zip(key, value, strict=True)
        )
    )
    assert unresolved == expected


def test_fold_forms_every_spelling_converts_to_the_form_and_the_form_is_one() -> None:
    forms = fold_forms("招标投标")

    assert forms == ["招标投标", "招标投標", "招標投标", "招標投標"]
    assert fold_forms("federal acquisition") == ["federal acquisition"]


def test_quote_in_folded_text_returns_the_original_characters_of_a_match() -> None:
    original = "各鄉鎮人民政府:\n 招標投\n\n标活動 Federal   Acquisition"
    folded = normalise_folded(original)

    start = folded.text.index("招標投标")
    assert quote(original, folded, "招标投标", start) == "招標投标"
    start = folded.text.index("federal acquisition")
    assert quote(original, folded, "federal acquisition", start) == "Federal Acquisition"


def test_needs_conversion_every_changing_key_of_the_tables_is_found() -> None:
    keys = [*t2s_keys.CHANGED_CHARACTERS, *t2s_keys.CHANGED_PHRASES]

    assert [key for key in keys if not needs_conversion(key)] == []
    assert [key for key in keys if needs_conversion("各省、自治区" + key + "人民政府")] == keys


def test_needs_conversion_simplified_seed_issue_is_skipped_and_opencc_agrees_it_is_unchanged() -> None:
    import opencc

    seed = (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8").lower()

    assert needs_conversion(seed) is False
    assert opencc.OpenCC("t2s").convert(seed) == seed


def test_needs_conversion_traditional_seed_issue_is_converted() -> None:
    import opencc

    seed = (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8")

    assert needs_conversion(opencc.OpenCC("s2t").convert(seed)) is True
