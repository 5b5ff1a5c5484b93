"""Facilities storage: rooms, their grid-cell claims and bookings, equipment, loans,
complaints. The only module of the service that speaks Mongo.

How the limits hold, whatever the number of clients and replicas (each is one atomic
write or a unique key, inside the transaction that writes the effect):
- no two overlapping active bookings of a room: a booking inserts one ``room_cells``
  document per 30-minute cell it covers, keyed ``<room_id>:<cell start>`` (the ``_id``,
  unique by nature), in the transaction that inserts the booking. Two overlapping
  bookings share a key, so the second transaction fails on it and writes nothing.
  Cancelling or a no-show deletes the cells in the transaction that changes the status,
  so the time is free at once.
- at most 2 future bookings per resident: ``bookers.places``, raised by a conditional
  ``update_one`` (``places < 2``) in the booking's transaction, lowered when the
  booking is cancelled, checked in or released as a no-show.
- one loan per item: the item's ``status`` moves ``available`` -> ``on_loan`` by one
  conditional update; one loan per borrower and none while overdue: the borrower's
  ``holding`` and ``overdue`` counters, by one conditional update, in the same
  transaction.

Longer than ~300 lines on purpose: the atomic writes of rooms and of equipment sit
together because loans and bookings share the borrower's counters."""
import datetime as dt

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError, OperationFailure

from services.facilities.rooms import MAX_FUTURE_BOOKINGS
from shared import clock
from shared.mongo import Store, index, is_duplicate_key, unique
from shared.pagination import newest_first

# Cells outlive their booking's end by this much, then the server drops them: only
# future cells matter to a new booking.
CELL_KEEP_SECONDS = 2 * 24 * 3600


class SlotTaken(Exception):
    """Another active booking holds one of the cells."""


class LimitReached(Exception):
    """The resident already holds the most future bookings allowed."""


class ItemUnavailable(Exception):
    """The item is not ``available`` (on loan or in maintenance)."""


class PatronBlocked(Exception):
    """The borrower holds a loan already, or has an overdue one."""


class NotOnLoan(Exception):
    """The item has no open loan to return."""


NEWEST = ("-created_at", "-_id")


class FacilitiesStore(Store):
    service = "facilities"
    indexes = {
        "rooms": [unique("door_code"), index(*NEWEST), index("community_id", *NEWEST),
                  index("community_id", "kind", *NEWEST)],
        # one document per claimed 30-minute cell: its _id is the claim
        "room_cells": [index("until", expireAfterSeconds=CELL_KEEP_SECONDS)],
        "room_bookings": [
            index("resident_id", *NEWEST),
            # a resident's bookings of one room (the door's page), on one day
            index("resident_id", "room_id", *NEWEST),
            index("resident_id", "room_id", "days", *NEWEST),
            index("room_id", *NEWEST),
            index("room_id", "days", *NEWEST),
            index("room_id", "days", "active"),
            # the no-show sweep, district-wide and per community (equality fields first)
            index("status", "no_show_at"),
            index("status", "community_id", "no_show_at"),
        ],
        "bookers": [],  # _id: resident_id, places: future bookings held
        "equipment": [unique("code"), index(*NEWEST), index("community_id", *NEWEST),
                      index("community_id", "kind", *NEWEST)],
        "equipment_loans": [
            index("resident_id", *NEWEST),
            index("community_id", *NEWEST),
            index("item_id", "started_at"),
            index("status", "due_at"),
            index("status", "community_id", "due_at"),
        ],
        "borrowers": [],  # _id: resident_id, holding: open loans, overdue: overdue loans
        "complaints": [index("community_id", *NEWEST), index("item_id", *NEWEST)],
    }

    @property
    def rooms(self):
        return self.db["rooms"]

    @property
    def cells(self):
        return self.db["room_cells"]

    @property
    def bookings(self):
        return self.db["room_bookings"]

    @property
    def items(self):
        return self.db["equipment"]

    @property
    def loans(self):
        return self.db["equipment_loans"]

    @property
    def complaints(self):
        return self.db["complaints"]

    # -- rooms ---------------------------------------------------------------------------
    def add_room(self, doc: dict) -> dict:
        """Insert a room; DuplicateKeyError when its door code is taken."""
        self.rooms.insert_one(doc)
        return doc

    def room(self, room_id: str) -> dict | None:
        return self.rooms.find_one({"_id": room_id})

    def room_by_door(self, door_code: str) -> dict | None:
        return self.rooms.find_one({"door_code": door_code})

    def list_rooms(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.rooms, query, limit, cursor)

    # -- bookings ------------------------------------------------------------------------
    def booking(self, booking_id: str) -> dict | None:
        return self.bookings.find_one({"_id": booking_id})

    def add_booking(self, doc: dict, cell_keys: list[str], event: dict) -> dict:
        """Claim the booking's cells, take one of the resident's places (unless it is a
        walk-in, which starts now) and insert the booking, in one transaction.

        Raises ``SlotTaken`` or ``LimitReached``; in either case nothing was written."""
        holds_place = doc["holds_place"]
        if holds_place:
            self._ensure(self.db["bookers"], doc["resident_id"], {"places": 0})
        cells = [{"_id": key, "room_id": doc["room_id"], "booking_id": doc["_id"],
                  "until": doc["end"]} for key in cell_keys]

        def write(tx):
            if holds_place:
                taken = self.db["bookers"].update_one(
                    {"_id": doc["resident_id"], "places": {"$lt": MAX_FUTURE_BOOKINGS}},
                    {"$inc": {"places": 1}}, session=tx.session)
                if taken.matched_count == 0:
                    raise LimitReached()
            self.cells.insert_many(cells, ordered=True, session=tx.session)
            self.bookings.insert_one(doc, session=tx.session)
            tx.emit("facilities.room_booked", event)
            return doc

        try:
            return self.transaction(write)
        except (DuplicateKeyError, OperationFailure) as exc:
            if not is_duplicate_key(exc):
                raise
            raise SlotTaken() from exc

    def release_booking(self, booking: dict, status: str, changes: dict, guard: dict,
                        event_type: str, event: dict) -> bool:
        """``booked`` -> ``status`` (cancelled, no_show) when ``guard`` still holds: the
        cells are freed and the resident's place given back in the same transaction.
        False when the booking had moved on meanwhile."""
        def write(tx):
            moved = self.bookings.update_one(
                {"_id": booking["_id"], "status": "booked", **guard},
                {"$set": {"status": status, **changes},
                 "$unset": {"active": "", "holds_place": ""}}, session=tx.session)
            if moved.matched_count == 0:
                return False
            self.cells.delete_many({"_id": {"$in": booking["cells"]}}, session=tx.session)
            if booking.get("holds_place"):
                self.db["bookers"].update_one({"_id": booking["resident_id"]},
                                              {"$inc": {"places": -1}}, session=tx.session)
            tx.emit(event_type, event)
            return True

        return self.transaction(write)

    def check_in(self, booking: dict, at: dt.datetime) -> bool:
        """``booked`` -> ``checked_in``; the booking no longer counts as a future one."""
        def write(tx):
            moved = self.bookings.update_one(
                {"_id": booking["_id"], "status": "booked"},
                {"$set": {"status": "checked_in", "checked_in_at": at},
                 "$unset": {"holds_place": ""}}, session=tx.session)
            if moved.matched_count == 0:
                return False
            if booking.get("holds_place"):
                self.db["bookers"].update_one({"_id": booking["resident_id"]},
                                              {"$inc": {"places": -1}}, session=tx.session)
            return True

        return self.transaction(write)

    def day_bookings(self, room_id: str, day: str) -> list[dict]:
        return list(self.bookings.find({"room_id": room_id, "days": day, "active": True})
                    .limit(200))

    def list_bookings(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.bookings, query, limit, cursor)

    def due_no_shows(self, as_of, community_id: str | None, limit: int) -> list[dict]:
        query = {"status": "booked", "no_show_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.bookings.find(query).limit(limit))

    # -- equipment -----------------------------------------------------------------------
    def add_item(self, doc: dict) -> dict:
        """Insert an item; DuplicateKeyError when its code is taken."""
        self.items.insert_one(doc)
        return doc

    def item(self, item_id: str) -> dict | None:
        return self.items.find_one({"_id": item_id})

    def item_by_code(self, code: str) -> dict | None:
        return self.items.find_one({"code": code})

    def list_items(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.items, query, limit, cursor)

    def restore(self, item_id: str) -> bool:
        """``maintenance`` -> ``available``."""
        return self.items.update_one({"_id": item_id, "status": "maintenance"},
                                     {"$set": {"status": "available",
                                               "restored_at": clock.now()}}).matched_count == 1

    def loan(self, loan_id: str) -> dict | None:
        return self.loans.find_one({"_id": loan_id})

    def add_loan(self, item: dict, doc: dict, event: dict) -> dict:
        """Take the item and the borrower's one place, insert the loan: one transaction.

        Raises ``ItemUnavailable`` or ``PatronBlocked``; nothing written either way."""
        self._ensure(self.db["borrowers"], doc["resident_id"], {"holding": 0, "overdue": 0})

        def write(tx):
            taken = self.items.update_one(
                {"_id": item["_id"], "status": "available"},
                {"$set": {"status": "on_loan", "loan_id": doc["_id"]}}, session=tx.session)
            if taken.matched_count == 0:
                raise ItemUnavailable()
            borrower = self.db["borrowers"].update_one(
                {"_id": doc["resident_id"], "holding": 0, "overdue": 0},
                {"$inc": {"holding": 1}}, session=tx.session)
            if borrower.matched_count == 0:
                raise PatronBlocked()
            self.loans.insert_one(doc, session=tx.session)
            tx.emit("facilities.equipment_loaned", event)
            return doc

        return self.transaction(write)

    def return_loan(self, loan: dict, changes: dict, item_status: str, event: dict) -> dict:
        """Close the loan (active or overdue), put the item back (``available`` or
        ``maintenance``) and give the borrower's place back, in one transaction.

        Raises ``NotOnLoan`` when the loan was already returned."""
        def write(tx):
            was_overdue = False
            for status in ("active", "overdue"):
                closed = self.loans.update_one(
                    {"_id": loan["_id"], "status": status},
                    {"$set": {"status": "returned", **changes}}, session=tx.session)
                if closed.matched_count:
                    was_overdue = status == "overdue"
                    break
            else:
                raise NotOnLoan()
            self.items.update_one({"_id": loan["item_id"], "loan_id": loan["_id"]},
                                  {"$set": {"status": item_status},
                                   "$unset": {"loan_id": ""}}, session=tx.session)
            self.db["borrowers"].update_one(
                {"_id": loan["resident_id"]},
                {"$inc": {"holding": -1, "overdue": -1 if was_overdue else 0}},
                session=tx.session)
            tx.emit("facilities.equipment_returned", event)

        self.transaction(write)
        return self.loan(loan["_id"])

    def due_loans(self, as_of, community_id: str | None, limit: int) -> list[dict]:
        query = {"status": "active", "due_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.loans.find(query).limit(limit))

    def mark_overdue(self, loan: dict, as_of, event: dict) -> bool:
        """``active`` -> ``overdue`` and the borrower blocked, once."""
        def write(tx):
            moved = self.loans.update_one({"_id": loan["_id"], "status": "active"},
                                          {"$set": {"status": "overdue", "overdue_at": as_of}},
                                          session=tx.session)
            if moved.matched_count == 0:
                return False
            self.db["borrowers"].update_one({"_id": loan["resident_id"]},
                                            {"$inc": {"overdue": 1}}, session=tx.session)
            tx.emit("facilities.equipment_overdue", event)
            return True

        return self.transaction(write)

    def list_loans(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.loans, query, limit, cursor)

    def loans_started_by(self, item_id: str, at: dt.datetime, limit: int = 3) -> list[dict]:
        """The item's latest loans started at or before ``at``, latest first."""
        return list(self.loans.find({"item_id": item_id, "started_at": {"$lte": at}})
                    .sort("started_at", DESCENDING).limit(limit))

    # -- complaints ----------------------------------------------------------------------
    def add_complaint(self, doc: dict, event: dict) -> dict:
        def write(tx):
            self.complaints.insert_one(doc, session=tx.session)
            tx.emit("facilities.complaint_filed", event)
            return doc

        return self.transaction(write)

    def list_complaints(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.complaints, query, limit, cursor)

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _ensure(collection, key: str, fields: dict):
        """The counters document of ``key``, created at zero if missing (two first
        writers at once: one inserts, the other meets its key, and both go on)."""
        try:
            collection.update_one({"_id": key}, {"$setOnInsert": fields}, upsert=True)
        except DuplicateKeyError:
            pass

