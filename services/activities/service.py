"""Activities: classes, weekend courses, talks, screenings and the monthly birthday
gathering for elders. Parties of 1-4 sign up and are seated whole or waitlisted
whole; freed seats are offered down the waitlist with offers that expire; staff mark
attendance, which earns points in the volunteer service's ledger (through the
``activities.attendance_recorded`` event, credited there once).

Birth dates for the birthday gathering come from a projection of ``residents.*``
events (``members``), kept like the canteen's diners: publishing a gathering then
reads one indexed query of its own database, never pages through another service.

RPC for other services (the caller first, as the gateway sends it):
``create_activity``, ``list_activities``, ``get_activity``, ``sign_up``,
``cancel_signup``, ``accept_offer``, ``decline_offer``, ``roster``,
``list_signups``, ``record_attendance``."""
from nameko.rpc import RpcProxy

from services.activities import notices, schemas, seating
from services.activities.jobs import pass_seats_on, schedule
from services.activities.storage import ActivitiesStore, SignupRefused, closed
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Conflict, Invalid, NotFound, found
from shared.events import handles
from shared.mongo import Mongo, new_id
from shared.rpc import require_community, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("activities")

activity_out, signup_out = schemas.ActivityOut(), schemas.SignupOut()


def _activity(doc):
    return activity_out.dump({
        **doc, "id": doc["_id"],
        "sessions": [{"start": clock.local_iso(s["start"]), "end": clock.local_iso(s["end"])}
                     for s in doc["sessions"]],
        "starts_at": clock.local_iso(doc["starts_at"]), "ends_at": clock.local_iso(doc["ends_at"]),
        "signup_closes_at": clock.local_iso(doc["signup_closes_at"]),
        "created_at": clock.iso(doc["created_at"]), "invited": doc.get("invited", 0)})


def _signup(doc, position=None):
    return signup_out.dump({
        **doc, "id": doc["_id"], "position": position,
        "party": [{"name": m["name"], "birth_date": m["birth_date"]} for m in doc["party"]],
        "starts_at": clock.local_iso(doc["starts_at"]),
        "offer_expires_at": clock.local_iso(doc.get("offer_expires_at"))
        if doc["status"] == "offered" else None,
        "created_at": clock.iso(doc["created_at"])})


def _stored(instant):
    """An instant as the database keeps it (milliseconds, UTC), so that what a create
    answers is what every later read answers."""
    return clock.as_utc(instant).replace(microsecond=instant.microsecond // 1000 * 1000)


class ActivitiesService(chassis.LinliService):
    name = "activities"
    store = Mongo(ActivitiesStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- activities --------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_activity(self, actor, payload):
        """Staff of the community: publish an activity with its sessions. A gathering
        with ``birthday_month`` invites every resident of the community aged 60 or
        over (on the first session's date) born in that month, one message each."""
        who = Actor.of(actor)
        data = load(schemas.NewActivity, payload)
        who.require_manager(data["community_id"],
                            "only staff of that community publish its activities")
        require_community(self.residents, data["community_id"])
        sessions = sorted(({"start": _stored(s["start"]), "end": _stored(s["end"])}
                           for s in data.pop("sessions")), key=lambda s: s["start"])
        data["signup_closes_at"] = _stored(data["signup_closes_at"])
        now = clock.now()
        if data["signup_closes_at"] <= now:
            raise Invalid("sign-up would be closed already",
                          details={"signup_closes_at": ["in the future"]})
        doc = {**data, "_id": new_id(), "sessions": sessions, "starts_at": sessions[0]["start"],
               "ends_at": max(s["end"] for s in sessions), "taken": 0,
               "remaining": data["capacity"], "waiting": 0, "waitlist_seq": 0,
               "created_at": now, "created_by": who.id}
        guests = []
        if data["birthday_month"]:
            guests = seating.birthday_guests(
                self.store.members_born_in(data["community_id"], data["birthday_month"]),
                data["birthday_month"], seating.first_day(doc["starts_at"]))
        doc["invited"] = len(guests)

        return _activity(self.store.add_activity(
            doc, guests, lambda guest: notices.invitation(doc, guest)))

    @rpc(expected_exceptions=EXPECTED)
    def list_activities(self, actor, query):
        """Activities of a community (the caller's own by default; an admin without one:
        every community) still running on or after ``from`` (default today), newest
        first; ``kind`` narrows."""
        who = Actor.of(actor)
        data = load(schemas.ActivityQuery, query)
        community_id = who.in_community(data["community_id"])  # an admin: None, every one
        first = data["from_"] or clock.today_local()
        docs, next_cursor = self.store.list_activities(
            clock.parse_instant(f"{first.isoformat()}T00:00:00"), community_id, data["kind"],
            data["limit"], data["cursor"])
        return {"items": [_activity(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_activity(self, actor, activity_id):
        """One activity, with ``taken``, ``remaining`` and ``waiting`` (parties)."""
        Actor.of(actor)
        return _activity(found(self.store.activity(activity_id), "activity"))

    # -- sign-ups ----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def sign_up(self, actor, activity_id, payload):
        """The caller signs up a party of 1-4 (the caller first): ``confirmed`` when
        the whole party fits, else ``waitlisted`` with its ``position``. 409
        ``already_signed_up``; 422 for an age outside the limits or after the close."""
        who = Actor.of(actor)
        activity = found(self.store.activity(activity_id), "activity")
        data = load(schemas.NewSignup, payload)
        now = clock.now()
        if not seating.signup_open(activity["signup_closes_at"], now):
            raise closed(activity["signup_closes_at"])
        day = seating.first_day(activity["starts_at"])
        problems = seating.ages_outside(data["party"], day, activity.get("min_age"),
                                        activity.get("max_age"))
        if problems:
            raise Invalid("a member of the party is outside the age limits", code="age_limit",
                          details={"party": {str(i): [text] for i, text in problems.items()}})
        doc = {"_id": new_id(), "activity_id": activity_id,
               "community_id": activity["community_id"], "title": activity["title"],
               "starts_at": activity["starts_at"], "resident_id": who.id,
               "party": [{"name": m["name"], "birth_date": m["birth_date"].isoformat()}
                         for m in data["party"]],
               "size": len(data["party"]), "active": True, "attended": False, "created_at": now}
        try:
            doc = self.store.sign_up(activity, doc, notices.about, notices.waitlisted)
        except SignupRefused:
            raise closed(activity["signup_closes_at"]) from None
        return _signup(doc, doc.get("position"))

    @rpc(expected_exceptions=EXPECTED)
    def list_signups(self, actor, query):
        """The caller's own sign-ups, newest first, with waitlist positions."""
        who = Actor.of(actor)
        data = load(schemas.SignupQuery, query)
        filters = {"resident_id": who.id}
        if data["status"]:
            filters["status"] = data["status"]
        docs, next_cursor = self.store.list_signups(filters, data["limit"], data["cursor"])
        return {"items": [_signup(d, self.store.position(d)) for d in docs],
                "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def roster(self, actor, activity_id, query):
        """Staff of the activity's community: every sign-up, newest first, with
        waitlist positions."""
        who = Actor.of(actor)
        activity = found(self.store.activity(activity_id), "activity")
        who.require_manager(activity["community_id"],
                            "only staff of this activity's community see its roster")
        data = load(schemas.SignupQuery, query)
        filters = {"activity_id": activity_id}
        if data["status"]:
            filters["status"] = data["status"]
        docs, next_cursor = self.store.list_signups(filters, data["limit"], data["cursor"])
        places = self.store.waitlist_positions(activity_id)
        return {"items": [_signup(d, places.get(d.get("seq")) if d["status"] == "waitlisted"
                                  else None) for d in docs],
                "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_signup(self, actor, signup_id):
        """One sign-up: the resident who made it, or staff of its community."""
        doc = self._visible_signup(Actor.of(actor), signup_id)
        return _signup(doc, self.store.position(doc))

    @rpc(expected_exceptions=EXPECTED)
    def cancel_signup(self, actor, signup_id):
        """The resident (or staff): cancel an active sign-up before the activity
        starts; its seats are offered down the waitlist at once."""
        who = Actor.of(actor)
        doc = self._visible_signup(who, signup_id)
        activity = self.store.activity(doc["activity_id"])
        now = clock.now()
        if doc["status"] not in seating.CANCELLABLE:
            raise Conflict(f"a {doc['status']} sign-up cannot be cancelled",
                           code="illegal_transition")
        if not seating.offers_still_made(now, activity["starts_at"]):
            raise Conflict("the activity has begun", code="activity_started")
        return self._leave(activity, doc, "cancelled", now, None)

    @rpc(expected_exceptions=EXPECTED)
    def accept_offer(self, actor, signup_id):
        """The resident accepts a seat offered to their party: ``confirmed``. 409
        ``offer_expired`` after the offer's time; ``illegal_transition`` when no
        offer is open."""
        who = Actor.of(actor)
        doc = self._own_offer(who, signup_id)
        now = clock.now()
        if seating.offer_expired(doc["offer_expires_at"], now):
            raise Conflict("the offer has expired", code="offer_expired")
        if not self.store.accept(doc, now, notices.about(doc)):
            raise Conflict("the offer changed meanwhile", code="illegal_transition")
        return _signup(found(self.store.signup(signup_id), "sign-up"))

    @rpc(expected_exceptions=EXPECTED)
    def decline_offer(self, actor, signup_id):
        """The resident declines an offer: ``declined``; the seats pass on."""
        who = Actor.of(actor)
        doc = self._own_offer(who, signup_id)
        return self._leave(self.store.activity(doc["activity_id"]), doc, "declined",
                           clock.now(), None)

    # -- attendance ----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def record_attendance(self, actor, activity_id, payload):
        """Staff at the door, from the first session's start: the party came. The
        resident who signed up is credited ``attendance_points`` once (a repeat
        answers the same and changes nothing). Before the start: 409."""
        who = Actor.of(actor)
        activity = found(self.store.activity(activity_id), "activity")
        who.require_manager(activity["community_id"],
                            "only staff of this activity's community mark attendance")
        data = load(schemas.Attendance, payload)
        doc = self.store.signup(data["signup_id"])
        if doc is None or doc["activity_id"] != activity_id:
            raise Invalid("no such sign-up for this activity",
                          details={"signup_id": ["not a sign-up of this activity"]})
        now = clock.now()
        if not seating.attendance_open(activity["starts_at"], now):
            raise Conflict("attendance opens when the first session starts",
                           code="not_started", details={"starts_at": clock.local_iso(
                               activity["starts_at"])})
        if not doc["attended"]:
            if doc["status"] != "confirmed":
                raise Conflict(f"a {doc['status']} sign-up has no seat", code="not_confirmed")
            self.store.record_attendance(doc, now, who.id,
                                         notices.attended(doc, activity["attendance_points"]))
        return _signup(self.store.signup(doc["_id"]))

    # -- the members' projection -----------------------------------------------------
    @handles("residents.resident_registered")
    def on_resident_registered(self, event):
        """Keep the new resident's community and birth date (birthday gatherings)."""
        self._remember(event["data"], role=event["data"].get("role"))

    @handles("residents.resident_updated")
    def on_resident_updated(self, event):
        """Keep a resident's community and birth date after staff changed them."""
        self._remember(event["data"])

    def _remember(self, data, role=None):
        born = data.get("birth_date")
        fields = {"community_id": data["community_id"], "birth_date": born,
                  "birth_month": int(born[5:7]) if born else None}
        if role:
            fields["role"] = role
        self.store.remember_member(data["resident_id"], fields, data["version"])

    # -- helpers -----------------------------------------------------------------------
    def _visible_signup(self, who, signup_id):
        doc = self.store.signup(signup_id)
        if doc is None or not seating.may_see(who, doc):
            raise NotFound("no such sign-up")
        return doc

    def _own_offer(self, who, signup_id):
        doc = self.store.signup(signup_id)
        if doc is None or doc["resident_id"] != who.id:
            raise NotFound("no such sign-up")
        if doc["status"] not in seating.ANSWERABLE:
            raise Conflict(f"a {doc['status']} sign-up has no open offer",
                           code="illegal_transition")
        return doc

    def _leave(self, activity, doc, status, now, event):
        if not pass_seats_on(self.store, activity, doc, status, now, event):
            raise Conflict("the sign-up changed meanwhile", code="illegal_transition")
        return _signup(self.store.signup(doc["_id"]))
