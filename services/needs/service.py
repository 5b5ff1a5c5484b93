"""Needs and micro-wishes: the needs list that grid workers gather (a resident records
a need in the app, or staff record it after a visit, a call or a walk-in), routed to
a volunteer request or to the wish wall; and the wish wall ("微心愿") that neighbours
claim and fulfil, the claimer credited the wish's points by the volunteer service.

Entrypoints only: load, decide (needlist, wall), store, emit.

Longer than the ~300 lines of the style guide: 15 entrypoints and two event handlers
of two capabilities that hand work to each other (a need routed to the wall); the
rules themselves are in ``needlist.py`` and ``wall.py``."""
from nameko.rpc import RpcProxy

from services.needs import needlist, schemas, wall
from services.needs.jobs import released_claim, schedule, unclaimed_event
from services.needs.storage import NeedsStore, new_need, new_wish
from shared import clock
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.auth import Actor
from shared.config import settings
from shared.errors import EXPECTED, Conflict, Forbidden, Invalid, NotFound, found
from shared.events import handles
from shared.mongo import Mongo
from shared.rpc import call, rpc
from shared.schemas import load
from shared.service import bootstrap

bootstrap("needs")

need_out, wish_out = schemas.NeedOut(), schemas.WishOut()


def _need(doc):
    return need_out.dump({**doc, "id": doc["_id"],
                          **{k: clock.iso(doc.get(k)) for k in
                             ("created_at", "updated_at", "resolved_at", "closed_at")}})


def _wish(doc, who: Actor):
    """A wish as ``who`` may see it: the wisher masked unless ``wall.sees_wisher``."""
    sees = wall.sees_wisher(who.id, who.manages(doc["community_id"]), doc)
    involved = who.id in (doc["wisher_id"], doc.get("claimer_id")) or who.manages(doc["community_id"])
    return wish_out.dump({
        **doc, "id": doc["_id"],
        "wisher": doc["wisher_name"] if sees else wall.masked_name(doc["wisher_name"]),
        "wisher_contact": ({"name": doc["wisher_name"], "phone": doc.get("wisher_phone"),
                            "address": doc.get("wisher_address")} if sees else None),
        "claimer": ({"name": doc["claimer_name"], "phone": doc.get("claimer_phone"),
                     "address": None} if involved and doc.get("claimer_id") else None),
        "mine": doc["wisher_id"] == who.id,
        "claimed_by_me": bool(doc.get("claimer_id")) and doc["claimer_id"] == who.id,
        **{k: clock.iso(doc.get(k)) for k in
           ("created_at", "claimed_at", "fulfilled_at", "closed_at")}})


def _need_event(doc, **extra):
    return {"need_id": doc["_id"], "resident_id": doc["resident_id"],
            "community_id": doc["community_id"], "category": doc["category"], **extra}


def _wish_event(doc, **extra):
    """A wish's event, addressed (``resident_id``) to the wisher unless ``extra`` says."""
    return {"wish_id": doc["_id"], "resident_id": doc["wisher_id"],
            "community_id": doc["community_id"], "title": doc["title"], **extra}


class NeedsService(chassis.LinliService):
    name = "needs"
    store = Mongo(NeedsStore)
    jobs = schedule
    residents = RpcProxy("residents")
    volunteer = RpcProxy("volunteer")

    # -- the needs list ----------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def record_need(self, actor, payload):
        """A resident records their own need (``source: app``); staff record one for a
        resident of their community (``resident_id``) after a visit, a call or a
        walk-in. The need starts ``open`` and the resident is told."""
        who = Actor.of(actor)
        data = load(schemas.NewNeed, payload)
        resident = self._subject(who, data.pop("resident_id"))
        problem = needlist.source_problem(who.id != resident["id"], data["source"])
        if problem:
            raise Invalid(problem, details={"source": [problem]})
        doc = new_need({**data, "resident_id": resident["id"], "resident_name": resident["name"],
                        "community_id": resident["community_id"], "recorded_by": who.id})
        return _need(self.store.add_need(doc, _need_event(doc, source=doc["source"])))

    @rpc(expected_exceptions=EXPECTED)
    def list_needs(self, actor, query):
        """Residents: their own needs; staff: their community's (an admin names one),
        ``?status=&category=``; newest first."""
        who = Actor.of(actor)
        data = load(schemas.NeedQuery, query)
        wanted = {k: data[k] for k in ("status", "category") if data[k]}
        if who.is_staff or who.is_admin:
            community_id = who.in_community(data["community_id"])
            docs, next_cursor = self.store.list_needs({"community_id": community_id, **wanted},
                                                      data["limit"], data["cursor"])
        else:
            docs, next_cursor = self.store.own_needs(who.id, wanted, data["limit"], data["cursor"])
        return {"items": [_need(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_need(self, actor, need_id):
        """One need: its resident or staff of its community."""
        who = Actor.of(actor)
        need = found(self.store.need(need_id), "need")
        who.require_self_or_manager(need["resident_id"], need["community_id"], "not your need")
        return _need(need)

    @rpc(expected_exceptions=EXPECTED)
    def needs_summary(self, actor, query):
        """Staff: how many needs of their community in each category and status."""
        who = Actor.of(actor).require_staff()
        data = load(schemas.SummaryQuery, query)
        community_id = who.in_community(data["community_id"])
        if not community_id:
            raise Invalid("which community?", details={"community_id": ["required for admins"]})
        who.require_manager(community_id)
        return {"community_id": community_id,
                **needlist.summary(self.store.need_rows(community_id))}

    @rpc(expected_exceptions=EXPECTED)
    def route_need(self, actor, need_id, payload):
        """Staff: route an open need to a volunteer request (submitted on the
        resident's behalf) or to a wish of the resident (``pending_review``). The need
        becomes ``routed`` with ``ref: {type, id}``, and ``resolved`` by itself when
        that request is closed or that wish fulfilled."""
        who = Actor.of(actor)
        data = load(schemas.Route, payload)
        need = found(self.store.need(need_id), "need")
        who.require_manager(need["community_id"], "staff of the need's community route it")
        needlist.next_status(need["status"], "route")
        resident = call(self.residents, "get_resident", need["resident_id"])
        if data["to"] == "wish":
            wish = new_wish(self._wisher(resident) | {
                "title": data["title"] or needlist.wish_title_for(need),
                "description": need["description"], "budget_fen": data["budget_fen"],
                "need_id": need["_id"], "posted_by": who.id})
            ref = {"type": "wish", "id": wish["_id"]}
            return _need(self.store.route_need(need, ref, _need_event(
                need, to="wish", ref_id=wish["_id"]), wish=wish, wish_event=_wish_event(wish)))
        if not self.store.hold_for_routing(need_id):
            raise Conflict("this need is being routed or was routed already",
                           code="illegal_transition")
        as_resident = Actor(need["resident_id"], "resident", need["community_id"]).assertion()
        try:
            request = call(self.volunteer, "submit_request", as_resident,
                           needlist.volunteer_request_for(need, wall.home_address(resident)))
        except Exception:
            self.store.release_routing(need_id)
            raise
        ref = {"type": "volunteer_request", "id": request["id"]}
        try:
            return _need(self.store.route_need(need, ref, _need_event(
                need, to="volunteer_request", ref_id=request["id"])))
        except Conflict:  # closed by staff meanwhile: withdraw the request made for it
            call(self.volunteer, "cancel", as_resident, request["id"],
                 {"reason": "the need was closed meanwhile"})
            raise

    @rpc(expected_exceptions=EXPECTED)
    def close_need(self, actor, need_id, payload):
        """Staff: close an open or routed need with a resolution; the resident is told."""
        who = Actor.of(actor)
        data = load(schemas.CloseNeed, payload)
        need = found(self.store.need(need_id), "need")
        who.require_manager(need["community_id"], "staff of the need's community close it")
        needlist.next_status(need["status"], "close")
        changes = {"resolution": data["resolution"], "closed_at": clock.now(), "closed_by": who.id}
        return _need(self.store.close_need(
            need, changes, lambda doc: _need_event(doc, resolution=data["resolution"])))

    @handles("volunteer.request_closed")
    def on_request_closed(self, event):
        """A need routed to this volunteer request is resolved (once per event)."""
        need = self.store.need_routed_to(event["data"]["request_id"])
        if need:
            self.store.run_once(event, "resolve-need", lambda tx: self.store.resolve_need(
                tx, need, lambda doc: _need_event(doc, ref_type="volunteer_request",
                                                  ref_id=doc["ref_id"])))

    @handles("volunteer.request_cancelled")
    def on_request_cancelled(self, event):
        """A need routed to this volunteer request is open again (once per event)."""
        need = self.store.need_routed_to(event["data"]["request_id"])
        if need:
            self.store.run_once(event, "reopen-need",
                                lambda tx: self.store.reopen_need(tx, need))

    # -- the wish wall -----------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def post_wish(self, actor, payload):
        """A resident posts a wish (staff for a resident with ``resident_id``); it waits
        for staff review (``pending_review``) before it shows on the wall."""
        who = Actor.of(actor)
        data = load(schemas.NewWish, payload)
        resident = self._subject(who, data.pop("resident_id"))
        wish = new_wish({**self._wisher(resident), **data, "posted_by": who.id})
        return _wish(self.store.add_wish(wish, _wish_event(wish)), who)

    @rpc(expected_exceptions=EXPECTED)
    def list_wishes(self, actor, query):
        """The wall of a community (the caller's own by default): approved wishes for
        residents, every wish for staff (``?status=``); ``?mine=wished|claimed``: the
        caller's own wishes or claims. The wisher is masked for others."""
        who = Actor.of(actor)
        data = load(schemas.WishQuery, query)
        if data["mine"]:
            match = {("wisher_id" if data["mine"] == "wished" else "claimer_id"): who.id}
            if data["status"]:
                match["status"] = data["status"]
        else:
            community_id = who.in_community(data["community_id"])
            match = {"community_id": community_id}
            if data["status"]:
                if data["status"] not in wall.ON_THE_WALL and not who.manages(community_id):
                    raise Forbidden("wishes under review are for staff (and their wisher: "
                                    "?mine=wished)")
                match["status"] = data["status"]
            elif not who.manages(community_id):
                match["on_wall"] = True
        docs, next_cursor = self.store.list_wishes(match, data["limit"], data["cursor"])
        return {"items": [_wish(d, who) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_wish(self, actor, wish_id):
        """One wish: on the wall for its community; under review or rejected only for
        the wisher and staff (404 for others: it does not show yet)."""
        who = Actor.of(actor)
        wish = found(self.store.wish(wish_id), "wish")
        if not (wish["on_wall"] or wish["wisher_id"] == who.id or who.manages(wish["community_id"])):
            found(None, "wish")
        if wish["community_id"] != who.community_id and not who.is_admin:
            raise Forbidden("a wish of another community")
        return _wish(wish, who)

    @rpc(expected_exceptions=EXPECTED)
    def approve_wish(self, actor, wish_id, payload):
        """Staff: the wish goes on the wall with the points its claimer will earn
        (default 5)."""
        who, wish = self._as_staff(actor, wish_id)
        data = load(schemas.Approve, payload or {})
        points = wall.DEFAULT_POINTS if data["points"] is None else data["points"]
        changes = {"points": points, "on_wall": True, "approved_by": who.id,
                   "approved_at": clock.now()}
        return _wish(self.store.move_wish(wish, "approve", changes, "needs.wish_approved",
                                          lambda doc: _wish_event(doc, points=points)), who)

    @rpc(expected_exceptions=EXPECTED)
    def reject_wish(self, actor, wish_id, payload):
        """Staff: the wish does not go on the wall; the wisher is told why."""
        who, wish = self._as_staff(actor, wish_id)
        data = load(schemas.RejectWish, payload)
        return _wish(self.store.move_wish(
            wish, "reject", {"reject_reason": data["reason"], "rejected_by": who.id},
            "needs.wish_rejected", lambda doc: _wish_event(doc, reason=data["reason"]),
            then=self._reopen_need_of), who)

    @rpc(expected_exceptions=EXPECTED)
    def claim_wish(self, actor, wish_id):
        """Any resident of the community but the wisher: of all who try at once,
        exactly one claims it; the others get 409 ``already_claimed``."""
        who = Actor.of(actor)
        wish = self._on_the_wall(who, wish_id)
        if who.role != "resident":
            raise Forbidden("residents claim wishes")
        if wish["wisher_id"] == who.id:
            raise Forbidden("you cannot claim your own wish", code="own_wish")
        wall.next_status(wish["status"], "claim")
        claimer = call(self.residents, "get_resident", who.id)
        now = clock.now()
        changes = {"claimer_id": who.id, "claimer_name": claimer["name"],
                   "claimer_phone": claimer.get("phone"), "claimed_at": now,
                   "claim_due_at": wall.claim_due(now, settings().needs_claim_days)}
        return _wish(self.store.move_wish(wish, "claim", changes, "needs.wish_claimed",
                                          lambda doc: _wish_event(doc, claimer_id=who.id)), who)

    @rpc(expected_exceptions=EXPECTED)
    def unclaim_wish(self, actor, wish_id):
        """The claimer gives the wish back: it is open on the wall again."""
        who, wish = self._as_claimer(actor, wish_id)
        return _wish(self.store.move_wish(
            wish, "unclaim", released_claim(), "needs.wish_unclaimed",
            lambda doc: unclaimed_event(wish, doc, expired=False),
            extra_filter={"claimer_id": who.id}), who)

    @rpc(expected_exceptions=EXPECTED)
    def fulfil_wish(self, actor, wish_id, payload):
        """The claimer reports the wish fulfilled; a need it came from is resolved."""
        who, wish = self._as_claimer(actor, wish_id)
        data = load(schemas.Fulfil, payload)
        changes = {"fulfil_note": data["note"], "fulfilled_at": clock.now()}
        return _wish(self.store.move_wish(
            wish, "fulfil", changes, "needs.wish_fulfilled",
            lambda doc: _wish_event(doc, claimer_id=who.id, note=data["note"]),
            extra_filter={"claimer_id": who.id}, then=self._resolve_need_of), who)

    @rpc(expected_exceptions=EXPECTED)
    def confirm_wish(self, actor, wish_id, payload=None):
        """The wisher (or staff) confirms with thanks: the wish is ``closed`` and the
        volunteer service credits the claimer the wish's points, exactly once."""
        who = Actor.of(actor)
        data = load(schemas.ConfirmWish, payload or {})
        wish = found(self.store.wish(wish_id), "wish")
        who.require_self_or_manager(wish["wisher_id"], wish["community_id"],
                                    "the wisher or staff confirm a wish")
        changes = {"thanks": data["thanks"], "closed_at": clock.now(), "confirmed_by": who.id}
        return _wish(self.store.move_wish(
            wish, "confirm", changes, "needs.wish_closed",
            lambda doc: _wish_event(doc, resident_id=doc["claimer_id"], wisher_id=doc["wisher_id"],
                                    claimer_id=doc["claimer_id"], points=doc["points"] or 0,
                                    thanks=data["thanks"] or "")), who)

    # -- helpers -------------------------------------------------------------------
    def _subject(self, who: Actor, resident_id: str | None) -> dict:
        """Whom a need or wish is for: the caller, or (staff) a resident of their
        community."""
        if who.is_staff or who.is_admin:
            if not resident_id:
                raise Invalid("staff record it for a resident",
                              details={"resident_id": ["required for staff"]})
            resident = self._resident_or_none(resident_id)
            if not resident or resident.get("role") != "resident":
                raise Invalid("no such resident", details={"resident_id": ["unknown resident"]})
            who.require_manager(resident["community_id"],
                                "staff act for residents of their own community only")
            return resident
        if resident_id and resident_id != who.id:
            raise Forbidden("residents act for themselves only")
        return call(self.residents, "get_resident", who.id)

    @staticmethod
    def _wisher(resident: dict) -> dict:
        return {"wisher_id": resident["id"], "wisher_name": resident["name"],
                "wisher_phone": resident.get("phone"),
                "wisher_address": wall.home_address(resident),
                "community_id": resident["community_id"]}

    def _resident_or_none(self, resident_id):
        try:
            return call(self.residents, "get_resident", resident_id)
        except NotFound:
            return None

    def _as_staff(self, actor, wish_id):
        who = Actor.of(actor)
        wish = found(self.store.wish(wish_id), "wish")
        who.require_manager(wish["community_id"], "staff of the wish's community review it")
        return who, wish

    def _on_the_wall(self, who: Actor, wish_id):
        wish = found(self.store.wish(wish_id), "wish")
        if not wish["on_wall"] and wish["wisher_id"] != who.id and not who.manages(wish["community_id"]):
            found(None, "wish")
        if wish["community_id"] != who.community_id:
            raise Forbidden("a wish of another community")
        return wish

    def _as_claimer(self, actor, wish_id):
        who = Actor.of(actor)
        wish = self._on_the_wall(who, wish_id)
        if wish.get("claimer_id") != who.id:
            if wish["status"] == "claimed":
                raise Forbidden("only the claimer does this", code="not_the_claimer")
            raise Conflict(f"a {wish['status']} wish has no claim of yours",
                           code="illegal_transition", details={"status": wish["status"]})
        return who, wish

    def _need_of(self, wish):
        return self.store.need(wish["need_id"]) if wish.get("need_id") else None

    def _reopen_need_of(self, tx, wish):
        need = self._need_of(wish)
        if need:
            self.store.reopen_need(tx, need)

    def _resolve_need_of(self, tx, wish):
        need = self._need_of(wish)
        if need:
            self.store.resolve_need(tx, need, lambda doc: _need_event(
                doc, ref_type="wish", ref_id=wish["_id"]))
