"""Storage of digital editions and their plays (the library's only other Mongo module,
mixed into ``LibraryStore``).

- ``editions``: one document an edition, found by title.
- ``edition_plays``: one counter an edition (``_id`` the edition's id).
- ``play_throttle``: one document a (client, edition) key, a keyed hash of the address
  (``editions.client_key``), ``until`` the end of its 10 minutes. A play upserts it
  with ``{_id, until <= now}``: while it holds, the filter misses and the insert hits
  the ``_id``, so two plays at once count once. A TTL index forgets the keys."""
import datetime as dt

from pymongo import ASCENDING, IndexModel

from shared.mongo import index, is_duplicate_key

EDITION_INDEXES = {
    "editions": [index("title_id", "created_at")],
    "edition_plays": [],
    "play_throttle": [IndexModel([("until", ASCENDING)], expireAfterSeconds=0)],
    # the titles a branch shelves (its poster, its popular list) are read through the
    # copies' (branch_id, status) index, declared with the copies in storage.py
}


class Throttled(Exception):
    """This client's play of this edition was counted less than 10 minutes ago."""


class EditionsStorage:
    def create_indexes(self):
        super().create_indexes()
        for name, models in EDITION_INDEXES.items():
            if models:
                self.db[name].create_indexes(models)

    @property
    def editions(self):
        return self.db["editions"]

    @property
    def edition_plays(self):
        return self.db["edition_plays"]

    def add_edition(self, doc: dict, event: dict) -> dict:
        def write(tx):
            self.editions.insert_one(doc, session=tx.session)
            tx.emit("library.edition_added", event)
            return doc
        return self.transaction(write)

    def edition(self, edition_id: str) -> dict | None:
        return self.editions.find_one({"_id": edition_id})

    def editions_of(self, title_ids) -> list[dict]:
        return list(self.editions.find({"title_id": {"$in": list(title_ids)}})
                    .sort("created_at", ASCENDING))

    def shelved_title_ids(self, branch_id: str) -> list[str]:
        """The titles a branch holds a copy of."""
        seen = self.copies.find({"branch_id": branch_id}, {"title_id": 1, "_id": 0})
        return sorted({c["title_id"] for c in seen})

    def titles_by_ids(self, title_ids) -> dict[str, dict]:
        return {t["_id"]: t for t in self.titles.find({"_id": {"$in": list(title_ids)}})}

    def plays_of(self, edition_ids) -> dict[str, int]:
        found = self.edition_plays.find({"_id": {"$in": list(edition_ids)}})
        return {doc["_id"]: doc["plays"] for doc in found}

    def count_play(self, edition: dict, key: str, now: dt.datetime,
                   window: dt.timedelta) -> int:
        """Count one play unless this key played the edition within ``window``; the
        edition's play count after it. Throttled otherwise."""
        def write(tx):
            self.db["play_throttle"].update_one(
                {"_id": key, "until": {"$lte": now}}, {"$set": {"until": now + window}},
                upsert=True, session=tx.session)
            self.edition_plays.update_one(
                {"_id": edition["_id"]},
                {"$inc": {"plays": 1}, "$setOnInsert": {"title_id": edition["title_id"]}},
                upsert=True, session=tx.session)
            return self.edition_plays.find_one({"_id": edition["_id"]},
                                               session=tx.session)["plays"]
        try:
            return self.transaction(write)
        except Exception as exc:
            if is_duplicate_key(exc):
                raise Throttled() from exc
            raise
