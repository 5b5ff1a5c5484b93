"""Titles, their search postings, copies and bulk import in Mongo. A title and its
postings are written in one transaction (searchable once the write returns); a unique
index keeps an ISBN, an import key and a copy code to one document, so two imports of
one file at once add it once. A mixin of ``LibraryStore`` (``storage.py``), which owns
the collections and indexes."""
import datetime as dt

from pymongo import UpdateOne
from pymongo.errors import PyMongoError

from services.library import search
from shared import clock
from shared.errors import Conflict
from shared.mongo import is_duplicate_key, new_id
from shared.pagination import decode_cursor, encode_cursor, newest_first


class TitleStore:
    # -- titles -------------------------------------------------------------------
    @staticmethod
    def title_doc(data: dict, now=None) -> dict:
        doc = {"_id": new_id(), "title": data["title"], "author": data["author"],
               "tags": list(data.get("tags") or []), "created_at": now or clock.now(),
               "keywords": search.keywords_for(data["title"], data["author"],
                                               data.get("tags") or [], data.get("isbn")),
               "in_postings": True}
        if data.get("isbn"):
            doc["isbn"] = data["isbn"]
        return doc

    def add_title(self, data: dict) -> dict:
        """The title and its postings in one transaction: searchable once this returns."""
        doc = self.title_doc(data)

        def write(tx):
            self.titles.insert_one(doc, session=tx.session)
            self._post(tx, [doc])
            return doc

        for attempt in range(3):
            try:
                return self.transaction(write)
            except PyMongoError as exc:
                if not is_duplicate_key(exc):
                    raise
                if data.get("isbn") and self.titles.find_one({"isbn": data["isbn"]}, {"_id": 1}):
                    raise Conflict("a title with this ISBN exists", code="isbn_taken") from exc
                if attempt == 2:   # a posting created by another title at the same time
                    raise
        raise AssertionError("unreachable")

    def title(self, title_id: str) -> dict | None:
        return self.titles.find_one({"_id": title_id})

    def search_titles(self, q: str | None, limit: int, cursor: str | None):
        """One page of the titles matching every term of ``q``, newest first: the
        terms' postings are intersected, then only the page's titles are read."""
        terms = search.terms(q)
        if not terms:
            return newest_first(self.titles, {}, limit, cursor)
        position = decode_cursor(cursor)
        after = search.entry(*position) if position else None
        postings = self._postings_for(terms)
        page, more = search.newest_page([term.entries_in(postings) for term in terms],
                                        limit, after)
        ids = [search.entry_position(e)[1] for e in page]
        docs = {d["_id"]: d for d in self.titles.find({"_id": {"$in": ids}})} if ids else {}
        next_cursor = None
        if more:
            created_at, last_id = search.entry_position(page[-1])
            next_cursor = encode_cursor({"created_at": created_at, "_id": last_id})
        return [docs[i] for i in ids if i in docs], next_cursor

    def _postings_for(self, terms: list) -> dict[str, list[str]]:
        """key -> entries for every key the terms look up: the Chinese terms' keys in
        one ``_id`` lookup, each Latin prefix as a range on the indexed ``key``."""
        postings: dict[str, list[str]] = {}
        exact = sorted({k for t in terms if t.key_range() is None for k in t.keys})
        if exact:
            for doc in self.postings.find({"_id": {"$in": exact}}, {"entries": 1}):
                postings[doc["_id"]] = doc["entries"]
        for low, high in sorted({t.key_range() for t in terms} - {None}):
            for doc in self.postings.find({"key": {"$gte": low, "$lt": high}}, {"entries": 1}):
                postings[doc["_id"]] = doc["entries"]
        return postings

    def _post(self, tx, titles: list[dict]):
        """Add titles to the postings of their keywords (inside the titles' own
        transaction), one upsert a keyword; each posting keeps its newest entries."""
        ops = [UpdateOne({"_id": key}, {"$setOnInsert": {"key": key}, "$push": {"entries": {
            "$each": entries, "$sort": -1, "$slice": search.POSTINGS_KEPT}}}, upsert=True)
            for key, entries in sorted(search.postings_of(titles).items())]
        for start in range(0, len(ops), 1000):
            self.postings.bulk_write(ops[start:start + 1000], ordered=True, session=tx.session)

    def post_unposted_titles(self, batch: int = 2000) -> int:
        """Titles written before postings existed (or by an older replica during a
        rolling update) get their postings, once, oldest first: each batch (a range of
        ``created_at``) is claimed by setting ``in_postings`` in the same transaction
        that posts it, so replicas doing this at the same time never post a title twice.
        The claim filters on the indexed range, not on a list of ids (``_id: {$in}``
        over thousands of ids costs seconds here). Answers how many it posted."""
        posted, contended = 0, 0
        while contended < 20:
            def claim_and_post(tx):
                first = list(self.titles.find({"in_postings": None}, {"created_at": 1},
                                              session=tx.session)
                             .sort("created_at", 1).limit(batch))
                if not first:
                    return 0
                claim = {"in_postings": None, "created_at": {
                    "$gte": first[0]["created_at"], "$lte": first[-1]["created_at"]}}
                found = list(self.titles.find(claim, {"created_at": 1, "keywords": 1},
                                              session=tx.session))
                claimed = self.titles.update_many(claim, {"$set": {"in_postings": True}},
                                                  session=tx.session)
                if claimed.modified_count != len(found):
                    raise Conflict("another replica is posting these titles",
                                   code="postings_busy")
                self._post(tx, found)
                return len(found)

            try:
                done = self.transaction(claim_and_post)
            except Conflict:
                done = None
            except PyMongoError as exc:
                if not is_duplicate_key(exc):
                    raise
                done = None
            if done is None:
                contended += 1   # another replica took part of the batch: look again
                continue
            if not done:
                break
            posted += done
        return posted

    # -- copies -------------------------------------------------------------------
    def copies_of(self, title_ids: list[str]) -> list[dict]:
        return list(self.copies.find({"title_id": {"$in": list(title_ids)}},
                                     {"title_id": 1, "branch_id": 1, "status": 1}))

    def copy_by_code(self, code: str) -> dict | None:
        return self.copies.find_one({"code": code})

    def add_copy(self, title: dict, code: str, branch_id: str) -> dict:
        doc = {"_id": new_id(), "code": code, "title_id": title["_id"], "branch_id": branch_id,
               "status": "available", "created_at": clock.now()}

        def write(tx):
            self.copies.insert_one(doc, session=tx.session)
            status = self._release_copy(tx, doc, title, clock.now())
            doc["status"] = status
            return doc

        return self.transaction_unique(write, Conflict("a copy with this code exists",
                                                       code="code_taken"))

    # -- bulk import ---------------------------------------------------------------------
    def import_rows(self, rows: list[dict]) -> dict:
        """Titles and their copies in one transaction. A title is found again by its ISBN,
        or without one by its ``import_key`` (``search.work_key``: title and author,
        unique among imported titles); copy codes ``<prefix>-<n>`` already present are
        left alone. So a re-import adds nothing, and two imports of one file at once add
        it once (the loser's transaction meets the unique indexes and runs again)."""
        now = clock.now()

        def write(tx):
            new_titles, copies = self._import_plan(tx, rows, now)
            self._insert_all(tx, self.titles, new_titles)
            self._post(tx, new_titles)
            self._insert_all(tx, self.copies, copies)
            return {"titles": len(new_titles), "copies": len(copies)}

        return self.transaction_unique(write, Conflict(
            "another import of the same titles ran at the same time; try again",
            code="import_conflict"), attempts=3)

    def _import_plan(self, tx, rows: list[dict], now: dt.datetime) -> tuple[list[dict], list[dict]]:
        isbns = [r["isbn"] for r in rows if r.get("isbn")]
        keys = [search.work_key(r["title"], r["author"]) for r in rows if not r.get("isbn")]
        by_isbn = self._titles_where(tx, "isbn", isbns)
        by_key = self._titles_where(tx, "import_key", keys)
        new_titles, copies = [], []
        for n, row in enumerate(rows):
            if row.get("isbn"):
                known, key = by_isbn, row["isbn"]
            else:
                known, key = by_key, search.work_key(row["title"], row["author"])
            title = known.get(key)
            if title is None:
                title = self.title_doc(row, now - dt.timedelta(microseconds=len(rows) - n))
                if not row.get("isbn"):
                    title["import_key"] = key
                new_titles.append(title)
                known[key] = title
            prefix = row.get("copies_code_prefix")
            for i in range(1, (row.get("copies") or 0) + 1):
                if prefix and row.get("branch_id"):
                    copies.append({"_id": new_id(), "code": f"{prefix}-{i:03d}",
                                   "title_id": title["_id"], "branch_id": row["branch_id"],
                                   "status": "available", "created_at": now})
        present = set()
        codes = list(dict.fromkeys(c["code"] for c in copies))
        for start in range(0, len(codes), 1000):
            present.update(c["code"] for c in self.copies.find(
                {"code": {"$in": codes[start:start + 1000]}}, {"code": 1}, session=tx.session))
        fresh = []
        for copy in copies:
            if copy["code"] not in present:
                present.add(copy["code"])
                fresh.append(copy)
        return new_titles, fresh

    def _titles_where(self, tx, field: str, values: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        values = list(dict.fromkeys(values))
        for start in range(0, len(values), 1000):
            for title in self.titles.find({field: {"$in": values[start:start + 1000]}},
                                          {field: 1}, session=tx.session):
                found[title[field]] = title
        return found

    @staticmethod
    def _insert_all(tx, collection, docs: list[dict]):
        for start in range(0, len(docs), 1000):
            collection.insert_many(docs[start:start + 1000], session=tx.session)
