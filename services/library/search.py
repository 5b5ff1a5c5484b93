"""Catalogue search keys.

Every title stores ``keywords``: lowercased Latin words (and the ISBN), and for runs
of Chinese characters each character, each bigram and the whole run. A multikey index
on ``keywords`` serves the search: the most selective query term is looked up in the
index (equality, or a range for a Latin prefix), the other terms are checked on the
few candidates. No regular expressions (they walk the whole collection)."""
import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
PREFIX_END = "\uffff"


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def runs(text: str) -> list[str]:
    return _RUN.findall(_normal(text))


def run_keys(run: str) -> set[str]:
    if not _IS_CJK.match(run):
        return {run}
    keys = {run}
    keys.update(run)
    keys.update(run[i:i + 2] for i in range(len(run) - 1))
    return keys


def keywords_for(title: str, author: str, tags: list[str], isbn: str | None = None) -> list[str]:
    keys: set[str] = set()
    for text in [title, author, *tags]:
        for run in runs(text):
            keys |= run_keys(run)
    if isbn:
        keys.add(re.sub(r"[^0-9x]", "", isbn.lower()))
    keys.discard("")
    return sorted(keys)


def work_key(title: str, author: str) -> str:
    """What names a title without an ISBN in an import: title and author, normalised
    (NFKC, lower case, runs of spaces as one), so a re-import finds it again."""
    return " ".join(_normal(title).split()) + "\x1f" + " ".join(_normal(author).split())


class Term:
    """One query term: a Chinese run must contain all its bigrams (or its one
    character); a Latin word matches any keyword it is a prefix of."""

    def __init__(self, run: str):
        self.run = run
        self.cjk = bool(_IS_CJK.match(run))
        if self.cjk:
            self.keys = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        else:
            self.keys = [run]

    def index_filter(self) -> dict:
        """The one condition on ``keywords`` that the index answers."""
        if self.cjk:
            return {"keywords": max(self.keys, key=len)}
        return {"keywords": {"$gte": self.run, "$lt": self.run + PREFIX_END}}

    def matches(self, keywords: list[str]) -> bool:
        if self.cjk:
            have = set(keywords)
            return all(k in have for k in self.keys)
        return any(k.startswith(self.run) for k in keywords)

    def selectivity(self) -> int:
        # Longer Latin prefixes and Chinese bigrams narrow more than single characters.
        return len(self.run) * (3 if self.cjk else 1)


def terms(q: str | None) -> list[Term]:
    return [Term(r) for r in runs(q or "")][:8]


def primary(terms_: list[Term]) -> Term:
    return max(terms_, key=lambda t: t.selectivity())
