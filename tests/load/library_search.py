"""Where catalogue search spends its time, without the broker or the gateway: the
library service's own work for ``search_titles`` (storage query, then availability per
branch) against a database seeded with the bench's 10,000 titles.

    .venv/bin/secantusd-py --host 127.0.0.1 --port 27555 --storage-path var/lib-search --standalone &
    MONGO_URI='mongodb://127.0.0.1:27555/?directConnection=true&retryWrites=false' \\
        .venv/bin/python -m tests.load.library_search --seconds 10

Prints calls/s of the whole service-side search and of the storage query alone, per
query and overall (one thread, sequential calls). Seeds once: a database that already
holds the titles is reused (and, as at service start, titles without postings get them).
"""
import argparse
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.library.storage import LibraryStore  # noqa: E402
from tests.load.library import QUERIES, SEARCH_TITLES, _search_rows  # noqa: E402


def seed(store: LibraryStore) -> None:
    if store.titles.count_documents({}) >= SEARCH_TITLES:
        return
    branch = store.add_branch({"name": "邻里图书馆", "community_id": "c-search",
                               "kind": "library", "loan_period_days": 30, "address": None})
    rows = _search_rows(branch["_id"], SEARCH_TITLES)
    for start in range(0, len(rows), 2000):
        store.import_rows(rows[start:start + 2000])


def rate(action, seconds: float) -> float:
    calls, stop_at = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < stop_at:
        action()
        calls += 1
    return calls / (time.perf_counter() - started)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10, help="per measurement")
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args(argv)

    from services.library.service import LibraryService
    store = LibraryStore()
    store.create_indexes()
    store.on_start()
    seed(store)
    service = types.SimpleNamespace(store=store)

    def whole(q):
        docs, _ = store.search_titles(q, args.limit, None)
        return LibraryService._titles(service, docs, None)

    per_query = max(args.seconds / len(QUERIES), 0.5)
    print(f"{store.titles.count_documents({})} titles; {per_query:.1f} s a query")
    for q in QUERIES:
        found = len(whole(q))
        print(f"  {q!r:14} {found:3d} hits  search {rate(lambda: whole(q), per_query):7.1f}/s"
              f"  storage query {rate(lambda: store.search_titles(q, args.limit, None), per_query):7.1f}/s")
    cycle = iter(())

    def next_search():
        nonlocal cycle
        try:
            q = next(cycle)
        except StopIteration:
            cycle = iter(QUERIES)
            q = next(cycle)
        whole(q)

    print(f"all queries in turn: {rate(next_search, args.seconds):.1f} searches/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
