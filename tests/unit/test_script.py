"""Script normalisation before matching (OpenCC t2s, extraction gaps, case) and quoting back."""

from __future__ import annotations

import sys
from pathlib import Path

from gazette.domain import t2s_keys
from gazette.domain.script import needs_conversion, normalise, quote, to_simplified

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
