from pathlib import Path

import pytest

from gazette.domain.registry import RegistryError, load_registry

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_registries_are_valid():
    assert len(load_registry(ROOT / "infra" / "feeds.yaml")) >= 3
    local = load_registry(ROOT / "events" / "feeds" / "registry.json", base_url="http://127.0.0.1:9")
    assert local[0].url.startswith("http://127.0.0.1:9/")


@pytest.mark.parametrize(("content", "message"), [
    ("- {feed_id: ok, url: 'ftp://x.org/f', name: n}", "url"),
    ("- {feed_id: ok, url: 'https://x.org/f', name: n, min_interval: 5}", "min_interval"),
    ("- {feed_id: ok, url: 'https://x.org/f', name: n, colour: red}", "colour"),
    ("- {feed_id: a, url: 'https://x.org/f', name: n}\n- {feed_id: a, url: 'https://x.org/g', name: m}", "twice"),
    ("feeds: 3", "list of feeds"),
    ("[unclosed", "not valid YAML"),
])
def test_registry_with_a_bad_entry_names_the_problem(tmp_path, content, message):
    path = tmp_path / "feeds.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        load_registry(path)
