"""The only module of the residents service that speaks Mongo."""

from pymongo.errors import DuplicateKeyError

from services.residents import accounts
from shared import clock
from shared.auth import hash_password
from shared.config import settings
from shared.errors import Conflict
from shared.mongo import Store, index, new_id, unique
from shared.pagination import newest_first, newest_first_in_memory


# A community's residents a prefix search looks through (a community is thousands).
SEARCH_CANDIDATES = 20_000


def _projected(doc: dict) -> dict:
    """What other services keep of a resident (event-carried state), with its version."""
    return {"birth_date": doc.get("birth_date"), "groups": doc.get("groups") or [],
            "version": doc.get("version", 0)}


class ResidentsStore(Store):
    service = "residents"
    indexes = {
        "residents": [unique("phone"), index("community_id", "role"),
                      index("community_id", "role", "-created_at", "-_id")],
        "communities": [index("name")],
        # Throttling counters, one document a (kind, key) and window, found by _id.
        "throttle_counters": [index("ends_at", expireAfterSeconds=0)],
    }

    @property
    def residents(self):
        return self.db["residents"]

    @property
    def communities(self):
        return self.db["communities"]

    @property
    def counters(self):
        return self.db["throttle_counters"]

    def on_start(self):
        self.ensure_admin(accounts.normalise_phone(settings().admin_phone),
                          settings().admin_password)

    def ensure_admin(self, phone: str, password: str):
        """Create the bootstrap admin if absent; safe when N replicas start together."""
        if self.residents.find_one({"phone": phone}, {"_id": 1}):
            return
        try:
            self.residents.update_one({"phone": phone}, {"$setOnInsert": {
                "_id": new_id(), "phone": phone, "password_hash": hash_password(password),
                "name": "管理员", "birth_date": None, "community_id": None, "building": None,
                "unit": None, "groups": [], "role": "admin", "created_at": clock.now(),
            }}, upsert=True)
        except DuplicateKeyError:
            pass

    # -- communities ---------------------------------------------------------
    def add_community(self, name: str, district: str | None) -> dict:
        doc = {"_id": new_id(), "name": name, "district": district, "created_at": clock.now()}
        self.communities.insert_one(doc)
        return doc

    def community(self, community_id: str) -> dict | None:
        return self.communities.find_one({"_id": community_id})

    def all_communities(self) -> list[dict]:
        return list(self.communities.find().sort("name", 1).limit(1000))

    # -- residents -----------------------------------------------------------
    def add_resident(self, fields: dict) -> dict:
        doc = {"_id": new_id(), "groups": [], "building": None, "unit": None,
               "created_at": clock.now(), "version": 1, **fields}

        def write(tx):
            self.residents.insert_one(doc, session=tx.session)
            tx.emit("residents.resident_registered", {
                "resident_id": doc["_id"], "community_id": doc["community_id"],
                "name": doc["name"], "phone": doc["phone"], "role": doc["role"],
                **_projected(doc)})
            return doc

        try:
            return self.transaction(write)
        except DuplicateKeyError as exc:
            raise Conflict("this phone is already registered", code="phone_taken") from exc

    def resident(self, resident_id: str) -> dict | None:
        return self.residents.find_one({"_id": resident_id})

    def resident_by_phone(self, phone: str) -> dict | None:
        return self.residents.find_one({"phone": phone})

    def residents_by_ids(self, ids: list[str]) -> list[dict]:
        return list(self.residents.find({"_id": {"$in": ids}}))

    def staff_of(self, community_id: str) -> list[dict]:
        return list(self.residents.find({"community_id": community_id, "role": "staff"}))

    def search(self, community_id: str | None, q: str | None, limit: int, cursor: str | None):
        """Residents newest first; ``q`` a prefix of the name or the phone. The prefix is
        matched here among the community's residents (read by its index), not with a
        ``$or`` filter, which the embedded server answers by walking every resident."""
        query: dict = {"role": "resident"}
        if community_id:
            query["community_id"] = community_id
        if not q:
            return newest_first(self.residents, query, limit, cursor)
        shortlist = [doc for doc in self.residents.find(
            query, {"name": 1, "phone": 1, "created_at": 1}).limit(SEARCH_CANDIDATES)
            if doc["name"].startswith(q) or doc["phone"].startswith(q)]
        page, next_cursor = newest_first_in_memory(shortlist, limit, cursor)
        found = {d["_id"]: d for d in self.residents.find({"_id": {"$in": [d["_id"] for d in page]}})}
        return [found[d["_id"]] for d in page if d["_id"] in found], next_cursor

    def change_resident(self, resident_id: str, changes: dict,
                        correction: dict | None = None) -> dict:
        """Apply ``changes``; a birth date ``correction`` is written with them, in one
        update conditional on the birth date it corrects (409 if it changed meanwhile)."""
        def write(tx):
            target, update = {"_id": resident_id}, {"$set": changes, "$inc": {"version": 1}}
            if correction:
                target["birth_date"] = correction["old"]
                update["$push"] = {"birth_date_corrections": correction}
            if not self.residents.update_one(target, update, session=tx.session).matched_count:
                raise Conflict("the birth date was changed meanwhile; reload and retry",
                               code="changed_meanwhile")
            doc = self.residents.find_one({"_id": resident_id}, session=tx.session)
            tx.emit("residents.resident_updated", {
                "resident_id": resident_id, "community_id": doc["community_id"],
                "changes": changes, **_projected(doc)})
            return doc

        return self.transaction(write)

    def set_password_hash(self, resident_id: str, password_hash: str):
        self.residents.update_one({"_id": resident_id}, {"$set": {"password_hash": password_hash}})

    # -- throttling ------------------------------------------------------------
    def take_count(self, key: str, limit: int | None, window) -> bool:
        """Count one attempt on ``key`` unless its window already holds ``limit``
        (``None``: no limit): True when counted. One conditional write (two when the
        window opens), so parallel attempts never pass the limit. A window starts at
        its first attempt and lasts ``window``."""
        now = clock.now()
        live = {"_id": key, "ends_at": {"$gt": now}}
        if limit is not None:
            live["count"] = {"$lt": limit}
        if self.counters.update_one(live, {"$inc": {"count": 1}}).matched_count:
            return True
        try:
            self.counters.update_one({"_id": key, "ends_at": {"$lte": now}},
                                     {"$set": {"count": 1, "ends_at": now + window}},
                                     upsert=True)
            return True
        except DuplicateKeyError:
            # A live window: full, or opened by a parallel attempt a moment ago.
            return bool(self.counters.update_one(live, {"$inc": {"count": 1}}).matched_count)

    def give_back_count(self, keys: list[str]):
        """A successful sign-in takes its own counts back."""
        for key in keys:
            self.counters.update_one({"_id": key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})

    def count_of(self, key: str) -> int:
        doc = self.counters.find_one({"_id": key, "ends_at": {"$gt": clock.now()}}, {"count": 1})
        return doc["count"] if doc else 0
