"""Set up a real collection from a CSV file:

    python -m services.library.importer titles.csv [--community-id ID] [--dry-run]

Columns: ``isbn,title,author,tags,copies_code_prefix,branch_name,copies``. Tags are
separated by ``;``, ``|`` or ``、``. Each row adds the title (or finds it again by ISBN,
or without one by title and author as an earlier import wrote them) and
``copies`` copies coded ``<copies_code_prefix>-001``, ``-002`` ... at the branch
named ``branch_name`` (which must exist; ``--community-id`` picks among branches of
the same name). Copy codes already present are skipped, so importing a file twice
adds nothing; titles and copies are written in one transaction. Writes straight to the
library's database (``MONGO_URI``)."""
import argparse
import csv
import re
import sys

from services.library import schemas
from shared.schemas import load
from shared.errors import Invalid

COLUMNS = ["isbn", "title", "author", "tags", "copies_code_prefix", "branch_name", "copies"]
_TAG_SPLIT = re.compile(r"[;|、；]")


def parse(lines, branch_id_of) -> tuple[list[dict], list[str]]:
    """Rows ready for ``LibraryStore.import_rows`` and the problems, by line number."""
    reader = csv.DictReader(lines)
    missing = [c for c in ("title", "author") if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"header: missing columns {missing}"]
    rows, problems = [], []
    for number, raw in enumerate(reader, start=2):
        raw = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        unknown = set(raw) - set(COLUMNS)
        if unknown:
            problems.append(f"line {number}: unknown columns {sorted(unknown)}")
            continue
        row = {"isbn": raw.get("isbn") or None, "title": raw.get("title", ""),
               "author": raw.get("author", ""),
               "tags": [t.strip() for t in _TAG_SPLIT.split(raw.get("tags", "")) if t.strip()],
               "copies_code_prefix": raw.get("copies_code_prefix") or None,
               "copies": raw.get("copies") or "0", "branch_id": None}
        if raw.get("branch_name"):
            row["branch_id"] = branch_id_of(raw["branch_name"])
            if row["branch_id"] is None:
                problems.append(f"line {number}: no branch named {raw['branch_name']!r}")
                continue
        try:
            data = load(schemas.ImportRow, row)
        except Invalid as exc:
            problems.append(f"line {number}: {exc.details}")
            continue
        if data["copies"] and not (data["copies_code_prefix"] and data["branch_id"]):
            problems.append(f"line {number}: copies need copies_code_prefix and branch_name")
            continue
        rows.append(data)
    return rows, problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv_file")
    parser.add_argument("--community-id", default=None)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    from services.library.storage import LibraryStore
    store = LibraryStore()
    store.create_indexes()
    cache: dict[str, str | None] = {}

    def branch_id_of(name):
        if name not in cache:
            branch = store.branch_by_name(name, args.community_id)
            cache[name] = branch["_id"] if branch else None
        return cache[name]

    with open(args.csv_file, encoding="utf-8-sig", newline="") as handle:
        rows, problems = parse(handle, branch_id_of)
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.dry_run:
        print(f"{len(rows)} rows would be imported, {len(problems)} refused")
        return 1 if problems else 0
    result = store.import_rows(rows) if rows else {"titles": 0, "copies": 0}
    print(f"imported {result['titles']} titles and {result['copies']} copies; "
          f"{len(problems)} rows refused")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
