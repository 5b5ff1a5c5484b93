"""Catalogue search keys and the postings that answer a search.

Every title stores ``keywords``: lowercased Latin words (and the ISBN), and for runs
of Chinese characters each character, each bigram and the whole run. Search reads
postings, not titles: one document per keyword a query can look up (``posting_keys``)
listing the newest ``POSTINGS_KEPT`` titles that carry it, each as one ``entry``
string that sorts like ``(created_at, id)``. A query reads the postings of its terms
(a Chinese term: the postings of each of its bigrams; a Latin prefix: every keyword in
the prefix's range), intersects them (``newest_page``) and fetches one page of titles
by id. The embedded database costs a query in proportion to the documents it matches,
whatever the limit, so reading a few postings instead of every matching title is what
keeps search fast. No regular expressions (they walk the whole collection)."""
import datetime as dt
import heapq
import re
import unicodedata

from shared import clock

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
PREFIX_END = "\uffff"
POSTINGS_KEPT = 5000   # a keyword finds the newest 5,000 titles that carry it


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

    def key_range(self) -> tuple[str, str] | None:
        """A Latin term reads every posting key in ``[low, high)``; a Chinese term
        reads exactly ``self.keys`` (None)."""
        return None if self.cjk else (self.run, self.run + PREFIX_END)

    def entries_in(self, postings: dict[str, list[str]]) -> set[str]:
        """The titles this term finds, given the postings read for it (key -> entries):
        a Chinese term those under every one of its keys, a Latin prefix those under
        any key it starts."""
        if self.cjk:
            lists = [postings.get(k, ()) for k in self.keys]
            found = set(lists[0])
            for entries in lists[1:]:
                found.intersection_update(entries)
            return found
        found = set()
        for key, entries in postings.items():
            if key.startswith(self.run):
                found.update(entries)
        return found

    def matches(self, keywords: list[str]) -> bool:
        if self.cjk:
            have = set(keywords)
            return all(k in have for k in self.keys)
        return any(k.startswith(self.run) for k in keywords)


def terms(q: str | None) -> list[Term]:
    return [Term(r) for r in runs(q or "")][:8]


def posting_keys(keywords: list[str]) -> list[str]:
    """The keywords a query term can look up: Latin words and the ISBN (a prefix reads
    a range of them), Chinese characters and bigrams. A longer Chinese run is found by
    its bigrams, so it gets no posting of its own."""
    return [k for k in keywords if not (_IS_CJK.match(k) and len(k) > 2)]


def entry(created_at: dt.datetime, title_id: str) -> str:
    """A title in a posting: ``<created_at in UTC, to the millisecond> <id>``. Entries
    sort as ``(created_at, id)`` do; milliseconds because Mongo keeps no finer."""
    at = clock.as_utc(created_at)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z {title_id}"


def entry_position(value: str) -> tuple[dt.datetime, str]:
    """``(created_at, id)`` of an entry: what a cursor holds."""
    at, title_id = value.split(" ", 1)
    return (dt.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc),
            title_id)


def postings_of(titles: list[dict]) -> dict[str, list[str]]:
    """What titles add to the postings: key -> their entries, newest first."""
    added: dict[str, list[str]] = {}
    for title in titles:
        mark = entry(title["created_at"], title["_id"])
        for key in posting_keys(title["keywords"]):
            added.setdefault(key, []).append(mark)
    for entries in added.values():
        entries.sort(reverse=True)
    return added


def newest_page(found: list[set[str]], limit: int, after: str | None = None
                ) -> tuple[list[str], bool]:
    """One page of a search: the entries every term found (``found``, one set a term),
    newest first, only those older than ``after`` (the cursor's entry), at most
    ``limit``; and whether more follow."""
    if not found:
        return [], False
    smallest, *others = sorted(found, key=len)
    common = set(smallest)
    for entries in others:
        common.intersection_update(entries)
    if after is not None:
        common = {e for e in common if e < after}
    page = heapq.nlargest(limit + 1, common)
    return page[:limit], len(page) > limit
