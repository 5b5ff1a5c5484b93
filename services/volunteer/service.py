"""Volunteer dispatch: resident orders, community dispatches, team accepts; the
points ledger and the points supermarket.

Entrypoints only: load, decide (workflow, matching, ledger), store, emit. About 360
lines, above the ~300 of the style guide, because it holds 26 entrypoints (teams and the
request workflow 13, the points ledger and supermarket 9, 4 for other services) at
about a dozen lines each, with their docstrings; the rules they call are in
workflow.py (state machine, SLA, points for service), ledger.py (double entry, who may
grant and redeem), matching.py (team suggestions) and storage.py (every limit)."""
import uuid

from nameko.rpc import RpcProxy

from services.volunteer import from_activities, from_needs, ledger, matching, schemas, workflow
from services.volunteer.jobs import schedule
from services.volunteer.schemas import (entry_of, redemption_of, request_of, reward_of,
                                        team_of, transfer_of)
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

class VolunteerService(from_activities.AttendancePoints, from_needs.FromNeeds,
                       chassis.LinliService):
    name = "volunteer"
    store = Mongo(VolunteerStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- teams -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_team(self, actor, payload):
        """Staff of the community: a team with its skills (request categories) and areas."""
        who = Actor.of(actor)
        data = load(schemas.NewTeam, payload)
        who.require_manager(data["community_id"])
        data["skills"] = sorted(set(data["skills"]))
        data["areas"] = list(dict.fromkeys(data["areas"]))
        return team_of(self.store.add_team(data))

    @rpc(expected_exceptions=EXPECTED)
    def list_teams(self, actor, query):
        """The teams of the caller's community (an admin may name any community)."""
        who = Actor.of(actor)
        data = load(schemas.TeamQuery, query)
        community_id = who.in_community(data["community_id"])
        teams = self.store.teams_in(community_id)
        ratings = self.store.team_ratings([t["_id"] for t in teams])
        return [team_of(t, ratings.get(t["_id"], (0, 0))) for t in teams]

    @rpc(expected_exceptions=EXPECTED)
    def add_member(self, actor, team_id, payload):
        """Staff: add a resident of the team's community as a member (or leader)."""
        who = Actor.of(actor)
        data = load(schemas.NewMember, payload)
        team = found(self.store.team(team_id), "team")
        who.require_manager(team["community_id"])
        workflow.check_member(self._resident_or_none(data["resident_id"]), team)
        team = self.store.add_member(team_id, data["resident_id"], data["leader"])
        return team_of(team, self.store.team_ratings([team_id]).get(team_id, (0, 0)))

    # -- requests --------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def submit_request(self, actor, payload):
        """A resident asks for help; the request starts ``submitted``."""
        who = Actor.of(actor)
        if who.role != "resident" or not who.community_id:
            raise Forbidden("residents submit requests")
        data = load(schemas.NewRequest, payload)
        doc = workflow.new_request(data, who.id, who.community_id, clock.now())
        return request_of(self.store.add_request(doc, workflow.event_of(doc, "category",
                                                                        "urgency")))

    @rpc(expected_exceptions=EXPECTED)
    def list_requests(self, actor, query):
        """Residents: their own requests and those dispatched to their teams; staff:
        their community's (``?status=``); admin: every community."""
        who = Actor.of(actor)
        data = load(schemas.RequestQuery, query)
        if who.is_admin:
            queries = [{}]
        elif who.is_staff:
            queries = [{"community_id": who.community_id}]
        else:
            queries = [{"resident_id": who.id}] + [
                {"team_id": team_id} for team_id in self.store.team_ids_of_member(who.id)]
        if data["status"]:
            queries = [{**q, "status": data["status"]} for q in queries]
        docs, next_cursor = self.store.list_requests(queries, data["limit"], data["cursor"])
        return {"items": [request_of(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_request(self, actor, request_id):
        """One request with its full history (requester, the team, or staff)."""
        who = Actor.of(actor)
        request = found(self.store.request(request_id), "request")
        if not (request["resident_id"] == who.id or who.manages(request["community_id"])
                or self._is_member(who, request.get("team_id"))):
            raise Forbidden("not your request")
        return request_of(request)

    @rpc(expected_exceptions=EXPECTED)
    def suggestions(self, actor, request_id):
        """Staff: the community's teams ranked for this request, with reasons."""
        who = Actor.of(actor)
        request = found(self.store.request(request_id), "request")
        who.require_manager(request["community_id"])
        teams = self.store.teams_in(request["community_id"])
        facts = matching.facts_of(teams, self.store.team_ratings([t["_id"] for t in teams]),
                                  {t["_id"]: self.store.open_load(t["_id"]) for t in teams})
        return {"items": matching.rank(request["category"], request["address"], facts)}

    @rpc(expected_exceptions=EXPECTED)
    def dispatch(self, actor, request_id, payload):
        """Staff of the request's community send it to one of the community's teams."""
        who = Actor.of(actor)
        data = load(schemas.Dispatch, payload)
        request = found(self.store.request(request_id), "request")
        who.require_manager(request["community_id"])
        team = self.store.team(data["team_id"])
        if not team or team["community_id"] != request["community_id"]:
            raise Invalid("no such team in this community",
                          details={"team_id": ["not a team of the request's community"]})
        to = workflow.next_status(request["status"], "dispatch")
        now = clock.now()
        changes = workflow.dispatch_changes(team, request["urgency"], now)
        entry = workflow.history_entry(now, who.id, request["status"], to,
                                       data["note"] or f"dispatched to {team['name']}")
        event = workflow.event_of({**request, **changes}, "team_id", "team_name", "member_ids",
                                  "category", "urgency")
        return request_of(self.store.transition(request, changes, entry,
                                                "volunteer.request_dispatched", lambda _: event))

    @rpc(expected_exceptions=EXPECTED)
    def accept(self, actor, request_id):
        """A member of the dispatched team takes the request on; of racing accepts,
        one wins and the rest get 409."""
        who, request, _ = self._as_team_member(actor, request_id)
        workflow.check_not_own(request["resident_id"], who.id)
        return request_of(self._team_step(who, request, "accept", {"accepted_by": who.id},
                                        "volunteer.request_accepted"))

    @rpc(expected_exceptions=EXPECTED)
    def reject(self, actor, request_id, payload):
        """A member of the dispatched team turns it down; it goes back to the staff."""
        data = load(schemas.Reject, payload)
        who, request, _ = self._as_team_member(actor, request_id)
        return request_of(self._team_step(who, request, "reject", workflow.NO_TEAM,
                                        "volunteer.request_rejected", note=data["reason"],
                                        reason=data["reason"]))

    @rpc(expected_exceptions=EXPECTED)
    def complete(self, actor, request_id, payload):
        """A member of the team reports the work: hours and who served (team members)."""
        data = load(schemas.Complete, payload)
        who, request, team = self._as_team_member(actor, request_id)
        volunteers = list(dict.fromkeys(data["volunteer_ids"]))
        workflow.check_volunteers(request["resident_id"], volunteers, team["members"])
        changes = {"hours": data["hours"], "volunteer_ids": volunteers, "completed_by": who.id}
        return request_of(self._team_step(who, request, "complete", changes,
                                        "volunteer.request_completed",
                                        note=f"{data['hours']} h by {len(volunteers)} volunteer(s)",
                                        hours=data["hours"], volunteer_ids=volunteers))

    @rpc(expected_exceptions=EXPECTED)
    def confirm(self, actor, request_id, payload):
        """The requesting resident confirms and rates; the request closes and each
        volunteer is credited ``hours * points_per_hour`` exactly once."""
        who = Actor.of(actor)
        data = load(schemas.Confirm, payload)
        request = self._own_request(who, request_id)
        to = workflow.next_status(request["status"], "confirm")
        credits = workflow.credits(request["resident_id"], request["volunteer_ids"],
                                   request["hours"])
        entry = workflow.history_entry(clock.now(), who.id, request["status"], to,
                                       f"rated {data['rating']}")
        return request_of(self.store.close_and_credit(
            request, {"rating": data["rating"], "comment": data["comment"]}, entry, credits,
            workflow.event_of(request, "team_id", rating=data["rating"]), by=who.id))

    @rpc(expected_exceptions=EXPECTED)
    def cancel(self, actor, request_id, payload=None):
        """The requesting resident withdraws the request before a team accepts it."""
        who = Actor.of(actor)
        data = load(schemas.Cancel, payload or {})
        request = self._own_request(who, request_id)
        to = workflow.next_status(request["status"], "cancel")
        entry = workflow.history_entry(clock.now(), who.id, request["status"], to, data["reason"])
        event = workflow.event_of(request)
        return request_of(self.store.transition(request, {}, entry, "volunteer.request_cancelled",
                                                lambda _: event))

    # -- points ----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def my_points(self, actor):
        """The caller's balance and latest ledger entries (newest first)."""
        who = Actor.of(actor)
        return {"balance": self.store.balance(who.id),
                "entries": [entry_of(e) for e in self.store.entries_of(who.id)]}

    @rpc(expected_exceptions=EXPECTED)
    def list_rewards(self, actor, query):
        who = Actor.of(actor)
        data = load(schemas.RewardQuery, query)
        community_id = who.in_community(data["community_id"])
        return [reward_of(r) for r in self.store.rewards_in(community_id)]

    @rpc(expected_exceptions=EXPECTED)
    def create_reward(self, actor, payload):
        """Staff: a reward of their community's points supermarket, with its stock."""
        who = Actor.of(actor)
        data = load(schemas.NewReward, payload)
        community_id = ledger.reward_community(who, data.pop("community_id"))
        who.require_manager(community_id)
        return reward_of(self.store.add_reward({**data, "community_id": community_id}))

    @rpc(expected_exceptions=EXPECTED)
    def redeem(self, actor, payload):
        """A resident exchanges points for one unit of a reward: both or neither;
        409 ``insufficient_points`` or ``out_of_stock``."""
        who = Actor.of(actor)
        data = load(schemas.NewRedemption, payload)
        ledger.check_redeemer(who)
        reward = self.store.reward(data["reward_id"])
        ledger.check_reward(who, reward)
        return redemption_of(self.store.redeem(reward, who.id))

    @rpc(expected_exceptions=EXPECTED)
    def list_redemptions(self, actor, query):
        """Residents: their own; staff: their community's (``?status=pending``)."""
        who = Actor.of(actor)
        data = load(schemas.RedemptionQuery, query)
        if who.is_admin:
            match = {}
        elif who.is_staff:
            match = {"community_id": who.community_id}
        else:
            match = {"resident_id": who.id}
        if data["status"]:
            match["status"] = data["status"]
        docs, next_cursor = self.store.list_redemptions(match, data["limit"], data["cursor"])
        return {"items": [redemption_of(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def hand_over(self, actor, redemption_id):
        """Staff: the resident collected the reward."""
        who = Actor.of(actor)
        redemption = found(self.store.redemption(redemption_id), "redemption")
        who.require_manager(redemption["community_id"])
        return redemption_of(self.store.hand_over(redemption_id, who.id))

    @rpc(expected_exceptions=EXPECTED)
    def grant(self, actor, payload):
        """Staff: points from the community's pool for a community activity (or an
        opening grant), once per ``key`` and resident."""
        who = Actor.of(actor)
        data = load(schemas.Grant, payload)
        ledger.check_granter(who)
        ledger.check_grantee(who, self._resident_or_none(data["resident_id"]))
        transfer, _ = self.store.grant(who.community_id, data["resident_id"], data["points"],
                                       data["key"] or uuid.uuid4().hex, data["reason"], who.id)
        return transfer_of(transfer)

    @rpc(expected_exceptions=EXPECTED)
    def reverse_transfer(self, actor, transfer_id, payload):
        """Staff: undo a wrong credit by a reverse transfer (409 when the points are
        already spent or it was reversed before). Answers the original, now with
        ``reversed_by``."""
        who = Actor.of(actor)
        data = load(schemas.Reverse, payload)
        original = found(self.store.transfer(transfer_id), "transfer")
        who.require_manager(original["community_id"])
        reversal = self.store.reverse(original, data["reason"], who.id)
        return transfer_of(original, reversed_by=reversal["_id"])

    @rpc(expected_exceptions=EXPECTED)
    def ledger_check(self, actor, query):
        """Staff (their community) or admin (all, or ``?community_id=``): the sums
        that prove the ledger balanced."""
        who = Actor.of(actor)
        data = load(schemas.LedgerQuery, query)
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
        return transfer_of(transfer)

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
        event = workflow.event_of(request, "team_id", "team_name", "category", **event_extra)
        return self.store.transition(request, changes, entry, event_type, lambda _: event,
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

