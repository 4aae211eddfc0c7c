"""The taxonomy data file: the packaged one loads, broken ones are reported with their line, and a
new domain needs no code change."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from gazette.domain.classify import Classifier
from gazette.domain.taxonomy import Taxonomy, TaxonomyError, load_taxonomy

FIXTURES = Path(__file__).parent.parent / "fixtures"


def packaged_text() -> str:
    return resources.files("gazette").joinpath("data", "taxonomy.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str, whole: bool = False) -> int:
    """1-based number of the first line containing needle (or, if whole, equal to it stripped)."""
    for number, line in enumerate(text.splitlines(), start=1):
        if (line.strip() == needle) if whole else (needle in line):
            return number
    raise AssertionError(f"{needle!r} not in text")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_taxonomy_packaged_file_loads_the_four_domains() -> None:
    taxonomy = load_taxonomy()

    assert isinstance(taxonomy, Taxonomy)
    assert list(taxonomy.domains) == ["bidding", "consumption", "disasters", "science"]
    for domain in taxonomy.domains.values():
        assert domain.labels.zh and domain.labels.en and domain.description
        assert domain.threshold > 0


def test_load_taxonomy_explicit_path_equals_packaged_default(tmp_path: Path) -> None:
    path = write(tmp_path, packaged_text())

    assert load_taxonomy(path).domains == load_taxonomy().domains


def test_load_taxonomy_term_in_traditional_script_duplicating_a_simplified_one_names_the_line(
    tmp_path: Path,
) -> None:
    # 招標投標 is 招标投标 once converted: listing both would count the same words twice.
    text = packaged_text().replace("zh: [招标投标, ", "zh: [招标投标, 招標投標, ", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)

    line = next(n for n, t in enumerate(text.splitlines(), 1) if "招標投標" in t)
    assert str(info.value) == (
        f"{path}, line {line}: domains.bidding.groups.core.zh[1]: "
        "term '招標投標' is already listed in group 'core' of this domain"
    )


def test_load_taxonomy_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = packaged_text().replace("threshold: 1.75", "threshold: [4.0", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError, match=r"line \d+: invalid YAML") as info:
        load_taxonomy(path)

    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_load_taxonomy_unknown_field_names_its_line(tmp_path: Path) -> None:
    text = packaged_text().replace("    threshold: 1.75\n", "    threshold: 1.75\n    treshold: 3\n", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)

    message = str(info.value)
    assert f"line {line_of(text, 'treshold')}:" in message
    assert "domains.bidding.treshold" in message
    assert "Extra inputs are not permitted" in message


def test_load_taxonomy_wrong_type_names_its_line(tmp_path: Path) -> None:
    text = packaged_text().replace("body_decay_chars: 1000", "body_decay_chars: long", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)

    assert f"line {line_of(text, 'body_decay_chars: long')}:" in str(info.value)
    assert "scoring.body_decay_chars" in str(info.value)


def test_load_taxonomy_empty_term_names_its_line(tmp_path: Path) -> None:
    text = packaged_text().replace("[促消费, 促进消费,", '[促消费, "  ",', 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)

    assert f"line {line_of(text, '[促消费, ')}:" in str(info.value)
    assert "domains.consumption.groups.core.zh[1]" in str(info.value)


@pytest.mark.parametrize("bad", ["heavy", "1.0", "strongest"])
def test_load_taxonomy_group_strength_outside_the_rule_names_its_line(tmp_path: Path, bad: str) -> None:
    # Weights come from one rule: a group names its strength, never a number of its own.
    text = packaged_text().replace("        strength: weak\n", f"        strength: {bad}\n", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)

    assert f"line {line_of(text, f'strength: {bad}', whole=True)}:" in str(info.value)
    assert ".strength: Input should be 'strong', 'supporting' or 'weak'" in str(info.value)


def test_load_taxonomy_term_with_a_weight_of_its_own_names_its_line(tmp_path: Path) -> None:
    text = packaged_text().replace("[采购, 购置]", "[{term: 采购, weight: 0.8}, 购置]", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)

    assert f"line {line_of(text, '{term: 采购, weight: 0.8}')}:" in str(info.value)
    assert "zh[0]: Input should be a valid string" in str(info.value)


def test_load_taxonomy_rule_naming_an_unknown_context_names_its_line(tmp_path: Path) -> None:
    text = packaged_text().replace("when: [public_health, other_incidents]", "when: [public_helth]", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError, match="unknown context 'public_helth'") as info:
        load_taxonomy(path)

    assert f"line {line_of(text, 'public_helth')}:" in str(info.value)


def test_load_taxonomy_term_listed_twice_in_a_domain_names_the_second(tmp_path: Path) -> None:
    text = packaged_text().replace("[采购, 购置]", "[采购, 购置, 政府采购]", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError, match="already listed in group 'core'") as info:
        load_taxonomy(path)

    assert f"line {line_of(text, '[采购, 购置, 政府采购]')}:" in str(info.value)


def test_load_taxonomy_duplicate_key_names_its_line(tmp_path: Path) -> None:
    text = packaged_text().replace("    threshold: 1.75\n", "    threshold: 1.75\n    threshold: 2.0\n", 1)
    path = write(tmp_path, text)

    with pytest.raises(TaxonomyError, match="duplicate key 'threshold'") as info:
        load_taxonomy(path)

    assert f"line {line_of(text, 'threshold: 2.0')}:" in str(info.value)


def test_load_taxonomy_missing_file_raises_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "nowhere.yaml")


def test_load_taxonomy_empty_file_raises_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="empty"):
        load_taxonomy(write(tmp_path, "# nothing here\n"))


def test_taxonomy_error_is_a_value_error() -> None:
    assert issubclass(TaxonomyError, ValueError)


NEW_DOMAIN = """
  elderly_care:
    labels: {zh: 养老服务, en: Elderly care}
    description: Services for older people.
    threshold: 1.75
    groups:
      core:
        strength: strong
        zh: [养老服务, 老年助餐, 适老化改造]
"""


def test_load_taxonomy_new_domain_in_a_data_file_is_classified_without_code_change(tmp_path: Path) -> None:
    # Given a copy of the packaged taxonomy with one more domain.
    path = write(tmp_path, packaged_text() + NEW_DOMAIN)
    classifier = Classifier(load_taxonomy(path))
    # And the real paragraph of 鲁政办字〔2024〕53号 on household and community services (the
    # seed issue's text), with 养老服务 written in Traditional script.
    seed = (FIXTURES / "wendeng-2024-02.txt").read_text(encoding="utf-8")
    start = seed.index("4.提质家政")
    body = seed[start : start + 700].replace("养老服务", "養老服務")

    # When a document with that body is classified
    result = classifier.classify("养老服务发展资金", body)

    # Then the new domain is chosen, with its evidence.
    assert "elderly_care" in classifier.domains
    assert "elderly_care" in result.domains
    found = {(e.term, e.where) for e in result.evidence["elderly_care"]}
    assert {("养老服务", "title"), ("養老服務", "body")} <= found


def test_load_taxonomy_domain_location_weights_override_the_defaults(tmp_path: Path) -> None:
    override = "    weights: {title: 10.0, doc_number: 3.0, body: 1.0}\n"
    text = packaged_text().replace("    threshold: 1.75\n", "    threshold: 1.75\n" + override, 1)
    taxonomy = load_taxonomy(write(tmp_path, text))

    result = Classifier(taxonomy).classify("关于创新完善体制机制推动招标投标市场规范健康发展的意见")

    assert taxonomy.location_weight("bidding", "title") == 10.0
    assert taxonomy.location_weight("science", "title") == taxonomy.scoring.weights.title
    assert [(e.term, e.where, e.weight) for e in result.evidence["bidding"]] == [("招标投标", "title", 10.0)]
