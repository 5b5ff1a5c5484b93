"""Facilities: function rooms (open around the clock or within hours) booked on a
30-minute grid, checked in at the door by its QR code, walk-ins and no-shows; shared
equipment (speakers) lent under rules of volume and hours, returns, maintenance,
overdue loans and noise complaints.

RPC for other services (every method takes the caller first, as the gateway sends it):
``list_rooms``, ``room_day(actor, room_id, query)``, ``list_room_bookings``,
``list_items``, ``list_loans``.

Longer than the ~300 lines of the style guide because it holds 21 entrypoints, two
capabilities that share the borrower, the community and the notices; each entrypoint
is a dozen lines of load, decide (``rooms.py``, ``equipment.py``), store, emit."""
import datetime as dt

from nameko.rpc import RpcProxy

from services.facilities import equipment as lending
from services.facilities import events, schemas
from services.facilities import rooms as rules
from services.facilities.jobs import schedule
from services.facilities.storage import (FacilitiesStore, ItemUnavailable, LimitReached,
                                         NotOnLoan, PatronBlocked, SlotTaken)
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Conflict, Forbidden, Invalid, NotFound, Unavailable, found
from shared.mongo import Mongo, is_duplicate_key, new_id
from shared.rpc import require_community, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("facilities")

DOOR_CODE_ATTEMPTS = 8


def _room(doc, who):
    answer = {"id": doc["_id"], "name": doc["name"], "community_id": doc["community_id"],
              "kind": doc["kind"], "capacity": doc["capacity"], "opening": doc["opening"],
              "private": doc["private"], "max_minutes": doc["max_minutes"],
              "created_at": clock.iso(doc["created_at"])}
    if who.manages(doc["community_id"]):
        answer["door_code"] = doc["door_code"]
    return answer


def _booking(doc):
    opens, closes = rules.check_in_window(doc["start"])
    return {"id": doc["_id"], "room_id": doc["room_id"], "room_name": doc["room_name"],
            "community_id": doc["community_id"], "resident_id": doc["resident_id"],
            "start": clock.local_iso(doc["start"]), "end": clock.local_iso(doc["end"]),
            "purpose": doc["purpose"], "status": doc["status"], "walk_in": doc["walk_in"],
            "check_in_opens_at": clock.local_iso(opens),
            "check_in_closes_at": clock.local_iso(closes),
            "created_at": clock.iso(doc["created_at"]),
            "cancelled_at": clock.iso(doc.get("cancelled_at")),
            "checked_in_at": clock.iso(doc.get("checked_in_at"))}


def _slot(doc, view):
    """A booking in a room's day view, as much as ``view`` allows (rules.view_of)."""
    if view == "full":
        return _booking(doc)
    times = {"start": clock.local_iso(doc["start"]), "end": clock.local_iso(doc["end"])}
    if view == "taken":
        return {**times, "status": "taken"}
    return {"id": doc["_id"], **times, "status": doc["status"]}


def _item(doc):
    return {"id": doc["_id"], "name": doc["name"], "kind": doc["kind"],
            "community_id": doc["community_id"], "code": doc["code"], "rules": doc["rules"],
            "status": doc["status"], "loan_id": doc.get("loan_id"),
            "created_at": clock.iso(doc["created_at"])}


def _loan(doc):
    return {"id": doc["_id"], "item_id": doc["item_id"], "item_name": doc["item_name"],
            "code": doc["code"], "community_id": doc["community_id"],
            "resident_id": doc["resident_id"], "status": doc["status"], "rules": doc["rules"],
            "started_at": clock.local_iso(doc["started_at"]),
            "due_at": clock.local_iso(doc["due_at"]),
            "returned_at": clock.local_iso(doc.get("returned_at")),
            "condition": doc.get("condition"), "note": doc.get("note")}


def _complaint(doc):
    return {"id": doc["_id"], "item_id": doc["item_id"], "item_name": doc["item_name"],
            "code": doc["code"], "community_id": doc["community_id"],
            "description": doc["description"], "at": clock.local_iso(doc["at"]),
            "loan_id": doc["loan_id"], "borrower_id": doc["borrower_id"],
            "complainant_id": doc["complainant_id"], "created_at": clock.iso(doc["created_at"])}


def _page(docs, next_cursor, shape):
    return {"items": [shape(d) for d in docs], "next_cursor": next_cursor}


def _slot_taken():
    return Conflict("the room is already booked for part of that time", code="slot_taken")


def _wrong_door():
    return Invalid("that is not this room's door code", code="wrong_door_code",
                   details={"door_code": ["not this room's code"]})


class FacilitiesService(chassis.LinliService):
    name = "facilities"
    store = Mongo(FacilitiesStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- rooms -------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_room(self, actor, payload):
        """Staff of the community: open a function room. The answer carries its
        ``door_code`` (what the door's QR label encodes)."""
        who = Actor.of(actor)
        data = load(schemas.NewRoom, payload)
        who.require_manager(data["community_id"], "only staff of that community open rooms there")
        require_community(self.residents, data["community_id"])
        for _ in range(DOOR_CODE_ATTEMPTS):
            doc = {"_id": new_id(), **data, "door_code": rules.new_door_code(),
                   "created_at": clock.now()}
            try:
                return _room(self.store.add_room(doc), who)
            except Exception as exc:  # a door code drawn twice: draw again
                if not is_duplicate_key(exc):
                    raise
        raise Unavailable("could not find a free door code; try again", code="busy")

    @rpc(expected_exceptions=EXPECTED)
    def list_rooms(self, actor, query):
        """Rooms of ``community_id`` (default: the caller's own; an admin without one
        sees every community's), newest first. ``door_code`` for staff only."""
        who = Actor.of(actor)
        data = load(schemas.RoomQuery, query)
        community_id = data["community_id"] or who.community_id
        filters = {"community_id": community_id} if community_id else {}
        if data["kind"]:
            filters["kind"] = data["kind"]
            if not community_id:
                raise Invalid("name the community", details={"community_id": ["required with kind"]})
        docs, next_cursor = self.store.list_rooms(filters, data["limit"], data["cursor"])
        return _page(docs, next_cursor, lambda d: _room(d, who))

    @rpc(expected_exceptions=EXPECTED)
    def get_room(self, actor, room_id):
        """One room (``door_code`` for its staff only)."""
        who = Actor.of(actor)
        return _room(found(self.store.room(room_id), "room"), who)

    @rpc(expected_exceptions=EXPECTED)
    def room_by_door(self, actor, door_code):
        """The room whose door label carries ``door_code`` (the page a door's QR opens)."""
        who = Actor.of(actor)
        load(schemas.DoorCode, {"door_code": door_code})
        room = found(self.store.room_by_door(door_code), "room")
        return {**_room(room, who), "door_code": room["door_code"]}

    @rpc(expected_exceptions=EXPECTED)
    def room_day(self, actor, room_id, query):
        """A room's active bookings on ``date`` (default today), by start. Who booked and
        why only for the booker and staff; of a private room, other residents see only
        that the time is taken."""
        who = Actor.of(actor)
        room = found(self.store.room(room_id), "room")
        day = load(schemas.DayQuery, query)["date"] or clock.today_local()
        docs = sorted(self.store.day_bookings(room_id, day.isoformat()), key=lambda d: d["start"])
        manages = who.manages(room["community_id"])
        return {"items": [_slot(d, rules.view_of(who.id, manages, d, room)) for d in docs],
                "next_cursor": None}

    # -- room bookings -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def book_room(self, actor, payload):
        """Book a room from ``start`` to ``end`` (30-minute grid). Overlap: 409
        ``slot_taken``; 2 future bookings held already: 409 ``limit_reached``; in the
        past, off the grid, too long or outside the opening hours: 422."""
        who = Actor.of(actor)
        data = load(schemas.NewRoomBooking, payload)
        room = self.store.room(data["room_id"])
        if room is None:
            raise Invalid("no such room", details={"room_id": ["unknown room"]})
        start, end = clock.as_utc(data["start"]), clock.as_utc(data["end"])
        problems = rules.booking_problems(start, end, clock.now(), room["opening"],
                                          room["max_minutes"])
        if problems:
            raise Invalid("these times cannot be booked", details=problems)
        return self._book(who, room, start, end, data["purpose"], walk_in=False)

    @rpc(expected_exceptions=EXPECTED)
    def walk_in(self, actor, room_id, payload):
        """At the door: a booking from now (rounded down to the grid) for ``minutes``,
        already checked in, when the room is free that long; else 409 ``slot_taken``.
        A wrong door code: 422."""
        who = Actor.of(actor)
        data = load(schemas.WalkIn, payload)
        room = found(self.store.room(room_id), "room")
        if data["door_code"].upper() != room["door_code"]:
            raise _wrong_door()
        now = clock.now()
        problems = rules.walk_in_problems(now, data["minutes"], room["opening"], room["max_minutes"])
        if problems:
            raise Invalid("the room cannot be taken for that long now", details=problems)
        start, end = rules.walk_in_period(now, data["minutes"])
        try:
            return self._book(who, room, start, end, "", walk_in=True)
        except Conflict:
            # a booking whose holder never came is released first (no waiting for the
            # sweep), then the door is tried once more
            if not self._release_no_shows_of(room_id, now):
                raise
        return self._book(who, room, start, end, "", walk_in=True)

    def _book(self, who, room, start, end, purpose, walk_in):
        now = clock.now()
        doc = {"_id": new_id(), "room_id": room["_id"], "room_name": room["name"],
               "community_id": room["community_id"], "resident_id": who.id,
               "start": start, "end": end, "purpose": purpose,
               "status": "checked_in" if walk_in else "booked", "active": True,
               "holds_place": not walk_in, "walk_in": walk_in,
               "cells": [rules.cell_key(room["_id"], c) for c in rules.cells(start, end)],
               "days": rules.local_days(start, end), "no_show_at": rules.no_show_at(start),
               "created_at": now}
        if walk_in:
            doc["checked_in_at"] = now
        try:
            return _booking(self.store.add_booking(doc, doc["cells"], events.booking_event(doc)))
        except SlotTaken:
            raise _slot_taken() from None
        except LimitReached:
            raise Conflict(f"you already hold {rules.MAX_FUTURE_BOOKINGS} future bookings",
                           code="limit_reached") from None

    def _release_no_shows_of(self, room_id, now) -> int:
        released = 0
        for doc in self.store.day_bookings(room_id, rules.local(now).date().isoformat()):
            if doc["status"] == "booked" and clock.as_utc(doc["no_show_at"]) <= now:
                released += self.store.release_booking(
                    doc, "no_show", {"no_show_marked_at": now}, {},
                    "facilities.room_no_show", events.booking_event(doc))
        return released

    @rpc(expected_exceptions=EXPECTED)
    def cancel_room_booking(self, actor, booking_id):
        """The booker or staff, before the start: ``cancelled``, the time free at once.
        At or after the start, or not ``booked``: 409."""
        who = Actor.of(actor)
        doc = self._visible_booking(who, booking_id)
        now = clock.now()
        if doc["status"] != "booked":
            raise Conflict(f"a {doc['status']} booking cannot be cancelled",
                           code="illegal_transition")
        if not rules.may_cancel(doc["start"], now):
            raise Conflict("the booking has started", code="already_started")
        changed = self.store.release_booking(
            doc, "cancelled", {"cancelled_at": now, "cancelled_by": who.id},
            {"start": {"$gt": now}}, "facilities.room_booking_cancelled",
            events.booking_event(doc))
        if not changed:
            raise Conflict("the booking changed meanwhile", code="illegal_transition")
        return _booking(self.store.booking(booking_id))

    @rpc(expected_exceptions=EXPECTED)
    def check_in(self, actor, booking_id, payload):
        """The booker at the door, from 10 minutes before the start to 15 after it:
        ``checked_in``. Wrong door code: 422; outside the window: 409."""
        who = Actor.of(actor)
        data = load(schemas.DoorCode, payload)
        doc = found(self.store.booking(booking_id), "room booking")
        if doc["resident_id"] != who.id:
            raise Forbidden("only the booker checks in")
        if doc["status"] != "booked":
            raise Conflict(f"a {doc['status']} booking cannot be checked in",
                           code="illegal_transition")
        room = self.store.room(doc["room_id"])
        if data["door_code"].upper() != room["door_code"]:
            raise _wrong_door()
        now = clock.now()
        if not rules.may_check_in(doc["start"], now):
            opens, closes = rules.check_in_window(doc["start"])
            raise Conflict("check-in is open from 10 minutes before the start to 15 after it",
                           code="outside_check_in_window",
                           details={"opens_at": clock.local_iso(opens),
                                    "closes_at": clock.local_iso(closes)})
        if not self.store.check_in(doc, now):
            raise Conflict("the booking changed meanwhile", code="illegal_transition")
        return _booking(self.store.booking(booking_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_room_bookings(self, actor, query):
        """Own bookings, newest first; staff with ``room_id`` (and ``date``) see that
        room's."""
        who = Actor.of(actor)
        data = load(schemas.RoomBookingQuery, query)
        if data["room_id"] and (who.is_staff or who.is_admin):
            room = found(self.store.room(data["room_id"]), "room")
            who.require_manager(room["community_id"], "only staff of this room's community")
            filters = {"room_id": data["room_id"]}
        else:
            filters = {"resident_id": who.id}
            if data["room_id"]:
                filters["room_id"] = data["room_id"]
        if data["date"]:
            if "room_id" not in filters:
                raise Invalid("name the room", details={"room_id": ["required with date"]})
            filters["days"] = data["date"].isoformat()
        docs, next_cursor = self.store.list_bookings(filters, data["limit"], data["cursor"])
        return _page(docs, next_cursor, _booking)

    @rpc(expected_exceptions=EXPECTED)
    def get_room_booking(self, actor, booking_id):
        """One booking: its booker, or staff of its community."""
        return _booking(self._visible_booking(Actor.of(actor), booking_id))

    def _visible_booking(self, who, booking_id):
        doc = found(self.store.booking(booking_id), "room booking")
        if doc["resident_id"] != who.id and not who.manages(doc["community_id"]):
            raise NotFound("no such room booking")
        return doc

    # -- equipment ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_item(self, actor, payload):
        """Staff: register an item with its QR ``code`` and rules (allowed hours, maximum
        volume). A code in use: 409 ``code_taken``."""
        who = Actor.of(actor)
        data = load(schemas.NewItem, payload)
        who.require_manager(data["community_id"], "only staff of that community lend items there")
        require_community(self.residents, data["community_id"])
        doc = {"_id": new_id(), **data, "status": "available", "created_at": clock.now()}
        try:
            return _item(self.store.add_item(doc))
        except Exception as exc:
            if not is_duplicate_key(exc):
                raise
            raise Conflict("an item already has this code", code="code_taken",
                           details={"code": ["already in use"]}) from None

    @rpc(expected_exceptions=EXPECTED)
    def list_items(self, actor, query):
        """Items of ``community_id`` (default the caller's), ``kind`` narrows."""
        who = Actor.of(actor)
        data = load(schemas.ItemQuery, query)
        community_id = data["community_id"] or who.community_id
        filters = {"community_id": community_id} if community_id else {}
        if data["kind"]:
            if not community_id:
                raise Invalid("name the community", details={"community_id": ["required with kind"]})
            filters["kind"] = data["kind"]
        docs, next_cursor = self.store.list_items(filters, data["limit"], data["cursor"])
        return _page(docs, next_cursor, _item)

    @rpc(expected_exceptions=EXPECTED)
    def get_item(self, actor, item_id):
        Actor.of(actor)
        return _item(found(self.store.item(item_id), "item"))

    @rpc(expected_exceptions=EXPECTED)
    def item_by_code(self, actor, code):
        """The item whose label carries ``code`` (the page an item's QR opens)."""
        Actor.of(actor)
        return _item(found(self.store.item_by_code(code), "item"))

    def _item_coded(self, code):
        """The item a body names by its label code; 422 naming ``code`` when none has it."""
        item = self.store.item_by_code(code)
        if item is None:
            raise Invalid("no item has this code", details={"code": ["unknown code"]})
        return item

    @rpc(expected_exceptions=EXPECTED)
    def borrow(self, actor, payload):
        """Borrow an item by its code, accepting its rules. Only inside today's allowed
        window (422), due at its end. Not available: 409 ``not_available``; holding one
        already or overdue: 409 ``patron_blocked``."""
        who = Actor.of(actor)
        data = load(schemas.NewLoan, payload)
        item = self._item_coded(data["code"])
        now = clock.now()
        due = lending.due_at(item["rules"]["allowed"], now)
        if due is None:
            allowed = item["rules"]["allowed"]
            raise Invalid(f"this item may be used only {allowed['start']}-{allowed['end']}",
                          code="outside_allowed_hours",
                          details={"code": [f"borrow between {allowed['start']} and {allowed['end']}"]})
        doc = {"_id": new_id(), "item_id": item["_id"], "item_name": item["name"],
               "code": item["code"], "community_id": item["community_id"],
               "resident_id": who.id, "status": "active", "rules": item["rules"],
               "started_at": now, "due_at": due, "created_at": now}
        try:
            return _loan(self.store.add_loan(item, doc, events.loan_event(doc)))
        except ItemUnavailable:
            current = self.store.item(item["_id"])
            raise Conflict(f"this item is {current['status'].replace('_', ' ')}",
                           code="not_available", details={"status": current["status"]}) from None
        except PatronBlocked:
            raise Conflict("return the item you hold (or an overdue one) first",
                           code="patron_blocked") from None

    @rpc(expected_exceptions=EXPECTED)
    def return_item(self, actor, payload):
        """The borrower or staff: return an item with its condition. ``damaged`` puts
        it in ``maintenance``. Not on loan: 409 ``not_on_loan``."""
        who = Actor.of(actor)
        data = load(schemas.Return, payload)
        item = self._item_coded(data["code"])
        if not item.get("loan_id"):
            raise Conflict("this item is not on loan", code="not_on_loan")
        loan = self.store.loan(item["loan_id"])
        who.require_self_or_manager(loan["resident_id"], item["community_id"],
                                    "only the borrower or staff return an item")
        now = clock.now()
        item_status = lending.item_after_return(data["condition"])
        changes = {"returned_at": now, "condition": data["condition"], "note": data["note"],
                   "returned_by": who.id}
        event = {k: v for k, v in events.loan_event(loan).items()
                 if k not in ("due_at", "due_local", "max_volume_db")}
        event.update(condition=data["condition"], item_status=item_status)
        try:
            returned = self.store.return_loan(loan, changes, item_status, event)
        except NotOnLoan:
            raise Conflict("this item is not on loan", code="not_on_loan") from None
        return {"loan": _loan(returned), "item": _item(self.store.item(item["_id"]))}

    @rpc(expected_exceptions=EXPECTED)
    def restore_item(self, actor, item_id):
        """Staff: an item back from maintenance, ``available``. Not in maintenance: 409."""
        who = Actor.of(actor)
        item = found(self.store.item(item_id), "item")
        who.require_manager(item["community_id"], "only staff of this item's community")
        if not self.store.restore(item_id):
            raise Conflict(f"a {item['status']} item cannot be restored", code="illegal_transition")
        return _item(self.store.item(item_id))

    @rpc(expected_exceptions=EXPECTED)
    def list_loans(self, actor, query):
        """Own equipment loans; staff: their community's; newest first."""
        who = Actor.of(actor)
        data = load(schemas.LoanQuery, query)
        if who.is_staff or who.is_admin:
            filters = {"community_id": who.community_id} if who.community_id else {}
        else:
            filters = {"resident_id": who.id}
        docs, next_cursor = self.store.list_loans(filters, data["limit"], data["cursor"])
        return _page(docs, next_cursor, _loan)

    # -- complaints --------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def file_complaint(self, actor, payload):
        """Any resident: a noise complaint about an item, at ``at`` (default now),
        linked to the loan out at that instant (``loan_id``, or null). The borrower and
        the community's staff are told."""
        who = Actor.of(actor)
        data = load(schemas.NewComplaint, payload)
        item = self._item_coded(data["code"])
        now = clock.now()
        at = clock.as_utc(data["at"]) if data["at"] else now
        if at > now + dt.timedelta(minutes=5):
            raise Invalid("a complaint is about something that happened",
                          details={"at": ["not in the future"]})
        loan = lending.loan_at(self.store.loans_started_by(item["_id"], at), at)
        doc = {"_id": new_id(), "item_id": item["_id"], "item_name": item["name"],
               "code": item["code"], "community_id": item["community_id"],
               "description": data["description"], "at": at,
               "loan_id": loan["_id"] if loan else None,
               "borrower_id": loan["resident_id"] if loan else None,
               "complainant_id": who.id, "created_at": now}
        event = {"complaint_id": doc["_id"], "community_id": doc["community_id"],
                 "item_id": item["_id"], "item_name": item["name"], "code": item["code"],
                 "loan_id": doc["loan_id"], "resident_id": doc["borrower_id"],
                 "description": doc["description"], "at": at, "at_local": events.shown(at)}
        return _complaint(self.store.add_complaint(doc, event))

    @rpc(expected_exceptions=EXPECTED)
    def list_complaints(self, actor, query):
        """Staff: their community's complaints, newest first (``item_id`` narrows)."""
        who = Actor.of(actor).require_staff()
        data = load(schemas.ComplaintQuery, query)
        community_id = who.in_community(data["community_id"])
        filters = {"community_id": community_id} if community_id else {}
        if data["item_id"]:
            filters = {"item_id": data["item_id"]}
            item = found(self.store.item(data["item_id"]), "item")
            who.require_manager(item["community_id"], "only staff of this item's community")
        docs, next_cursor = self.store.list_complaints(filters, data["limit"], data["cursor"])
        return _page(docs, next_cursor, _complaint)
