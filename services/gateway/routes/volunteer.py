"""Volunteer dispatch and the points supermarket: the volunteer service over HTTP."""
from flask_smorest import Blueprint

from services.gateway.web import QUERY, actor, body, call, query_args
from services.volunteer import schemas

blp = Blueprint("volunteer", __name__,
                description="Volunteer dispatch (resident orders, community dispatches, "
                            "team accepts), the points ledger and the points supermarket")

R = "/volunteer/requests/<request_id>"


# -- teams ---------------------------------------------------------------------
@blp.route("/volunteer/teams", methods=["POST"])
@blp.arguments(schemas.NewTeam)
@blp.response(201, schemas.Team)
def create_team(_):
    """Staff: a team of their community with skills (request categories) and areas."""
    return call("volunteer", "create_team", actor(), body())


@blp.route("/volunteer/teams", methods=["GET"])
@blp.arguments(schemas.TeamQuery, **QUERY)
@blp.response(200, schemas.Team(many=True))
def list_teams(_):
    """The teams of the caller's community (admin: `?community_id=`)."""
    return call("volunteer", "list_teams", actor(), query_args())


@blp.route("/volunteer/teams/<team_id>/members", methods=["POST"])
@blp.arguments(schemas.NewMember)
@blp.response(201, schemas.Team)
def add_member(_, team_id):
    """Staff: add a resident of the community as a member (`leader: true` for a leader).
    A resident of another community, or staff: 422. Answers the team."""
    return call("volunteer", "add_member", actor(), team_id, body())


# -- requests ------------------------------------------------------------------
@blp.route("/volunteer/requests", methods=["POST"])
@blp.arguments(schemas.NewRequest)
@blp.response(201, schemas.Request)
def submit_request(_):
    """Resident: ask for help. Starts `submitted`."""
    return call("volunteer", "submit_request", actor(), body())


@blp.route("/volunteer/requests", methods=["GET"])
@blp.arguments(schemas.RequestQuery, **QUERY)
@blp.alt_response(200, schema=schemas.RequestList, success=True)
def list_requests(_):
    """Resident: own requests plus those dispatched to their teams; staff: their
    community's (`?status=`)."""
    return call("volunteer", "list_requests", actor(), query_args())


@blp.route(R, methods=["GET"])
@blp.response(200, schemas.Request)
def get_request(request_id):
    """A request with its full `history` of `{at, by, from, to, note}`."""
    return call("volunteer", "get_request", actor(), request_id)


@blp.route(R + "/suggestions", methods=["GET"])
@blp.response(200, schemas.Suggestions)
def suggestions(request_id):
    """Staff: the community's teams ranked by skill, area, open load and rating."""
    return call("volunteer", "suggestions", actor(), request_id)


@blp.route(R + "/dispatch", methods=["POST"])
@blp.arguments(schemas.Dispatch)
@blp.response(200, schemas.Request)
def dispatch(_, request_id):
    """Staff of the request's community: send it to a team of that community."""
    return call("volunteer", "dispatch", actor(), request_id, body())


@blp.route(R + "/accept", methods=["POST"])
@blp.response(200, schemas.Request)
def accept(request_id):
    """A member of the dispatched team takes it on (racing accepts: one wins, 409).
    The requester may not take on their own request: 403 `own_request`."""
    return call("volunteer", "accept", actor(), request_id)


@blp.route(R + "/reject", methods=["POST"])
@blp.arguments(schemas.Reject)
@blp.response(200, schemas.Request)
def reject(_, request_id):
    """A member of the dispatched team turns it down; back to `submitted`."""
    return call("volunteer", "reject", actor(), request_id, body())


@blp.route(R + "/complete", methods=["POST"])
@blp.arguments(schemas.Complete)
@blp.response(200, schemas.Request)
def complete(_, request_id):
    """A member of the team: hours (at least 0.05, the least that earns a point, and at
    most 24) and the volunteers (team members, never the requester)."""
    return call("volunteer", "complete", actor(), request_id, body())


@blp.route(R + "/confirm", methods=["POST"])
@blp.arguments(schemas.Confirm)
@blp.response(200, schemas.Request)
def confirm(_, request_id):
    """The requesting resident rates 1-5; closes it and credits each volunteer
    `hours * 10` points, exactly once."""
    return call("volunteer", "confirm", actor(), request_id, body())


@blp.route(R + "/cancel", methods=["POST"])
@blp.arguments(schemas.Cancel)
@blp.response(200, schemas.Request)
def cancel(_, request_id):
    """The requesting resident, before a team accepted it."""
    return call("volunteer", "cancel", actor(), request_id, body())


# -- points --------------------------------------------------------------------
@blp.route("/points/me", methods=["GET"])
@blp.response(200, schemas.Balance)
def my_points():
    """The caller's balance and latest ledger entries."""
    return call("volunteer", "my_points", actor())


@blp.route("/points/rewards", methods=["GET"])
@blp.arguments(schemas.RewardQuery, **QUERY)
@blp.response(200, schemas.Reward(many=True))
def list_rewards(_):
    """The rewards of the caller's community's points supermarket."""
    return call("volunteer", "list_rewards", actor(), query_args())


@blp.route("/points/rewards", methods=["POST"])
@blp.arguments(schemas.NewReward)
@blp.response(201, schemas.Reward)
def create_reward(_):
    """Staff: a reward with its cost in points and its stock."""
    return call("volunteer", "create_reward", actor(), body())


@blp.route("/points/redemptions", methods=["POST"])
@blp.arguments(schemas.NewRedemption)
@blp.response(201, schemas.Redemption)
def redeem(_):
    """Resident: points and one unit of stock together or neither; 409
    `insufficient_points` or `out_of_stock`."""
    return call("volunteer", "redeem", actor(), body())


@blp.route("/points/redemptions", methods=["GET"])
@blp.arguments(schemas.RedemptionQuery, **QUERY)
@blp.alt_response(200, schema=schemas.RedemptionList, success=True)
def list_redemptions(_):
    """Resident: own redemptions; staff: their community's (`?status=pending`)."""
    return call("volunteer", "list_redemptions", actor(), query_args())


@blp.route("/points/redemptions/<redemption_id>/handover", methods=["POST"])
@blp.response(200, schemas.Redemption)
def hand_over(redemption_id):
    """Staff: the reward was handed over (a second time: 409 `illegal_transition`)."""
    return call("volunteer", "hand_over", actor(), redemption_id)


@blp.route("/points/grants", methods=["POST"])
@blp.arguments(schemas.Grant)
@blp.response(201, schemas.Transfer)
def grant(_):
    """Staff: points from the community's pool to a resident of the community for a
    community activity or an opening grant; once per `key` and resident."""
    return call("volunteer", "grant", actor(), body())


@blp.route("/points/transfers/<transfer_id>/reverse", methods=["POST"])
@blp.arguments(schemas.Reverse)
@blp.response(200, schemas.Transfer)
def reverse_transfer(_, transfer_id):
    """Staff: undo a wrong credit or grant by a reverse transfer (never by editing).
    Already reversed: 409 `already_reversed`; points already spent: 409
    `insufficient_points`. Answers the original transfer with `reversed_by`."""
    return call("volunteer", "reverse_transfer", actor(), transfer_id, body())


@blp.route("/points/ledger", methods=["GET"])
@blp.arguments(schemas.LedgerQuery, **QUERY)
@blp.response(200, schemas.LedgerCheck)
def ledger_check(_):
    """Staff (their community) or admin: the sums of every entry and every balance,
    both 0 when the double-entry ledger is sound."""
    return call("volunteer", "ledger_check", actor(), query_args())
