"""The only module of the activities service that speaks Mongo.

Seats are a counter on the activity: a sign-up takes ``size`` seats with one
conditional ``update_one`` on ``{_id, remaining >= size, signup_closes_at > now}``;
a party that does not fit takes the next waitlist number (``$inc`` on the activity,
read back in the same transaction). One active sign-up per resident and activity is
a unique partial index. Every change of state is a conditional update on
``{_id, status: from}``, written with its events in one transaction; freed seats are
offered down the waitlist in the transaction that freed them."""
import threading
import weakref
from contextlib import contextmanager

from pymongo import ASCENDING

from services.activities import seating
from shared import clock
from shared.errors import Conflict, Invalid
from shared.mongo import Store, index, is_duplicate_key, unique
from shared.pagination import newest_first

ACTIVE_SIGNUP_INDEX = "one_active_signup_per_resident_and_activity"
WAITLIST_READ = 500  # parties looked at for one round of offers
TURN_SECONDS = 3


class SignupRefused(Exception):
    """The conditional write matched nothing: sign-up closed (or the activity gone)."""


class StateMoved(Exception):
    """The sign-up was no longer in the state the change started from."""


class ActivitiesStore(Store):
    service = "activities"
    indexes = {
        # every field of a list's filter in the index, the keyset's fields last (the
        # embedded server walks the collection for a filter field outside the index)
        "activities": [index("community_id", "ends_at", "-created_at", "-_id"),
                       index("community_id", "kind", "ends_at", "-created_at", "-_id"),
                       # an admin's list of every community
                       index("ends_at", "-created_at", "-_id"),
                       index("kind", "ends_at", "-created_at", "-_id")],
        "signups": [
            unique("activity_id", "resident_id", name=ACTIVE_SIGNUP_INDEX,
                   partialFilterExpression={"active": True}),
            index("activity_id", "status", "seq"),
            index("activity_id", "status", "-created_at", "-_id"),
            index("activity_id", "-created_at", "-_id"),
            index("resident_id", "-created_at", "-_id"),
            index("resident_id", "status", "-created_at", "-_id"),
            index("status", "offer_expires_at"),
            index("status", "community_id", "offer_expires_at"),
        ],
        # one invitation a resident and birthday gathering: _id "<activity>:<resident>"
        "invitations": [index("activity_id")],
        # residents' community and birth date, projected from residents.* events
        "members": [index("community_id", "birth_month")],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._turns = weakref.WeakValueDictionary()
        self._turns_lock = threading.Lock()

    @property
    def activities(self):
        return self.db["activities"]

    @property
    def signups(self):
        return self.db["signups"]

    @contextmanager
    def turn(self, activity_id: str):
        """This process's turn at writing one activity's seats. Not what keeps the
        limit (the conditional update does, across replicas): it keeps this replica's
        workers from piling into write conflicts on one hot document (measured: 16
        clients signing up for one course, 81/s with it, 20/s without). A turn that does
        not come within seconds is skipped: correctness never depended on it."""
        with self._turns_lock:
            lock = self._turns.get(activity_id)
            if lock is None:
                lock = self._turns[activity_id] = threading.Lock()
        held = lock.acquire(timeout=TURN_SECONDS)
        try:
            yield
        finally:
            if held:
                lock.release()

    # -- activities --------------------------------------------------------------
    def add_activity(self, doc: dict, guests: list[str], invitation) -> dict:
        """Publish the activity and, for a birthday gathering, invite each guest once
        (``invitation(resident_id)`` is the event's data)."""
        def write(tx):
            self.activities.insert_one(doc, session=tx.session)
            if guests:
                self.db["invitations"].insert_many(
                    [{"_id": f"{doc['_id']}:{guest}", "activity_id": doc["_id"],
                      "resident_id": guest, "at": doc["created_at"]} for guest in guests],
                    session=tx.session)
            for guest in guests:
                tx.emit("activities.invited", invitation(guest))
            return doc

        return self.transaction(write)

    def activity(self, activity_id: str) -> dict | None:
        return self.activities.find_one({"_id": activity_id})

    def list_activities(self, running_at, community_id: str | None, kind: str | None,
                        limit: int, cursor: str | None):
        """Activities still running at ``running_at`` (in a community, of a kind), newest
        first."""
        query: dict = {"ends_at": {"$gte": running_at}}
        if community_id:
            query["community_id"] = community_id
        if kind:
            query["kind"] = kind
        return newest_first(self.activities, query, limit, cursor)

    # -- sign-ups ----------------------------------------------------------------
    def signup(self, signup_id: str) -> dict | None:
        return self.signups.find_one({"_id": signup_id})

    def sign_up(self, activity: dict, doc: dict, seated_event, waiting_event) -> dict:
        """Seat the party whole, or put it on the waitlist whole; insert the sign-up.

        Raises ``SignupRefused`` past the sign-up's close, ``Conflict``
        (``already_signed_up``) for a second active sign-up."""
        size, now = doc["size"], doc["created_at"]
        open_filter = {"_id": activity["_id"], "signup_closes_at": {"$gt": now}}

        def write(tx):
            doc.pop("position", None)  # a retried transaction starts afresh
            seated = self.activities.update_one(
                {**open_filter, "remaining": {"$gte": size}},
                {"$inc": {"remaining": -size, "taken": size}}, session=tx.session)
            if seated.matched_count:
                doc.update(status="confirmed", confirmed_at=now)
                doc.pop("seq", None)
                self.signups.insert_one(doc, session=tx.session)
                tx.emit("activities.signup_confirmed", seated_event(doc))
                return doc
            queued = self.activities.update_one(
                open_filter, {"$inc": {"waitlist_seq": 1, "waiting": 1}}, session=tx.session)
            if not queued.matched_count:
                raise SignupRefused()
            line = self.activities.find_one({"_id": activity["_id"]},
                                            {"waitlist_seq": 1, "waiting": 1}, session=tx.session)
            doc.update(status="waitlisted", seq=line["waitlist_seq"])
            self.signups.insert_one(doc, session=tx.session)
            doc["position"] = line["waiting"]  # the newest in line: behind every other
            tx.emit("activities.signup_waitlisted", waiting_event(doc))
            return doc

        try:
            with self.turn(activity["_id"]):
                return self.transaction(write)
        except Exception as exc:
            if is_duplicate_key(exc):
                raise Conflict("you already have a sign-up for this activity",
                               code="already_signed_up") from exc
            raise

    def position(self, signup: dict) -> int | None:
        """1 + the parties waiting ahead (an indexed find: a count would be an
        aggregate, which the embedded server answers by walking the collection)."""
        if signup["status"] != "waitlisted":
            return None
        ahead = self.signups.find({"activity_id": signup["activity_id"], "status": "waitlisted",
                                   "seq": {"$lt": signup["seq"]}}, {"_id": 1})
        return 1 + len(list(ahead))

    def waitlist_positions(self, activity_id: str) -> dict[int, int]:
        seqs = [d["seq"] for d in self.signups.find(
            {"activity_id": activity_id, "status": "waitlisted"}, {"seq": 1})]
        return seating.positions(seqs)

    def list_signups(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.signups, query, limit, cursor)

    def leave(self, activity: dict, signup: dict, to_status: str, now, event, offer_event,
              extra_filter: dict | None = None) -> bool:
        """``signup`` leaves (cancelled, declined, expired): its seats, or its place in
        line, are given back, and freed seats are offered down the waitlist, all in one
        transaction. False when the sign-up had moved on meanwhile."""
        held = signup["status"] in ("confirmed", "offered")

        def write(tx):
            left = self.signups.update_one(
                {"_id": signup["_id"], "status": signup["status"], **(extra_filter or {})},
                {"$set": {"status": to_status, f"{to_status}_at": now},
                 "$unset": {"active": ""}}, session=tx.session)
            if not left.matched_count:
                return False
            back = ({"remaining": signup["size"], "taken": -signup["size"]} if held
                    else {"waiting": -1})
            self.activities.update_one({"_id": activity["_id"]}, {"$inc": back},
                                       session=tx.session)
            if event is not None:
                tx.emit(event[0], event[1])
            if held and seating.offers_still_made(now, activity["starts_at"]):
                self._offer(tx, activity, now, offer_event)
            return True

        with self.turn(activity["_id"]):
            return self.transaction(write)

    def _offer(self, tx, activity: dict, now, offer_event):
        """Offer the activity's free seats to the waiting parties, in order, while they
        fit (``seating.offers_for``); each becomes ``offered`` and is told."""
        free = self.activities.find_one({"_id": activity["_id"]}, {"remaining": 1},
                                        session=tx.session)["remaining"]
        if free <= 0:
            return
        waiting = list(self.signups.find(
            {"activity_id": activity["_id"], "status": "waitlisted"}, session=tx.session)
            .sort("seq", ASCENDING).limit(WAITLIST_READ))
        offers = seating.offers_for(waiting, free)
        if not offers:
            return
        seats = sum(party["size"] for party in offers)
        held = self.activities.update_one(
            {"_id": activity["_id"], "remaining": {"$gte": seats}},
            {"$inc": {"remaining": -seats, "taken": seats, "waiting": -len(offers)}},
            session=tx.session)
        if not held.matched_count:
            raise StateMoved()  # cannot happen inside the transaction; never offer blind
        expires = seating.offer_expires_at(now, activity["starts_at"])
        for party in offers:
            moved = self.signups.update_one(
                {"_id": party["_id"], "status": "waitlisted"},
                {"$set": {"status": "offered", "offered_at": now, "offer_expires_at": expires},
                 "$unset": {"seq": ""}}, session=tx.session)
            if not moved.matched_count:
                raise StateMoved()
            party.update(status="offered", offer_expires_at=expires)
            tx.emit("activities.seat_offered", offer_event(party))

    def accept(self, signup: dict, now, event: dict) -> bool:
        """``offered`` -> ``confirmed`` while the offer holds (its seats are already
        counted as taken)."""
        def write(tx):
            accepted = self.signups.update_one(
                {"_id": signup["_id"], "status": "offered", "offer_expires_at": {"$gt": now}},
                {"$set": {"status": "confirmed", "confirmed_at": now}}, session=tx.session)
            if not accepted.matched_count:
                return False
            tx.emit("activities.signup_confirmed", event)
            return True

        return self.transaction(write)

    def record_attendance(self, signup: dict, now, by: str, event: dict) -> bool:
        """Mark a confirmed party attended, once; the event (and so the points) with it."""
        def write(tx):
            marked = self.signups.update_one(
                {"_id": signup["_id"], "status": "confirmed", "attended": False},
                {"$set": {"attended": True, "attended_at": now, "attendance_by": by}},
                session=tx.session)
            if not marked.matched_count:
                return False
            tx.emit("activities.attendance_recorded", event)
            return True

        return self.transaction(write)

    # -- jobs ----------------------------------------------------------------------
    def offers_due(self, as_of, community_id: str | None, limit: int = 500) -> list[dict]:
        query = {"status": "offered", "offer_expires_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.signups.find(query).limit(limit))

    # -- members (a projection of the residents service) --------------------------------
    def remember_member(self, resident_id: str, fields: dict, version: int) -> bool:
        """Keep the newest known community and birth date of a resident; an older or
        repeated event changes nothing."""
        try:
            self.db["members"].update_one({"_id": resident_id, "version": {"$lt": version}},
                                          {"$set": {**fields, "version": version}}, upsert=True)
        except Exception as exc:
            if is_duplicate_key(exc):
                return False
            raise
        return True

    def members_born_in(self, community_id: str, month: int) -> list[dict]:
        return list(self.db["members"].find({"community_id": community_id, "birth_month": month},
                                            {"birth_date": 1, "role": 1}))


def closed(closes_at) -> Invalid:
    return Invalid("sign-up for this activity has closed", code="signup_closed",
                   details={"signup_closes_at": [f"closed at {clock.local_iso(closes_at)}"]})
