"""Loans in Mongo: checkout, return, renewal, and the overdue and due-soon sweeps.
``circulation`` decides; this module writes, each limit as one conditional
``update_one`` inside a transaction: a copy leaves ``available`` (or ``hold_ready`` for
this reader) once, a reader's ``active_loans`` counter only grows while it is below
``PATRON_LIMIT`` and ``overdue == 0``. A mixin of ``LibraryStore`` (``storage.py``),
which owns the collections and indexes."""
import datetime as dt

from services.library import circulation, holds
from services.library.holdstore import ENDED
from shared import clock
from shared.errors import Conflict
from shared.mongo import new_id
from shared.pagination import newest_first


def day(value: dt.date) -> str:
    """Dates are stored as ``YYYY-MM-DD`` strings in the community's calendar."""
    return value.isoformat()


class LoanStore:
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
        period = circulation.loan_period(branch)
        due = circulation.due_date(clock.today_local(now), period)
        loan = {"_id": new_id(), "resident_id": resident_id, "copy_id": copy["_id"],
                "copy_code": copy["code"], "title_id": title["_id"], "title": title["title"],
                "branch_id": branch["_id"], "community_id": branch["community_id"],
                "loan_period_days": period,
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
                    "$set": {**holds.ended("collected", now), "loan_id": loan["_id"]}, **ENDED},
                    session=tx.session)
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
            self.patrons.update_one({"_id": loan["resident_id"]},
                                    {"$inc": circulation.counters_on_return(current["status"])},
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

    # -- the sweeps ---------------------------------------------------------------------
    def loans_to_mark_overdue(self, today: dt.date, community_id: str | None,
                              limit: int) -> list[str]:
        """Open loans whose overdue marking or notice is due today. ``open_due`` is the
        last day that needs nothing: the due date, then the day of the latest notice
        (so a loan is found from the day after its due date: ``circulation.is_overdue``)."""
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
            notified = loan.get("overdue_notified_on")
            if circulation.overdue_notice_due(
                    dt.date.fromisoformat(notified) if notified else None, today):
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
            if circulation.due_soon_reminder_due(loan["status"],
                                                 dt.date.fromisoformat(loan["due_date"]), today):
                tx.emit("library.loan_due_soon", {
                    "loan_id": loan_id, "resident_id": loan["resident_id"],
                    "title": loan["title"], "due_date": loan["due_date"]})
            return True

        return self.transaction(write)
