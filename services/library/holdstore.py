"""Holds in Mongo: placing, cancelling, receiving a copy, expiring, and the queue steps
the other writes share (a copy released to the next in line, assigned, made ready,
passed on). ``holds`` decides each step; this module writes it, each limit as one
conditional ``update_one`` inside the caller's transaction: a hold leaves ``waiting``
once, a copy leaves ``available`` once, a reader's ``active_holds`` counter only grows
below the limit. A mixin of ``LibraryStore`` (``storage.py``), which owns the
collections and indexes."""
import datetime as dt

from services.library import circulation, holds
from shared.errors import Conflict
from shared.mongo import new_id
from shared.pagination import newest_first

FREED = {"$set": {"status": "available"}, "$unset": {"hold_id": "", "held_for": ""}}
ENDED = {"$unset": {"active": "", "ready_expires_at": ""}}


class HoldStore:
    def hold(self, hold_id: str) -> dict | None:
        return self.holds.find_one({"_id": hold_id})

    def someone_waits(self, title_id: str) -> bool:
        return self.holds.find_one({"title_id": title_id, "status": "waiting"}, {"_id": 1}) is not None

    def waiting_on(self, title_id: str, tx=None) -> list[dict]:
        """The title's waiting holds (when each was placed: enough to say who is next)."""
        return list(self.holds.find({"title_id": title_id, "status": "waiting"},
                                    {"created_at": 1}, session=tx.session if tx else None))

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
                {"_id": resident_id, "active_holds": {"$lt": holds.HOLD_LIMIT},
                 "active_loans": {"$lt": circulation.PATRON_LIMIT}, "overdue": 0},
                {"$inc": {"active_holds": 1}}, session=tx.session)
            if allowed.modified_count != 1:
                patron = self.patrons.find_one({"_id": resident_id}, session=tx.session) or {}
                code, message = holds.hold_refusal(
                    patron.get("active_holds", 0), patron.get("active_loans", 0),
                    patron.get("overdue", 0)) or ("patron_blocked", "holds are blocked")
                raise Conflict(message, code=code, details={
                    "active_holds": patron.get("active_holds", 0),
                    "active_loans": patron.get("active_loans", 0),
                    "overdue_loans": patron.get("overdue", 0)})
            waiting = self.waiting_on(title["_id"], tx)
            self.holds.insert_one(hold, session=tx.session)
            if holds.takes_a_copy_when_placed(waiting):
                copy = holds.copy_for(self._available_copies(tx, title["_id"]), branch["_id"])
                if copy:
                    self._assign(tx, copy, hold, title, now)
            tx.emit("library.hold_placed", {
                "hold_id": hold["_id"], "resident_id": resident_id, "title_id": title["_id"],
                "title": title["title"], "position": holds.place_in_queue(waiting, hold),
                "pickup_branch_id": branch["_id"]})
            return self.holds.find_one({"_id": hold["_id"]}, session=tx.session)

        return self.transaction_unique(write, Conflict("you already hold this title",
                                                       code="already_held"))

    def cancel_hold(self, hold: dict, title: dict, now: dt.datetime) -> dict:
        def write(tx):
            done = self.holds.update_one(
                {"_id": hold["_id"], "status": hold["status"]},
                {"$set": holds.ended("cancelled", now), **ENDED}, session=tx.session)
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
            here = {**copy, "branch_id": branch["_id"]}
            hold = (self.holds.find_one({"_id": copy["hold_id"]}, session=tx.session)
                    if copy.get("hold_id") else None)
            arrival = holds.on_arrival(copy, hold, branch["_id"])
            if arrival == "ready":
                self._make_ready(tx, here, hold, title, now)
            elif arrival == "release":
                self.copies.update_one({"_id": copy["_id"]}, FREED, session=tx.session)
                self._release_copy(tx, {**here, "status": "available"}, title, now)
            return self.copies.find_one({"_id": copy["_id"]}, session=tx.session)

        return self.transaction(write)

    # -- the sweep ----------------------------------------------------------------------
    def ready_holds_expired(self, as_of: dt.datetime, community_id: str | None,
                            limit: int) -> list[str]:
        query = self._in_community({"ready_expires_at": {"$lte": as_of}}, community_id)
        return [d["_id"] for d in self.holds.find(query, {"_id": 1}).limit(limit)]

    def expire_hold(self, hold_id: str, as_of: dt.datetime) -> bool:
        def write(tx):
            hold = self.holds.find_one({"_id": hold_id}, session=tx.session)
            if not hold or not holds.has_expired(hold, as_of):
                return False
            expired = self.holds.update_one(
                {"_id": hold_id, "status": "ready", "ready_expires_at": hold["ready_expires_at"]},
                {"$set": holds.ended("expired", as_of), **ENDED}, session=tx.session)
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

    # -- queue steps, inside the caller's transaction -------------------------------------
    def _hold_ended(self, tx, resident_id: str):
        """A hold stopped being active (collected, cancelled, expired): one fewer counted."""
        self.patrons.update_one({"_id": resident_id, "active_holds": {"$gt": 0}},
                                {"$inc": {"active_holds": -1}}, session=tx.session)

    def _available_copies(self, tx, title_id: str) -> list[dict]:
        return list(self.copies.find({"title_id": title_id, "status": "available"},
                                     session=tx.session).limit(200))

    def _pass_on_copy_of(self, tx, hold: dict, title: dict, now: dt.datetime):
        """A hold that had a copy let it go: the next in line gets it, or it is free."""
        copy = (self.copies.find_one({"_id": hold["copy_id"]}, session=tx.session)
                if hold.get("copy_id") else None)
        if not holds.lets_go_of(hold, copy):
            return
        self.copies.update_one({"_id": copy["_id"], "hold_id": hold["_id"]}, FREED,
                               session=tx.session)
        copy = {**copy, "status": "available"}
        copy.pop("hold_id", None)
        self._release_copy(tx, copy, title, now)

    def _release_copy(self, tx, copy: dict, title: dict, now: dt.datetime) -> str:
        """An available copy goes to the first waiting hold on its title, if any (the
        next one when another replica took that hold meanwhile). Answers the copy's
        status afterwards."""
        for _ in range(5):
            waiting = list(self.holds.find({"title_id": copy["title_id"], "status": "waiting"},
                                           session=tx.session).limit(500))
            hold = holds.next_in_line(waiting)
            if hold is None:
                return "available"
            status = self._assign(tx, copy, hold, title, now)
            if status:
                return status
        return "available"

    def _assign(self, tx, copy: dict, hold: dict, title: dict, now: dt.datetime) -> str | None:
        """The copy goes to the hold: None when the hold stopped waiting meanwhile, else
        the copy's new status."""
        copy_status, hold_status = holds.copy_state_for_hold(
            copy["branch_id"], hold["pickup_branch_id"])
        hold_fields, copy_fields = holds.assigned(copy, hold)
        claimed = self.holds.update_one({"_id": hold["_id"], "status": "waiting"},
                                        {"$set": hold_fields}, session=tx.session)
        if claimed.modified_count != 1:
            return None
        taken = self.copies.update_one({"_id": copy["_id"], "status": "available"},
                                       {"$set": copy_fields}, session=tx.session)
        if taken.modified_count != 1:
            raise Conflict("the copy changed meanwhile", code="illegal_transition")
        if hold_status == "ready":
            self._make_ready(tx, copy, hold, title, now)
        return copy_status

    def _make_ready(self, tx, copy: dict, hold: dict, title: dict, now: dt.datetime):
        hold_fields, copy_fields = holds.made_ready(hold, now)
        self.copies.update_one({"_id": copy["_id"]}, {"$set": copy_fields}, session=tx.session)
        self.holds.update_one({"_id": hold["_id"]}, {"$set": hold_fields}, session=tx.session)
        branch = self.branches.find_one({"_id": hold["pickup_branch_id"]}, session=tx.session)
        tx.emit("library.hold_ready", {
            "hold_id": hold["_id"], "resident_id": hold["resident_id"],
            "title_id": hold["title_id"], "title": title["title"] if title else hold["title"],
            "pickup_branch_id": hold["pickup_branch_id"],
            "branch_name": branch["name"] if branch else "", "expires_at": hold_fields["expires_at"],
            "copy_code": copy["code"]})
