"""The only module of the directory service that speaks Mongo.

A place carries ``verified_at`` and, until the stale sweep has flagged it,
``stale_from`` (verified_at + 180 days), indexed so the sweep finds what is due by one
range. Each change and its event are one transaction; the sweep claims each place by
``{_id, stale_from}``, so N replicas flag it once and a verification in between wins."""
import datetime as dt

from shared import clock
from shared.mongo import Store, index

MAX_PLACES = 2000  # one community's directory: read whole, then searched in memory


class DirectoryStore(Store):
    service = "directory"
    indexes = {
        "places": [index("community_id", "-created_at", "-_id"),
                   index("community_id", "category", "-created_at", "-_id"),
                   index("stale_from", sparse=True),
                   index("community_id", "stale_from", sparse=True)],
    }

    @property
    def places(self):
        return self.db["places"]

    def add_place(self, doc: dict, event: dict) -> dict:
        def write(tx):
            self.places.insert_one(doc, session=tx.session)
            tx.emit("directory.place_added", event)
            return doc
        return self.transaction(write)

    def place(self, place_id: str) -> dict | None:
        return self.places.find_one({"_id": place_id})

    def community_places(self, community_id: str, category: str | None) -> list[dict]:
        query = {"community_id": community_id}
        if category:
            query["category"] = category
        return list(self.places.find(query).sort([("created_at", -1), ("_id", -1)])
                    .limit(MAX_PLACES))

    def change_place(self, place_id: str, changes: dict, event: dict) -> dict | None:
        def write(tx):
            done = self.places.update_one(
                {"_id": place_id}, {"$set": {**changes, "updated_at": clock.now()}},
                session=tx.session)
            if done.matched_count == 0:
                return None
            tx.emit("directory.place_updated", event)
            return self.places.find_one({"_id": place_id}, session=tx.session)
        return self.transaction(write)

    def verify(self, place_id: str, at: dt.datetime, stale_from: dt.datetime,
               verified_by: str, event: dict) -> dict | None:
        def write(tx):
            done = self.places.update_one(
                {"_id": place_id},
                {"$set": {"verified_at": at, "verified_by": verified_by,
                          "stale_from": stale_from},
                 "$unset": {"stale_flagged_at": ""}}, session=tx.session)
            if done.matched_count == 0:
                return None
            tx.emit("directory.place_verified", event)
            return self.places.find_one({"_id": place_id}, session=tx.session)
        return self.transaction(write)

    # -- the stale sweep ------------------------------------------------------------
    def due_stale(self, as_of: dt.datetime, community_id: str | None, limit: int) -> list[dict]:
        query = {"stale_from": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.places.find(query).limit(limit))

    def flag_stale(self, place: dict, as_of: dt.datetime, event: dict) -> bool:
        """Flag one place stale once: the claim matches only while its ``stale_from``
        is the one the sweep read (a verification meanwhile moved it on)."""
        def write(tx):
            claimed = self.places.update_one(
                {"_id": place["_id"], "stale_from": place["stale_from"]},
                {"$unset": {"stale_from": ""}, "$set": {"stale_flagged_at": as_of}},
                session=tx.session)
            if claimed.matched_count == 0:
                return False
            tx.emit("directory.place_went_stale", event)
            return True
        return self.transaction(write)
