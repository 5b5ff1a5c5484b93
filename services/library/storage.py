"""The library's Mongo store: its collections and indexes, branches, readers'
counters, start-up migrations, and what every write shares. The writes live in mixins
by concern, each a storage module (the only modules of the service that speak Mongo):
``titlestore`` (titles, search postings, copies, import), ``loanstore`` (checkout,
return, renewal, the overdue and due-soon sweeps), ``holdstore`` (the hold queue).
The rules they follow are in ``circulation`` and ``holds``."""
from pymongo.errors import OperationFailure, PyMongoError

from services.library.editions_storage import EditionsStorage
from services.library.holdstore import HoldStore
from services.library.loanstore import LoanStore
from services.library.titlestore import TitleStore
from shared import clock
from shared.errors import Conflict
from shared.mongo import Store, index, is_duplicate_key, new_id, unique

ACTIVE_HOLD = {"active": True}


class LibraryStore(EditionsStorage, TitleStore, LoanStore, HoldStore, Store):
    service = "library"
    indexes = {
        "branches": [index("community_id"), index("name")],
        "titles": [unique("isbn", sparse=True), unique("import_key", sparse=True),
                   index("-created_at"), index("in_postings", "created_at")],
        # one document a keyword: {_id: keyword, key: keyword, entries: [...]}; ``key``
        # is indexed because a range on ``_id`` walks the collection here
        "postings": [index("key")],
        "copies": [unique("code"), index("title_id", "status"), index("loan_id", sparse=True),
                   index("branch_id", "status")],
        "loans": [index("resident_id", "-created_at"), index("open_due", sparse=True),
                  index("due_soon_on", sparse=True), index("resident_id", "title_id"),
                  index("community_id", "open_due"), index("community_id", "due_soon_on"),
                  index("community_id", "status", "due_date")],
        "holds": [unique("title_id", "resident_id", partialFilterExpression=ACTIVE_HOLD),
                  index("title_id", "status", "created_at"), index("resident_id", "-created_at"),
                  index("ready_expires_at", sparse=True),
                  index("community_id", "ready_expires_at")],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._branches: dict[str, dict] = {}  # branches never change once made

    @property
    def branches(self):
        return self.db["branches"]

    @property
    def titles(self):
        return self.db["titles"]

    @property
    def postings(self):
        return self.db["postings"]

    @property
    def copies(self):
        return self.db["copies"]

    @property
    def loans(self):
        return self.db["loans"]

    @property
    def holds(self):
        return self.db["holds"]

    @property
    def patrons(self):
        return self.db["patrons"]

    # -- branches ---------------------------------------------------------------
    def add_branch(self, fields: dict) -> dict:
        doc = {"_id": new_id(), "created_at": clock.now(), **fields}
        self.branches.insert_one(doc)
        return doc

    def branch(self, branch_id: str) -> dict | None:
        return self.branches.find_one({"_id": branch_id})

    def list_branches(self, community_id: str | None) -> list[dict]:
        query = {"community_id": community_id} if community_id else {}
        return list(self.branches.find(query).sort("name", 1).limit(1000))

    def branches_by_ids(self, ids) -> dict[str, dict]:
        """Branches by id. A branch never changes once made, so each process keeps the
        ones it has read (every catalogue search names the branches of its copies)."""
        ids = set(ids)
        missing = [i for i in ids if i not in self._branches]
        if missing:
            for branch in self.branches.find({"_id": {"$in": missing}}):
                self._branches[branch["_id"]] = branch
        return {i: self._branches[i] for i in ids if i in self._branches}

    def branch_by_name(self, name: str, community_id: str | None = None) -> dict | None:
        query = {"name": name}
        if community_id:
            query["community_id"] = community_id
        return self.branches.find_one(query)

    # -- readers' counters (active_loans, overdue, active_holds) -----------------------
    def ensure_patron(self, resident_id: str):
        try:
            self.patrons.update_one({"_id": resident_id}, {"$setOnInsert": {
                "active_loans": 0, "overdue": 0, "active_holds": 0, "created_at": clock.now()}},
                upsert=True)
        except PyMongoError as exc:
            if not is_duplicate_key(exc):
                raise   # else two first checkouts at once: the other made it

    def on_start(self):
        self.count_active_holds()
        self.drop_keywords_index()
        self.post_unposted_titles()

    def drop_keywords_index(self):
        """Search used a multikey index on ``titles.keywords``; postings replaced it.
        Nothing reads it now, and every title write paid for it (setting one field on
        10,000 titles took 33 s with it, 2 s without), so it goes."""
        if "keywords_1" in self.titles.index_information():
            try:
                self.titles.drop_index("keywords_1")
            except OperationFailure:
                pass   # another replica dropped it first

    def count_active_holds(self):
        """Readers from before the hold limit get their ``active_holds`` counter once,
        from their active holds (idempotent: only where the counter is missing)."""
        done = self.db["migrations"]
        if done.find_one({"_id": "patrons.active_holds"}):
            return
        counts: dict[str, int] = {}
        for hold in self.holds.find({"active": True}, {"resident_id": 1}):
            counts[hold["resident_id"]] = counts.get(hold["resident_id"], 0) + 1
        for resident_id, n in counts.items():
            try:
                self.patrons.update_one(
                    {"_id": resident_id, "active_holds": {"$exists": False}},
                    {"$set": {"active_holds": n},
                     "$setOnInsert": {"active_loans": 0, "overdue": 0, "created_at": clock.now()}},
                    upsert=True)
            except PyMongoError as exc:
                if not is_duplicate_key(exc):
                    raise   # else the counter exists already
        self.patrons.update_many({"active_holds": {"$exists": False}}, {"$set": {"active_holds": 0}})
        done.update_one({"_id": "patrons.active_holds"}, {"$set": {"at": clock.now()}}, upsert=True)

    # -- what every write shares ------------------------------------------------------
    def transaction_unique(self, write, taken: Conflict, attempts: int = 1):
        """``write`` in one transaction; when a unique index refuses it, ``taken`` (after
        ``attempts`` tries: a key another writer added at the same moment is found by
        the next try)."""
        for attempt in range(attempts):
            try:
                return self.transaction(write)
            except PyMongoError as exc:
                if not is_duplicate_key(exc):
                    raise
                if attempt == attempts - 1:
                    raise taken from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _in_community(query: dict, community_id: str | None) -> dict:
        return {"community_id": community_id, **query} if community_id else query

    # -- the lending desk's lists ------------------------------------------------------
    def copies_in_transit_at(self, branch_ids, limit: int) -> list[dict]:
        """Copies standing at these branches that must travel to a hold's pickup branch."""
        return list(self.copies.find({"branch_id": {"$in": list(branch_ids)},
                                      "status": "in_transit"}).limit(limit))

    def holds_by_ids(self, ids) -> dict[str, dict]:
        return {h["_id"]: h for h in self.holds.find({"_id": {"$in": list(ids)}})}

    def overdue_loans_in(self, community_id: str, limit: int) -> list[dict]:
        """The community's overdue loans, longest overdue first."""
        return list(self.loans.find({"community_id": community_id, "status": "overdue"})
                    .sort("due_date", 1).limit(limit))
