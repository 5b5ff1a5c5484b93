"""docs/architecture.md's "Where does rule X live" names files and functions: each must
exist, so the table cannot point a newcomer at a rule that moved or was deleted."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cells():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Where does rule X live", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| rule") and "---" not in line:
            yield from line.strip("|").split("|")[1:]


def _references():
    """(file, name) pairs: a cell names a file, then the names after it live there; a
    bare ``file.py`` is a sibling of the last full path named above it."""
    folder = None
    for cell in _cells():
        current = None
        # what stands in parentheses explains (a collection, a field), it names no code
        for token in re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cell)):
            word = token.split(" ")[0].split("(")[0]
            if word.endswith(".py"):
                if "/" in word:
                    folder = Path(word).parent
                    current = ROOT / word
                elif folder is not None:
                    current = ROOT / folder / word
                continue
            if current is not None and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", word):
                yield current, word.split(".")[-1]


def test_every_file_and_function_the_rule_table_names_exists():
    missing = []
    references = list(_references())
    assert len(references) > 80  # the table was read (a format change would read nothing)
    for path, name in references:
        source = path.read_text(encoding="utf-8") if path.exists() else ""
        if not re.search(rf"(def|class) {name}\b|^{name}\b\s*[:=]|\b{name} = ", source, re.M):
            missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, missing
