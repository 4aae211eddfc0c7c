"""Write ``gazette/domain/t2s_keys.py``: the keys of OpenCC's t2s tables that change a text, and
what matching without converting the text needs.

OpenCC's t2s output is the input cut into pieces, each piece a key of its tables (the
normalisation table, then the phrase and character tables) replaced by its first value, or a
character no key starts with, kept.  A text holding no key whose first value differs from the key
is therefore returned unchanged.  The module lists the single characters that change and the
longer keys that change without holding one of those characters; then, for matching terms in a
text without converting it (``gazette.domain.script``): what each changed character becomes
standing alone, the characters of the longer keys (a piece boundary falls at every other
character), and those whose conversion inside a longer key differs from their conversion alone.
The tables are read from the installed ``opencc`` package with its own ``opencc_dict`` tool.

    .venv/bin/python tests/data/record_t2s_keys.py    # after upgrading opencc

``tests/unit/test_script.py`` checks the module against the installed tables.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

MODULE = Path(__file__).resolve().parents[2] / "functions" / "gazette" / "domain" / "t2s_keys.py"


def _dictionary_files() -> list[tuple[Path, bool]]:
    """The t2s tables in the order OpenCC applies them, each with whether it normalises."""
    import opencc

    clib = Path(opencc.__file__).parent / "clib"
    share = clib / "share" / "opencc"
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    files: list[tuple[Path, bool]] = []

    def walk(entry: dict, normalises: bool) -> None:
        if entry.get("type") == "group":
            for inner in entry["dicts"]:
                walk(inner, normalises)
        else:
            files.append((share / entry["file"], normalises))

    for step in config.get("normalization", []):
        walk(step["dict"], True)
    for step in config["conversion_chain"]:
        walk(step["dict"], False)
    return files


def _table_entries() -> list[tuple[str, str, bool]]:
    """Every (key, first value, from a normalisation table) of the installed t2s tables."""
    import opencc

    clib = Path(opencc.__file__).parent / "clib"
    tool = clib / "bin" / "opencc_dict"
    env = dict(os.environ, LD_LIBRARY_PATH=str(clib / "lib64"))
    entries: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory() as directory:
        for file, normalises in _dictionary_files():
            output = Path(directory) / (file.stem + ".txt")
            subprocess.run(
                [str(tool), "-i", str(file), "-o", str(output), "-f", "ocd2", "-t", "text"],
                env=env,
                check=True,
                capture_output=True,
            )
            for line in output.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if key:
                    entries.append((key, values.split(" ")[0], normalises))
    return entries


def changed_keys() -> tuple[str, tuple[str, ...]]:
    """The sorted characters the installed t2s tables change, and the sorted longer keys they
    change that hold none of those characters."""
    characters: set[str] = set()
    phrases: set[str] = set()
    for key, value, _ in _table_entries():
        if value != key:
            (characters if len(key) == 1 else phrases).add(key)
    kept = sorted(phrase for phrase in phrases if characters.isdisjoint(phrase))
    return "".join(sorted(characters)), tuple(kept)


def folding_tables() -> tuple[str, str, str]:
    """What matching without converting the text needs:

    * ALONE: the t2s conversion of each of the CHANGED_CHARACTERS standing alone, in order;
    * PHRASE_CHARACTERS: every character of a key longer than one character, and every
      character a normalisation table maps to one of them;
    * CONTEXT_CHARACTERS: those whose conversion inside such a key differs from their conversion
      standing alone (every character of a key whose value has another length), and the
      characters a normalisation table maps to one of them."""
    import opencc

    characters, _ = changed_keys()
    alone = opencc.OpenCC("t2s").convert("\n".join(characters)).split("\n")
    if [len(char) for char in alone] != [1] * len(characters):
        raise SystemExit("t2s changes the length of a character standing alone")
    conversion = dict(zip(characters, alone, strict=True))
    entries = _table_entries()
    phrase: set[str] = set()
    context: set[str] = set()
    for key, value, _ in entries:
        if len(key) == 1:
            continue
        phrase.update(key)
        if len(value) != len(key):
            context.update(key)
        else:
            context.update(char for char, out in zip(key, value, strict=True) if conversion.get(char, char) != out)
    normalising = [(key, value) for key, value, normalises in entries if normalises and len(key) == 1]
    phrase.update(key for key, value in normalising if value in phrase)
    context.update(key for key, value in normalising if value in context)
    return "".join(alone), "".join(sorted(phrase)), "".join(sorted(context))


def module_text(characters: str, phrases: tuple[str, ...], alone: str, phrase: str, context: str) -> str:
    import opencc

    version = getattr(opencc, "__version__", "unknown")
    return (
        '"""The keys of OpenCC\'s t2s tables that change a text (opencc '
        + version
        + ").\n\nGenerated by tests/data/record_t2s_keys.py: a text holding none of the "
        "CHANGED_CHARACTERS\nand none of the CHANGED_PHRASES is unchanged by t2s.  ALONE[i] is "
        "CHANGED_CHARACTERS[i]\nconverted standing alone; PHRASE_CHARACTERS are the characters of "
        "the longer keys (OpenCC\ncuts a text into pieces at every other character); "
        "CONTEXT_CHARACTERS those whose conversion\ninside a longer key differs from ALONE.\n"
        '"""\n\n'
        "# fmt: off\n"
        + "".join(
            _assignment(name, value)
            for name, value in (
                ("CHANGED_CHARACTERS", characters),
                ("CHANGED_PHRASES", phrases),
                ("ALONE", alone),
                ("PHRASE_CHARACTERS", phrase),
                ("CONTEXT_CHARACTERS", context),
            )
        )
    )


def _assignment(name: str, value: object) -> str:
    line = f"{name} = {value!r}"
    return line + ("  # noqa: E501\n" if len(line) > 120 else "\n")


def main() -> None:
    MODULE.write_text(module_text(*changed_keys(), *folding_tables()), encoding="utf-8")


if __name__ == "__main__":
    main()
