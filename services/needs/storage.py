"""The only module of the needs service that speaks Mongo.

Every step of a need or a wish is one conditional ``update_one`` on ``{_id, status:
<expected>}`` inside the transaction that writes its events, so of racing steps (30
residents claiming one wish) exactly one matches and the others get 409. Lists page
newest first on their own indexes (``shared/pagination.py``)."""
import datetime as dt

from services.needs import needlist, wall
from shared import clock
from shared.errors import Conflict
from shared.mongo import Store, index, new_id
from shared.pagination import newest_first, newest_first_in_memory

ROUTING_LOCK_SECONDS = 60  # a route whose process died frees the need after this long
OWN_NEEDS_LIMIT = 500  # a resident's own needs, read whole to filter


class NeedsStore(Store):
    service = "needs"
    indexes = {
        "needs": [index("resident_id", "-created_at", "-_id"),
                  index("community_id", "-created_at", "-_id"),
                  index("community_id", "status", "-created_at", "-_id"),
                  index("community_id", "category", "-created_at", "-_id"),
                  index("community_id", "status", "category", "-created_at", "-_id"),
                  index("ref_id")],
        "wishes": [index("community_id", "-created_at", "-_id"),
                   index("community_id", "on_wall", "-created_at", "-_id"),
                   index("community_id", "status", "-created_at", "-_id"),
                   index("wisher_id", "-created_at", "-_id"),
                   index("claimer_id", "-created_at", "-_id"),
                   index("status", "claim_due_at"),
                   index("status", "community_id", "claim_due_at")],
    }

    def __init__(self, mongo_client=None):
        super().__init__(mongo_client)
        self.needs = self.db["needs"]
        self.wishes = self.db["wishes"]

    # -- needs ---------------------------------------------------------------
    def add_need(self, doc: dict, event: dict) -> dict:
        def write(tx):
            self.needs.insert_one(doc, session=tx.session)
            tx.emit("needs.need_recorded", event)
            return doc

        return self.transaction(write)

    def need(self, need_id: str) -> dict | None:
        return self.needs.find_one({"_id": need_id})

    def list_needs(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.needs, query, limit, cursor)

    def own_needs(self, resident_id: str, wanted: dict, limit: int, cursor: str | None):
        """A resident's own needs filtered by ``wanted`` (status, category): they are
        few, so they are read whole on the resident's index and filtered here."""
        mine = self.needs.find({"resident_id": resident_id}).sort(
            [("created_at", -1), ("_id", -1)]).limit(OWN_NEEDS_LIMIT)
        kept = [d for d in mine if all(d.get(k) == v for k, v in wanted.items())]
        return newest_first_in_memory(kept, limit, cursor)

    def need_rows(self, community_id: str) -> list[dict]:
        return list(self.needs.find({"community_id": community_id},
                                    {"category": 1, "status": 1, "_id": 0}))

    def _move_need(self, tx, need_id: str, action: str, status: str, changes: dict,
                   unset: dict | None = None, extra_filter: dict | None = None) -> dict:
        to = needlist.next_status(status, action)
        update = {"$set": {**changes, "status": to, "updated_at": clock.now()}}
        if unset:
            update["$unset"] = unset
        matched = self.needs.update_one({"_id": need_id, "status": status, **(extra_filter or {})},
                                        update, session=tx.session).matched_count
        if not matched:
            raise Conflict("the need changed meanwhile; this step no longer applies",
                           code="illegal_transition", details={"expected": status})
        return self.needs.find_one({"_id": need_id}, session=tx.session)

    def hold_for_routing(self, need_id: str) -> bool:
        """Take an open need for routing (one router at a time) while the volunteer
        service is asked; a hold older than a minute is a router that died."""
        now = clock.now()
        stale = now - dt.timedelta(seconds=ROUTING_LOCK_SECONDS)
        return bool(self.needs.update_one(
            {"_id": need_id, "status": "open", "routing_since": {"$not": {"$gt": stale}}},
            {"$set": {"routing_since": now}}).matched_count)

    def release_routing(self, need_id: str):
        self.needs.update_one({"_id": need_id}, {"$unset": {"routing_since": ""}})

    def route_need(self, need: dict, ref: dict, event: dict, wish: dict | None = None,
                   wish_event: dict | None = None) -> dict:
        """The need becomes ``routed`` to ``ref`` (with the new wish, when it is one)."""
        def write(tx):
            if wish:
                self.wishes.insert_one(wish, session=tx.session)
                tx.emit("needs.wish_submitted", wish_event)
            doc = self._move_need(tx, need["_id"], "route", "open",
                                  {"ref": ref, "ref_id": ref["id"]}, unset={"routing_since": ""})
            tx.emit("needs.need_routed", event)
            return doc

        return self.transaction(write)

    def need_routed_to(self, ref_id: str) -> dict | None:
        return self.needs.find_one({"ref_id": ref_id})

    def resolve_need(self, tx, need: dict, event_of) -> dict | None:
        """In ``tx``: a routed need becomes ``resolved``; None when it is not routed
        (closed by staff meanwhile)."""
        try:
            doc = self._move_need(tx, need["_id"], "resolve", "routed",
                                  {"resolved_at": clock.now()})
        except Conflict:
            return None
        tx.emit("needs.need_resolved", event_of(doc))
        return doc

    def reopen_need(self, tx, need: dict) -> dict | None:
        """In ``tx``: a routed need is ``open`` again, what it was routed to kept in
        ``earlier_refs``; None when it is not routed any more."""
        try:
            doc = self._move_need(tx, need["_id"], "reopen", "routed", {"ref": None, "ref_id": None})
        except Conflict:
            return None
        self.needs.update_one({"_id": need["_id"]}, {"$push": {"earlier_refs": need["ref"]}},
                              session=tx.session)
        return doc

    def close_need(self, need: dict, changes: dict, event_of) -> dict:
        def write(tx):
            doc = self._move_need(tx, need["_id"], "close", need["status"], changes)
            tx.emit("needs.need_closed", event_of(doc))
            return doc

        return self.transaction(write)

    # -- wishes --------------------------------------------------------------
    def add_wish(self, doc: dict, event: dict) -> dict:
        def write(tx):
            self.wishes.insert_one(doc, session=tx.session)
            tx.emit("needs.wish_submitted", event)
            return doc

        return self.transaction(write)

    def wish(self, wish_id: str) -> dict | None:
        return self.wishes.find_one({"_id": wish_id})

    def list_wishes(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.wishes, query, limit, cursor)

    def move_wish(self, wish: dict, action: str, changes: dict, event_type: str | None,
                  event_of=None, unset: dict | None = None, extra_filter: dict | None = None,
                  then=None) -> dict:
        """One step of ``wish`` (as read): a conditional update on its status, the
        event, and ``then(tx, doc)`` (the need it resolves), in one transaction. A step
        that another one beat answers the 409 of the wish as it now is."""
        to = wall.next_status(wish["status"], action)

        def write(tx):
            update = {"$set": {**changes, "status": to, "updated_at": clock.now()}}
            if unset:
                update["$unset"] = unset
            matched = self.wishes.update_one(
                {"_id": wish["_id"], "status": wish["status"], **(extra_filter or {})},
                update, session=tx.session).matched_count
            if not matched:
                now = self.wishes.find_one({"_id": wish["_id"]}, {"status": 1},
                                           session=tx.session)
                wall.next_status(now["status"], action)  # raises the conflict as it is now
                raise Conflict("the wish changed meanwhile; this step no longer applies",
                               code="illegal_transition", details={"expected": wish["status"]})
            doc = self.wishes.find_one({"_id": wish["_id"]}, session=tx.session)
            if event_type:
                tx.emit(event_type, event_of(doc))
            if then:
                then(tx, doc)
            return doc

        return self.transaction(write)

    def claims_due(self, as_of: dt.datetime, community_id: str | None, limit: int) -> list[dict]:
        """The oldest ``limit`` claims unfulfilled past their due instant."""
        query = {"status": "claimed", "claim_due_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.wishes.find(query).sort("claim_due_at", 1).limit(limit))


def new_need(fields: dict) -> dict:
    now = clock.now()
    return {"_id": new_id(), "status": "open", "ref": None, "resolution": None,
            "resolved_at": None, "closed_at": None, "created_at": now, "updated_at": now,
            **fields}


def new_wish(fields: dict) -> dict:
    now = clock.now()
    return {"_id": new_id(), "status": "pending_review", "on_wall": False, "points": None,
            "need_id": None, "claimer_id": None, "claimer_name": None, "claimer_phone": None,
            "claimed_at": None, "claim_due_at": None, "fulfil_note": None, "fulfilled_at": None,
            "thanks": None, "closed_at": None, "reject_reason": None, "created_at": now,
            "updated_at": now, **fields}
