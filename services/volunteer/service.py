"""Volunteer dispatch: resident orders, community dispatches, team accepts; the
points ledger and the points supermarket.

Entrypoints only: load, decide (workflow, matching, ledger), store, emit."""
import uuid

from nameko.rpc import RpcProxy

from services.volunteer import from_activities, matching, schemas, workflow
from services.volunteer.jobs import schedule
from services.volunteer.storage import VolunteerStore
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Conflict, Forbidden, Invalid, NotFound, found
from shared.mongo import Mongo
from shared.rpc import call, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("volunteer")

team_out, request_out = schemas.Team(), schemas.Request()
reward_out, redemption_out = schemas.Reward(), schemas.Redemption()
transfer_out, entry_out = schemas.Transfer(), schemas.Entry()


def _iso_fields(doc, *names):
    return {n: clock.iso(doc.get(n)) for n in names}


def _team(doc, rating=(0, 0)):
    total, count = rating
    return team_out.dump({**doc, "id": doc["_id"],
                          "average_rating": round(total / count, 2) if count else None,
                          **_iso_fields(doc, "created_at")})


def _request(doc):
    history = [{**h, "at": clock.iso(h["at"])} for h in doc.get("history", [])]
    return request_out.dump({**doc, "id": doc["_id"], "history": history,
                             "volunteer_ids": doc.get("volunteer_ids") or [],
                             **_iso_fields(doc, "created_at", "updated_at", "dispatched_at",
                                           "sla_due_at")})


def _reward(doc):
    return reward_out.dump({**doc, "id": doc["_id"], **_iso_fields(doc, "created_at")})


def _redemption(doc):
    return redemption_out.dump({**doc, "id": doc["_id"],
                                **_iso_fields(doc, "created_at", "handed_over_at")})


def _transfer(doc, reversed_by=None):
    return transfer_out.dump({**doc, "id": doc["_id"], "resident_id": doc["volunteer_id"],
                              "reversed_by": reversed_by, **_iso_fields(doc, "at")})


def _entry(doc):
    return entry_out.dump({**doc, "points": doc["delta"], "at": clock.iso(doc["at"]),
                           "request_id": doc["request_id"] if doc["kind"] == "credit" else None})


class VolunteerService(from_activities.AttendancePoints, chassis.LinliService):
    name = "volunteer"
    store = Mongo(VolunteerStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- teams -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_team(self, actor, payload):
        """Staff of the community: a team with its skills (request categories) and areas."""
        who = Actor.of(actor)
        data = load(schemas.NewTeam(), payload)
        who.require_manager(data["community_id"])
        data["skills"] = sorted(set(data["skills"]))
        data["areas"] = list(dict.fromkeys(data["areas"]))
        return _team(self.store.add_team(data))

    @rpc(expected_exceptions=EXPECTED)
    def list_teams(self, actor, query):
        """The teams of the caller's community (an admin may name any community)."""
        who = Actor.of(actor)
        data = load(schemas.TeamQuery(), query)
        community_id = who.in_community(data["community_id"])
        teams = self.store.teams_in(community_id)
        ratings = self.store.team_ratings([t["_id"] for t in teams])
        return [_team(t, ratings.get(t["_id"], (0, 0))) for t in teams]

    @rpc(expected_exceptions=EXPECTED)
    def add_member(self, actor, team_id, payload):
        """Staff: add a resident of the team's community as a member (or leader)."""
        who = Actor.of(actor)
        data = load(schemas.NewMember(), payload)
        team = found(self.store.team(team_id), "team")
        who.require_manager(team["community_id"])
        resident = self._resident_or_none(data["resident_id"])
        if (not resident or resident["community_id"] != team["community_id"]
                or resident["role"] != "resident"):
            raise Invalid("not a resident of this team's community",
                          details={"resident_id": ["not a resident of this community"]})
        team = self.store.add_member(team_id, data["resident_id"], data["leader"])
        return _team(team, self.store.team_ratings([team_id]).get(team_id, (0, 0)))

    # -- requests --------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def submit_request(self, actor, payload):
        """A resident asks for help; the request starts ``submitted``."""
        who = Actor.of(actor)
        if who.role != "resident" or not who.community_id:
            raise Forbidden("residents submit requests")
        data = load(schemas.NewRequest(), payload)
        now = clock.now()
        doc = {**data, "resident_id": who.id, "community_id": who.community_id,
               "status": "submitted", "team_id": None, "team_name": None, "member_ids": [],
               "dispatched_at": None, "sla_due_at": None, "hours": None, "volunteer_ids": [],
               "rating": None, "comment": None, "escalations": 0,
               "history": [workflow.history_entry(now, who.id, None, "submitted")],
               "created_at": now, "updated_at": now}
        return _request(self.store.add_request(doc, {
            "resident_id": who.id, "community_id": who.community_id,
            "category": data["category"], "urgency": data["urgency"]}))

    @rpc(expected_exceptions=EXPECTED)
    def list_requests(self, actor, query):
        """Residents: their own requests and those dispatched to their teams; staff:
        their community's (``?status=``); admin: every community."""
        who = Actor.of(actor)
        data = load(schemas.RequestQuery(), query)
        if who.is_admin:
            queries = [{}]
        elif who.is_staff:
            queries = [{"community_id": who.community_id}]
        else:
            teams = self.store.team_ids_of_member(who.id)
            queries = [{"resident_id": who.id}] + ([{"team_id": {"$in": teams}}] if teams else [])
        if data["status"]:
            queries = [{**q, "status": data["status"]} for q in queries]
        docs, next_cursor = self.store.list_requests(queries, data["limit"], data["cursor"])
        return {"items": [_request(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_request(self, actor, request_id):
        """One request with its full history (requester, the team, or staff)."""
        who = Actor.of(actor)
        request = found(self.store.request(request_id), "request")
        if not (request["resident_id"] == who.id or who.manages(request["community_id"])
                or self._is_member(who, request.get("team_id"))):
            raise Forbidden("not your request")
        return _request(request)

    @rpc(expected_exceptions=EXPECTED)
    def suggestions(self, actor, request_id):
        """Staff: the community's teams ranked for this request, with reasons."""
        who = Actor.of(actor)
        request = found(self.store.request(request_id), "request")
        who.require_manager(request["community_id"])
        teams = self.store.teams_in(request["community_id"])
        ratings = self.store.team_ratings([t["_id"] for t in teams])
        facts = [matching.TeamFacts(
            team_id=t["_id"], name=t["name"], skills=t["skills"], areas=t["areas"],
            open_load=self.store.open_load(t["_id"]),
            rating_sum=ratings.get(t["_id"], (0, 0))[0],
            rating_count=ratings.get(t["_id"], (0, 0))[1])
            for t in teams]
        return {"items": matching.rank(request["category"], request["address"], facts)}

    @rpc(expected_exceptions=EXPECTED)
    def dispatch(self, actor, request_id, payload):
        """Staff of the request's community send it to one of the community's teams."""
        who = Actor.of(actor)
        data = load(schemas.Dispatch(), payload)
        request = found(self.store.request(request_id), "request")
        who.require_manager(request["community_id"])
        team = self.store.team(data["team_id"])
        if not team or team["community_id"] != request["community_id"]:
            raise Invalid("no such team in this community",
                          details={"team_id": ["not a team of the request's community"]})
        to = workflow.next_status(request["status"], "dispatch")
        now = clock.now()
        changes = {"team_id": team["_id"], "team_name": team["name"],
                   "member_ids": team["members"], "dispatched_at": now,
                   "sla_due_at": workflow.sla_due(now, request["urgency"])}
        entry = workflow.history_entry(now, who.id, request["status"], to,
                                       data["note"] or f"dispatched to {team['name']}")
        return _request(self.store.transition(
            request, changes, entry, "volunteer.request_dispatched",
            lambda doc: {"request_id": doc["_id"], "resident_id": doc["resident_id"],
                         "community_id": doc["community_id"], "team_id": team["_id"],
                         "team_name": team["name"], "member_ids": team["members"],
                         "category": doc["category"], "urgency": doc["urgency"]}))

    @rpc(expected_exceptions=EXPECTED)
    def accept(self, actor, request_id):
        """A member of the dispatched team takes the request on; of racing accepts,
        one wins and the rest get 409."""
        who, request, _ = self._as_team_member(actor, request_id)
        if workflow.serves_own_request(request["resident_id"], [who.id]):
            raise Forbidden("you cannot take on your own request", code="own_request")
        return _request(self._team_step(who, request, "accept", {"accepted_by": who.id},
                                        "volunteer.request_accepted"))

    @rpc(expected_exceptions=EXPECTED)
    def reject(self, actor, request_id, payload):
        """A member of the dispatched team turns it down; it goes back to the staff."""
        data = load(schemas.Reject(), payload)
        who, request, _ = self._as_team_member(actor, request_id)
        changes = {"team_id": None, "team_name": None, "member_ids": [], "dispatched_at": None,
                   "sla_due_at": None}
        return _request(self._team_step(who, request, "reject", changes,
                                        "volunteer.request_rejected", note=data["reason"],
                                        reason=data["reason"]))

    @rpc(expected_exceptions=EXPECTED)
    def complete(self, actor, request_id, payload):
        """A member of the team reports the work: hours and who served (team members)."""
        data = load(schemas.Complete(), payload)
        who, request, team = self._as_team_member(actor, request_id)
        volunteers = list(dict.fromkeys(data["volunteer_ids"]))
        strangers = workflow.strangers(volunteers, team["members"])
        if strangers:
            raise Invalid("every volunteer must be a member of the team",
                          details={"volunteer_ids": [f"not a member: {s}" for s in strangers]})
        if workflow.serves_own_request(request["resident_id"], volunteers):
            raise Invalid("the requester cannot be a volunteer on their own request",
                          details={"volunteer_ids": [
                              f"the requester of this request: {request['resident_id']}"]})
        changes = {"hours": data["hours"], "volunteer_ids": volunteers, "completed_by": who.id}
        return _request(self._team_step(who, request, "complete", changes,
                                        "volunteer.request_completed",
                                        note=f"{data['hours']} h by {len(volunteers)} volunteer(s)",
                                        hours=data["hours"], volunteer_ids=volunteers))

    @rpc(expected_exceptions=EXPECTED)
    def confirm(self, actor, request_id, payload):
        """The requesting resident confirms and rates; the request closes and each
        volunteer is credited ``hours * points_per_hour`` exactly once."""
        who = Actor.of(actor)
        data = load(schemas.Confirm(), payload)
        request = self._own_request(who, request_id)
        to = workflow.next_status(request["status"], "confirm")
        credits = workflow.credits(request["resident_id"], request["volunteer_ids"],
                                   request["hours"])
        entry = workflow.history_entry(clock.now(), who.id, request["status"], to,
                                       f"rated {data['rating']}")
        doc = self.store.close_and_credit(
            request, {"rating": data["rating"], "comment": data["comment"]}, entry, credits,
            {"request_id": request_id, "resident_id": who.id, "team_id": request["team_id"],
             "rating": data["rating"], "community_id": request["community_id"]}, by=who.id)
        return _request(doc)

    @rpc(expected_exceptions=EXPECTED)
    def cancel(self, actor, request_id, payload=None):
        """The requesting resident withdraws the request before a team accepts it."""
        who = Actor.of(actor)
        data = load(schemas.Cancel(), payload or {})
        request = self._own_request(who, request_id)
        to = workflow.next_status(request["status"], "cancel")
        entry = workflow.history_entry(clock.now(), who.id, request["status"], to, data["reason"])
        return _request(self.store.transition(
            request, {}, entry, "volunteer.request_cancelled",
            lambda doc: {"request_id": doc["_id"], "resident_id": doc["resident_id"],
                         "community_id": doc["community_id"]}))

    # -- points ----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def my_points(self, actor):
        """The caller's balance and latest ledger entries (newest first)."""
        who = Actor.of(actor)
        return {"balance": self.store.balance(who.id),
                "entries": [_entry(e) for e in self.store.entries_of(who.id)]}

    @rpc(expected_exceptions=EXPECTED)
    def list_rewards(self, actor, query):
        who = Actor.of(actor)
        data = load(schemas.RewardQuery(), query)
        community_id = who.in_community(data["community_id"])
        return [_reward(r) for r in self.store.rewards_in(community_id)]

    @rpc(expected_exceptions=EXPECTED)
    def create_reward(self, actor, payload):
        """Staff: a reward of their community's points supermarket, with its stock."""
        who = Actor.of(actor)
        data = load(schemas.NewReward(), payload)
        community_id = data.pop("community_id") or who.community_id
        if not community_id:
            raise Invalid("which community?", details={"community_id": ["required for admins"]})
        who.require_manager(community_id)
        return _reward(self.store.add_reward({**data, "community_id": community_id}))

    @rpc(expected_exceptions=EXPECTED)
    def redeem(self, actor, payload):
        """A resident exchanges points for one unit of a reward: both or neither;
        409 ``insufficient_points`` or ``out_of_stock``."""
        who = Actor.of(actor)
        data = load(schemas.NewRedemption(), payload)
        if who.role != "resident":
            raise Forbidden("residents redeem points")
        reward = self.store.reward(data["reward_id"])
        if not reward:
            raise NotFound("no such reward")
        if reward["community_id"] != who.community_id:
            raise Forbidden("a reward of another community")
        return _redemption(self.store.redeem(reward, who.id))

    @rpc(expected_exceptions=EXPECTED)
    def list_redemptions(self, actor, query):
        """Residents: their own; staff: their community's (``?status=pending``)."""
        who = Actor.of(actor)
        data = load(schemas.RedemptionQuery(), query)
        if who.is_admin:
            match = {}
        elif who.is_staff:
            match = {"community_id": who.community_id}
        else:
            match = {"resident_id": who.id}
        if data["status"]:
            match["status"] = data["status"]
        docs, next_cursor = self.store.list_redemptions(match, data["limit"], data["cursor"])
        return {"items": [_redemption(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def hand_over(self, actor, redemption_id):
        """Staff: the resident collected the reward."""
        who = Actor.of(actor)
        redemption = self.store.redemption(redemption_id)
        if not redemption:
            raise NotFound("no such redemption")
        who.require_manager(redemption["community_id"])
        return _redemption(self.store.hand_over(redemption_id, who.id))

    @rpc(expected_exceptions=EXPECTED)
    def grant(self, actor, payload):
        """Staff: points from the community's pool for a community activity (or an
        opening grant), once per ``key`` and resident."""
        who = Actor.of(actor)
        data = load(schemas.Grant(), payload)
        if not who.is_staff:
            raise Forbidden("staff grant points")
        resident = self._resident_or_none(data["resident_id"])
        if not resident:
            raise Invalid("no such resident", details={"resident_id": ["unknown resident"]})
        if resident["community_id"] != who.community_id:
            raise Forbidden("staff grant points to residents of their own community only")
        transfer, _ = self.store.grant(who.community_id, data["resident_id"], data["points"],
                                       data["key"] or uuid.uuid4().hex, data["reason"], who.id)
        return _transfer(transfer)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_transfer(self, actor, transfer_id, payload):
        """Staff: undo a wrong credit by a reverse transfer (409 when the points are
        already spent or it was reversed before). Answers the original, now with
        ``reversed_by``."""
        who = Actor.of(actor)
        data = load(schemas.Reverse(), payload)
        original = self.store.transfer(transfer_id)
        if not original:
            raise NotFound("no such transfer")
        who.require_manager(original["community_id"])
        reversal = self.store.reverse(original, data["reason"], who.id)
        return _transfer(original, reversed_by=reversal["_id"])

    @rpc(expected_exceptions=EXPECTED)
    def ledger_check(self, actor, query):
        """Staff (their community) or admin (all, or ``?community_id=``): the sums
        that prove the ledger balanced."""
        who = Actor.of(actor)
        data = load(schemas.LedgerQuery(), query)
        if who.is_admin:
            community_id = data["community_id"]
        else:
            community_id = data["community_id"] or who.community_id
            who.require_manager(community_id)
        return self.store.ledger_check(community_id)

    # -- for other services ----------------------------------------------------
    @rpc
    def ledger_sum(self, community_id=None):
        """``{entries_sum, balances_sum, transfers, negative_accounts}``; both sums are
        0 and no resident account is negative when the ledger is sound."""
        return self.store.ledger_check(community_id)

    @rpc
    def balance_of(self, resident_id):
        """A resident's points balance (0 when they have never had any)."""
        return {"resident_id": resident_id, "balance": self.store.balance(resident_id)}

    @rpc(expected_exceptions=EXPECTED)
    def credit_activity(self, community_id, resident_id, points, idempotency_key, reason):
        """Credit points from ``community_id``'s pool for a community activity; the
        same ``idempotency_key`` and resident credit once (the first transfer is
        answered again)."""
        if not idempotency_key:
            raise Invalid("an idempotency key is required", details={"idempotency_key": ["required"]})
        transfer, _ = self.store.grant(community_id, resident_id, points, str(idempotency_key),
                                       reason, "system")
        return _transfer(transfer)

    @rpc(expected_exceptions=EXPECTED)
    def request_status(self, request_id):
        """``{id, status, community_id, team_id}`` of a request; NotFound if none."""
        request = found(self.store.request(request_id), "request")
        return {"id": request["_id"], "status": request["status"],
                "community_id": request["community_id"], "team_id": request.get("team_id")}

    # -- helpers ---------------------------------------------------------------
    def _team_step(self, who, request, action, changes, event_type, note=None, **event_extra):
        to = workflow.next_status(request["status"], action)
        entry = workflow.history_entry(clock.now(), who.id, request["status"], to, note)
        return self.store.transition(
            request, changes, entry, event_type,
            lambda doc: {"request_id": request["_id"], "resident_id": request["resident_id"],
                         "team_id": request["team_id"], "team_name": request["team_name"],
                         "category": request["category"],
                         "community_id": request["community_id"], **event_extra},
            extra_filter={"team_id": request["team_id"]})

    def _as_team_member(self, actor, request_id):
        who = Actor.of(actor)
        request = found(self.store.request(request_id), "request")
        if request.get("team_id") is None:
            if request["resident_id"] != who.id and not who.manages(request["community_id"]) \
                    and not self.store.team_ids_of_member(who.id):
                raise Forbidden("not your team's request")
            raise Conflict(f"a {request['status']} request has no team to act on it",
                           code="illegal_transition", details={"status": request["status"]})
        team = self.store.team(request["team_id"])
        if not team or who.id not in team["members"]:
            raise Forbidden("not a member of the team this request was sent to")
        return who, request, team

    def _is_member(self, who, team_id):
        if not team_id:
            return False
        team = self.store.team(team_id)
        return bool(team and who.id in team["members"])

    def _own_request(self, who, request_id):
        request = found(self.store.request(request_id), "request")
        if request["resident_id"] != who.id:
            raise Forbidden("not your request")
        return request

    def _resident_or_none(self, resident_id):
        try:
            return call(self.residents, "get_resident", resident_id)
        except NotFound:
            return None

