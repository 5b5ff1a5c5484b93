"""The only module of the library service that speaks Mongo.

Every limit is one conditional ``update_one`` inside a transaction: a copy leaves
``available`` (or ``hold_ready`` for this reader) once, a reader's ``patrons`` counter
only grows while ``active_loans < 5`` and ``overdue == 0``. Dates (``due_date``) are
stored as ``YYYY-MM-DD`` strings in the community's calendar."""
import datetime as dt

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from services.library import circulation, search
from services.library.editions_storage import EditionsStorage
from shared import clock
from shared.errors import Conflict
from shared.mongo import Store, index, new_id, unique
from shared.pagination import decode_cursor, encode_cursor, newest_first

ACTIVE_HOLD = {"active": True}


def day(value: dt.date) -> str:
    return value.isoformat()


class LibraryStore(EditionsStorage, Store):
    service = "library"
    indexes = {
        "branches": [index("community_id"), index("name")],
        "titles": [unique("isbn", sparse=True), unique("import_key", sparse=True),
                   index("-created_at"), index("in_postings", "created_at")],
        # one document a keyword: {_id: keyword, key: keyword, entries: [...]}; ``key``
        # is indexed because a range on ``_id`` walks the collection here
        "postings": [index("key")],
        "copies": [unique("code"), index("title_id", "status"), index("loan_id", sparse=True)],
        "loans": [index("resident_id", "-created_at"), index("open_due", sparse=True),
                  index("due_soon_on", sparse=True), index("resident_id", "title_id"),
                  index("community_id", "open_due"), index("community_id", "due_soon_on")],
        "holds": [unique("title_id", "resident_id", partialFilterExpression=ACTIVE_HOLD),
                  index("title_id", "status", "created_at"), index("resident_id", "-created_at"),
                  index("ready_expires_at", sparse=True),
                  index("community_id", "ready_expires_at")],
    }

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
        return {b["_id"]: b for b in self.branches.find({"_id": {"$in": list(ids)}})}

    def branch_by_name(self, name: str, community_id: str | None = None) -> dict | None:
        query = {"name": name}
        if community_id:
            query["community_id"] = community_id
        return self.branches.find_one(query)

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
            except (DuplicateKeyError, BulkWriteError) as exc:
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
            except (Conflict, DuplicateKeyError, BulkWriteError):
                contended += 1   # another replica took part of the batch: look again
                continue
            if not done:
                break
            posted += done
        return posted

    def copies_of(self, title_ids: list[str]) -> list[dict]:
        return list(self.copies.find({"title_id": {"$in": list(title_ids)}},
                                     {"title_id": 1, "branch_id": 1, "status": 1}))

    # -- copies -------------------------------------------------------------------
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

        try:
            return self.transaction(write)
        except DuplicateKeyError as exc:
            raise Conflict("a copy with this code exists", code="code_taken") from exc

    # -- patrons ------------------------------------------------------------------
    def patron(self, resident_id: str) -> dict:
        return self.patrons.find_one({"_id": resident_id}) or {
            "_id": resident_id, "active_loans": 0, "overdue": 0}

    def ensure_patron(self, resident_id: str):
        try:
            self.patrons.update_one({"_id": resident_id}, {"$setOnInsert": {
                "active_loans": 0, "overdue": 0, "active_holds": 0, "created_at": clock.now()}},
                upsert=True)
        except DuplicateKeyError:
            pass

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
            except DuplicateKeyError:
                pass   # the counter exists already
        self.patrons.update_many({"active_holds": {"$exists": False}}, {"$set": {"active_holds": 0}})
        done.update_one({"_id": "patrons.active_holds"}, {"$set": {"at": clock.now()}}, upsert=True)

    # -- loans --------------------------------------------------------------------
    def loan(self, loan_id: str) -> dict | None:
        return self.loans.find_one({"_id": loan_id})

    def list_loans(self, resident_id: str, status: str | None, limit: int, cursor: str | None):
        query = {"resident_id": resident_id}
        if status:
            query["status"] = status
        return newest_first(self.loans, query, limit, cursor)

    def open_loans_of(self, resident_id: str) -> list[dict]:
        return [loan for loan in self.loans.find({"resident_id": resident_id}).sort("created_at", -1)
                .limit(500) if loan["status"] in circulation.OPEN_LOAN_STATES]

    def has_open_loan_of(self, resident_id: str, title_id: str) -> bool:
        return any(loan["status"] in circulation.OPEN_LOAN_STATES for loan in
                   self.loans.find({"resident_id": resident_id, "title_id": title_id},
                                   {"status": 1}))

    def checkout(self, resident_id: str, copy: dict, title: dict, branch: dict,
                 now: dt.datetime) -> dict:
        """Lend ``copy`` to the resident: one conditional update on the copy (so one
        loan however many scan at once), one on the reader's counter (the limit)."""
        today = clock.today_local(now)
        due = circulation.due_date(today, branch.get("loan_period_days")
                                   or circulation.DEFAULT_LOAN_PERIOD_DAYS)
        loan = {"_id": new_id(), "resident_id": resident_id, "copy_id": copy["_id"],
                "copy_code": copy["code"], "title_id": title["_id"], "title": title["title"],
                "branch_id": branch["_id"], "community_id": branch["community_id"],
                "loan_period_days": branch.get("loan_period_days")
                or circulation.DEFAULT_LOAN_PERIOD_DAYS,
                "status": "active", "borrowed_at": now, "created_at": now, "due_date": day(due),
                "open_due": day(due), "due_soon_on": day(circulation.due_soon_on(due)),
                "renewals": 0, "returned_at": None, "return_branch_id": None}
        if copy["status"] == "hold_ready":
            copy_filter = {"_id": copy["_id"], "status": "hold_ready", "held_for": resident_id}
        else:
            copy_filter = {"_id": copy["_id"], "status": "available"}
        copy_filter["branch_id"] = branch["_id"]   # lent on the terms of where it stands
        self.ensure_patron(resident_id)

        def write(tx):
            taken = self.copies.update_one(copy_filter, {
                "$set": {"status": "on_loan", "loan_id": loan["_id"]},
                "$unset": {"hold_id": "", "held_for": ""}}, session=tx.session)
            if taken.modified_count != 1:
                raise Conflict("this copy is not available", code="copy_unavailable")
            allowed = self.patrons.update_one(
                {"_id": resident_id, "active_loans": {"$lt": circulation.PATRON_LIMIT},
                 "overdue": 0}, {"$inc": {"active_loans": 1}}, session=tx.session)
            if allowed.modified_count != 1:
                patron = self.patrons.find_one({"_id": resident_id}, session=tx.session) or {}
                reason = circulation.patron_blocked_reason(patron.get("active_loans", 0),
                                                           patron.get("overdue", 0))
                raise Conflict(reason or "borrowing is blocked", code="patron_blocked",
                               details={"active_loans": patron.get("active_loans", 0),
                                        "overdue_loans": patron.get("overdue", 0)})
            if copy_filter["status"] == "hold_ready" and copy.get("hold_id"):
                collected = self.holds.update_one({"_id": copy["hold_id"], "status": "ready"}, {
                    "$set": {"status": "collected", "collected_at": now, "loan_id": loan["_id"]},
                    "$unset": {"active": "", "ready_expires_at": ""}}, session=tx.session)
                if collected.modified_count == 1:
                    self._hold_ended(tx, resident_id)
            self.loans.insert_one(loan, session=tx.session)
            tx.emit("library.loan_created", {
                "loan_id": loan["_id"], "resident_id": resident_id, "copy_code": copy["code"],
                "title_id": title["_id"], "title": title["title"], "branch_id": branch["_id"],
                "branch_name": branch["name"], "due_date": loan["due_date"]})
            return loan

        return self.transaction(write)

    def return_copy(self, copy: dict, loan: dict, title: dict, branch: dict,
                    now: dt.datetime) -> tuple[dict, dict]:
        """The copy comes back at ``branch`` and lives there now; a waiting hold gets it."""

        def write(tx):
            back = self.copies.update_one(
                {"_id": copy["_id"], "status": "on_loan", "loan_id": loan["_id"]},
                {"$set": {"status": "available", "branch_id": branch["_id"]},
                 "$unset": {"loan_id": ""}}, session=tx.session)
            if back.modified_count != 1:
                raise Conflict("this copy is not on loan", code="not_on_loan")
            current = self.loans.find_one({"_id": loan["_id"]}, session=tx.session)
            if current["status"] not in circulation.OPEN_LOAN_STATES:
                raise Conflict("this copy is not on loan", code="not_on_loan")
            self.loans.update_one({"_id": loan["_id"], "status": current["status"]}, {
                "$set": {"status": "returned", "returned_at": now,
                         "return_branch_id": branch["_id"]},
                "$unset": {"open_due": "", "due_soon_on": ""}}, session=tx.session)
            counters = {"active_loans": -1}
            if current["status"] == "overdue":
                counters["overdue"] = -1
            self.patrons.update_one({"_id": loan["resident_id"]}, {"$inc": counters},
                                    session=tx.session)
            moved = {**copy, "branch_id": branch["_id"], "status": "available"}
            moved.pop("loan_id", None)
            moved["status"] = self._release_copy(tx, moved, title, now)
            tx.emit("library.loan_returned", {
                "loan_id": loan["_id"], "resident_id": loan["resident_id"],
                "copy_code": copy["code"], "title_id": title["_id"], "title": title["title"],
                "branch_id": branch["_id"], "branch_name": branch["name"]})
            returned = {**current, "status": "returned", "returned_at": now,
                        "return_branch_id": branch["_id"]}
            return returned, self.copies.find_one({"_id": copy["_id"]}, session=tx.session)

        return self.transaction(write)

    def renew(self, loan: dict, new_due: dt.date) -> dict:
        def write(tx):
            renewed = self.loans.update_one(
                {"_id": loan["_id"], "status": "active", "renewals": loan["renewals"],
                 "due_date": loan["due_date"]},
                {"$set": {"due_date": day(new_due), "open_due": day(new_due),
                          "due_soon_on": day(circulation.due_soon_on(new_due))},
                 "$inc": {"renewals": 1}}, session=tx.session)
            if renewed.modified_count != 1:
                raise Conflict("the loan changed meanwhile; try again", code="illegal_transition")
            tx.emit("library.loan_renewed", {
                "loan_id": loan["_id"], "resident_id": loan["resident_id"],
                "title": loan["title"], "due_date": day(new_due),
                "renewals": loan["renewals"] + 1})
            return self.loans.find_one({"_id": loan["_id"]}, session=tx.session)

        return self.transaction(write)

    # -- holds ----------------------------------------------------------------------
    def hold(self, hold_id: str) -> dict | None:
        return self.holds.find_one({"_id": hold_id})

    def someone_waits(self, title_id: str) -> bool:
        return self.holds.find_one({"title_id": title_id, "status": "waiting"}, {"_id": 1}) is not None

    def waiting_before(self, hold: dict) -> int:
        return sum(1 for h in self.holds.find({"title_id": hold["title_id"], "status": "waiting"},
                                              {"created_at": 1})
                   if (clock.as_utc(h["created_at"]), h["_id"])
                   < (clock.as_utc(hold["created_at"]), hold["_id"]))

    def list_holds(self, resident_id: str, status: str | None, limit: int, cursor: str | None):
        query = {"resident_id": resident_id}
        if status:
            query["status"] = status
        return newest_first(self.holds, query, limit, cursor)

    def place_hold(self, resident_id: str, title: dict, branch: dict, now: dt.datetime) -> dict:
        hold = {"_id": new_id(), "resident_id": resident_id, "title_id": title["_id"],
                "title": title["title"], "pickup_branch_id": branch["_id"],
                "community_id": branch["community_id"], "status": "waiting", "active": True,
                "created_at": now, "copy_id": None, "copy_code": None, "ready_at": None,
                "expires_at": None}

        self.ensure_patron(resident_id)

        def write(tx):
            allowed = self.patrons.update_one(
                {"_id": resident_id, "active_holds": {"$lt": circulation.HOLD_LIMIT},
                 "active_loans": {"$lt": circulation.PATRON_LIMIT}, "overdue": 0},
                {"$inc": {"active_holds": 1}}, session=tx.session)
            if allowed.modified_count != 1:
                patron = self.patrons.find_one({"_id": resident_id}, session=tx.session) or {}
                code, message = circulation.hold_refusal(
                    patron.get("active_holds", 0), patron.get("active_loans", 0),
                    patron.get("overdue", 0)) or ("patron_blocked", "holds are blocked")
                raise Conflict(message, code=code, details={
                    "active_holds": patron.get("active_holds", 0),
                    "active_loans": patron.get("active_loans", 0),
                    "overdue_loans": patron.get("overdue", 0)})
            first = not self.holds.find_one({"title_id": title["_id"], "status": "waiting"},
                                            {"_id": 1}, session=tx.session)
            self.holds.insert_one(hold, session=tx.session)
            position = 1 if first else None
            if first:
                copy = self._available_copy(tx, title["_id"], branch["_id"])
                if copy:
                    self._assign(tx, copy, hold, title, now)
            if position is None:
                position = circulation.queue_position(self._count_waiting_before(tx, hold))
            tx.emit("library.hold_placed", {
                "hold_id": hold["_id"], "resident_id": resident_id, "title_id": title["_id"],
                "title": title["title"], "position": position,
                "pickup_branch_id": branch["_id"]})
            return self.holds.find_one({"_id": hold["_id"]}, session=tx.session)

        try:
            return self.transaction(write)
        except DuplicateKeyError as exc:
            raise Conflict("you already hold this title", code="already_held") from exc

    def cancel_hold(self, hold: dict, title: dict, now: dt.datetime) -> dict:
        def write(tx):
            done = self.holds.update_one(
                {"_id": hold["_id"], "status": hold["status"]},
                {"$set": {"status": "cancelled", "cancelled_at": now},
                 "$unset": {"active": "", "ready_expires_at": ""}}, session=tx.session)
            if done.modified_count != 1:
                raise Conflict("the hold changed meanwhile", code="illegal_transition")
            self._hold_ended(tx, hold["resident_id"])
            self._pass_on_copy_of(tx, hold, title, now)
            return self.holds.find_one({"_id": hold["_id"]}, session=tx.session)

        return self.transaction(write)

    def receive(self, copy: dict, title: dict, branch: dict, now: dt.datetime) -> dict:
        """A copy arrives at ``branch``; a copy in transit for a hold waiting there is ready."""

        def write(tx):
            moved = self.copies.update_one(
                {"_id": copy["_id"], "status": copy["status"], "branch_id": copy["branch_id"]},
                {"$set": {"branch_id": branch["_id"]}}, session=tx.session)
            if moved.matched_count != 1:
                raise Conflict("the copy changed meanwhile", code="illegal_transition")
            if copy["status"] == "in_transit":
                hold = self.holds.find_one({"_id": copy.get("hold_id")}, session=tx.session)
                if hold and hold["status"] == "in_transit":
                    if hold["pickup_branch_id"] == branch["_id"]:
                        self._make_ready(tx, {**copy, "branch_id": branch["_id"]}, hold,
                                         title, now)
                else:
                    self.copies.update_one({"_id": copy["_id"]}, {
                        "$set": {"status": "available"},
                        "$unset": {"hold_id": "", "held_for": ""}}, session=tx.session)
                    self._release_copy(tx, {**copy, "branch_id": branch["_id"],
                                            "status": "available"}, title, now)
            return self.copies.find_one({"_id": copy["_id"]}, session=tx.session)

        return self.transaction(write)

    # -- jobs -------------------------------------------------------------------------
    @staticmethod
    def _in_community(query: dict, community_id: str | None) -> dict:
        return {"community_id": community_id, **query} if community_id else query

    def loans_to_mark_overdue(self, today: dt.date, community_id: str | None,
                              limit: int) -> list[str]:
        """Open loans whose overdue marking or notice is due today. ``open_due`` is the
        last day that needs nothing: the due date, then the day of the latest notice."""
        query = self._in_community({"open_due": {"$lt": day(today)}}, community_id)
        return [d["_id"] for d in self.loans.find(query, {"_id": 1}).limit(limit)]

    def mark_overdue(self, loan_id: str, today: dt.date) -> bool:
        """Set the loan overdue (counted on the reader) and emit at most one notice a day.
        Claimed by moving ``open_due`` to today, so the loan leaves the sweep's query."""

        def write(tx):
            claimed = self.loans.update_one(
                {"_id": loan_id, "open_due": {"$lt": day(today)}},
                {"$set": {"open_due": day(today)}}, session=tx.session)
            if claimed.modified_count != 1:
                return False
            loan = self.loans.find_one({"_id": loan_id}, session=tx.session)
            changed = False
            turned = self.loans.update_one({"_id": loan_id, "status": "active"},
                                           {"$set": {"status": "overdue"}}, session=tx.session)
            if turned.modified_count == 1:
                changed = True
                self.patrons.update_one({"_id": loan["resident_id"]}, {"$inc": {"overdue": 1}},
                                        session=tx.session)
            if loan.get("overdue_notified_on") != day(today):
                changed = True
                self.loans.update_one({"_id": loan_id},
                                      {"$set": {"overdue_notified_on": day(today)}},
                                      session=tx.session)
                due = dt.date.fromisoformat(loan["due_date"])
                tx.emit("library.loan_overdue", {
                    "loan_id": loan_id, "resident_id": loan["resident_id"],
                    "title": loan["title"], "due_date": loan["due_date"],
                    "days_overdue": circulation.days_overdue(due, today),
                    "copy_code": loan["copy_code"]})
            return changed

        return self.transaction(write)

    def loans_due_soon(self, today: dt.date, community_id: str | None, limit: int) -> list[str]:
        query = self._in_community({"due_soon_on": {"$lte": day(today)}}, community_id)
        return [d["_id"] for d in self.loans.find(query, {"_id": 1}).limit(limit)]

    def send_due_soon(self, loan_id: str, today: dt.date) -> bool:
        def write(tx):
            loan = self.loans.find_one({"_id": loan_id}, session=tx.session)
            if not loan or "due_soon_on" not in loan:
                return False
            claimed = self.loans.update_one({"_id": loan_id, "due_soon_on": loan["due_soon_on"]},
                                            {"$unset": {"due_soon_on": ""}}, session=tx.session)
            if claimed.modified_count != 1:
                return False
            if loan["status"] == "active" and loan["due_date"] >= day(today):
                tx.emit("library.loan_due_soon", {
                    "loan_id": loan_id, "resident_id": loan["resident_id"],
                    "title": loan["title"], "due_date": loan["due_date"]})
            return True

        return self.transaction(write)

    def ready_holds_expired(self, as_of: dt.datetime, community_id: str | None,
                            limit: int) -> list[str]:
        query = self._in_community({"ready_expires_at": {"$lte": as_of}}, community_id)
        return [d["_id"] for d in self.holds.find(query, {"_id": 1}).limit(limit)]

    def expire_hold(self, hold_id: str, as_of: dt.datetime) -> bool:
        def write(tx):
            hold = self.holds.find_one({"_id": hold_id}, session=tx.session)
            if not hold or hold["status"] != "ready":
                return False
            expired = self.holds.update_one(
                {"_id": hold_id, "status": "ready", "ready_expires_at": hold["ready_expires_at"]},
                {"$set": {"status": "expired", "expired_at": as_of},
                 "$unset": {"active": "", "ready_expires_at": ""}}, session=tx.session)
            if expired.modified_count != 1:
                return False
            self._hold_ended(tx, hold["resident_id"])
            title = self.titles.find_one({"_id": hold["title_id"]}, session=tx.session)
            tx.emit("library.hold_expired", {
                "hold_id": hold_id, "resident_id": hold["resident_id"],
                "title_id": hold["title_id"], "title": hold["title"]})
            self._pass_on_copy_of(tx, hold, title, as_of)
            return True

        return self.transaction(write)

    # -- inside transactions --------------------------------------------------------------
    def _hold_ended(self, tx, resident_id: str):
        """A hold stopped being active (collected, cancelled, expired): one fewer counted."""
        self.patrons.update_one({"_id": resident_id, "active_holds": {"$gt": 0}},
                                {"$inc": {"active_holds": -1}}, session=tx.session)

    def _count_waiting_before(self, tx, hold: dict) -> int:
        return sum(1 for h in self.holds.find({"title_id": hold["title_id"], "status": "waiting"},
                                              {"created_at": 1}, session=tx.session)
                   if (clock.as_utc(h["created_at"]), h["_id"])
                   < (clock.as_utc(hold["created_at"]), hold["_id"]))

    def _available_copy(self, tx, title_id: str, prefer_branch_id: str) -> dict | None:
        copies = list(self.copies.find({"title_id": title_id, "status": "available"},
                                       session=tx.session).limit(200))
        copies.sort(key=lambda c: c["branch_id"] != prefer_branch_id)
        return copies[0] if copies else None

    def _pass_on_copy_of(self, tx, hold: dict, title: dict, now: dt.datetime):
        """A hold that had a copy let it go: the next in line gets it, or it is free."""
        if not hold.get("copy_id"):
            return
        copy = self.copies.find_one({"_id": hold["copy_id"]}, session=tx.session)
        if not copy or copy.get("hold_id") != hold["_id"]:
            return
        self.copies.update_one({"_id": copy["_id"], "hold_id": hold["_id"]}, {
            "$set": {"status": "available"}, "$unset": {"hold_id": "", "held_for": ""}},
            session=tx.session)
        copy = {**copy, "status": "available"}
        copy.pop("hold_id", None)
        self._release_copy(tx, copy, title, now)

    def _release_copy(self, tx, copy: dict, title: dict, now: dt.datetime) -> str:
        """An available copy goes to the first waiting hold on its title, if any.
        Answers the copy's status afterwards."""
        for _ in range(5):
            waiting = list(self.holds.find({"title_id": copy["title_id"], "status": "waiting"},
                                           session=tx.session).limit(500))
            hold = circulation.next_in_line(
                [{**h, "created_at": clock.as_utc(h["created_at"])} for h in waiting])
            if hold is None:
                return "available"
            status = self._assign(tx, copy, hold, title, now)
            if status:
                return status
        return "available"

    def _assign(self, tx, copy: dict, hold: dict, title: dict, now: dt.datetime) -> str | None:
        copy_status, hold_status = circulation.copy_state_for_hold(
            copy["branch_id"], hold["pickup_branch_id"])
        claimed = self.holds.update_one(
            {"_id": hold["_id"], "status": "waiting"},
            {"$set": {"status": "in_transit", "copy_id": copy["_id"],
                      "copy_code": copy["code"]}}, session=tx.session)
        if claimed.modified_count != 1:
            return None
        taken = self.copies.update_one(
            {"_id": copy["_id"], "status": "available"},
            {"$set": {"status": "in_transit", "hold_id": hold["_id"],
                      "held_for": hold["resident_id"]}}, session=tx.session)
        if taken.modified_count != 1:
            raise Conflict("the copy changed meanwhile", code="illegal_transition")
        if hold_status == "ready":
            self._make_ready(tx, copy, hold, title, now)
        return copy_status

    def _make_ready(self, tx, copy: dict, hold: dict, title: dict, now: dt.datetime):
        expires = circulation.hold_expires_at(now)
        self.copies.update_one({"_id": copy["_id"]}, {"$set": {
            "status": "hold_ready", "hold_id": hold["_id"], "held_for": hold["resident_id"]}},
            session=tx.session)
        self.holds.update_one({"_id": hold["_id"]}, {"$set": {
            "status": "ready", "ready_at": now, "expires_at": expires,
            "ready_expires_at": expires}}, session=tx.session)
        branch = self.branches.find_one({"_id": hold["pickup_branch_id"]}, session=tx.session)
        tx.emit("library.hold_ready", {
            "hold_id": hold["_id"], "resident_id": hold["resident_id"],
            "title_id": hold["title_id"], "title": title["title"] if title else hold["title"],
            "pickup_branch_id": hold["pickup_branch_id"],
            "branch_name": branch["name"] if branch else "", "expires_at": expires,
            "copy_code": copy["code"]})

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

        for attempt in range(3):
            try:
                return self.transaction(write)
            except (DuplicateKeyError, BulkWriteError) as exc:
                if attempt == 2:
                    raise Conflict("another import of the same titles ran at the same time; "
                                   "try again", code="import_conflict") from exc
        raise AssertionError("unreachable")

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
