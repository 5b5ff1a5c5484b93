"""Activities routes: classes and gatherings over HTTP. Validation only; the rules
live in the activities service."""
from flask_smorest import Blueprint

from services.activities import schemas
from services.gateway.web import QUERY, actor, body, call, query_args

blp = Blueprint("activities", __name__,
                description="Classes and gatherings: sign-up, waitlist, attendance")


@blp.route("/activities", methods=["POST"])
@blp.arguments(schemas.NewActivity)
@blp.response(201, schemas.ActivityOut)
def create_activity(_):
    """Staff of the community: publish an activity with its sessions. A gathering
    with `birthday_month` invites the community's residents of 60 and over born then."""
    return call("activities", "create_activity", actor(), body())


@blp.route("/activities", methods=["GET"])
@blp.arguments(schemas.ActivityQuery, **QUERY)
@blp.response(200, schemas.ActivityList)
def list_activities(_):
    """Activities of a community still running on or after `from` (default today)."""
    return call("activities", "list_activities", actor(), query_args())


@blp.route("/activities/signups", methods=["GET"])
@blp.arguments(schemas.SignupQuery, **QUERY)
@blp.response(200, schemas.SignupList)
def list_signups(_):
    """Own sign-ups, newest first, with waitlist positions."""
    return call("activities", "list_signups", actor(), query_args())


@blp.route("/activities/<activity_id>", methods=["GET"])
@blp.response(200, schemas.ActivityOut)
def get_activity(activity_id):
    """One activity with `taken`, `remaining` and `waiting` (parties)."""
    return call("activities", "get_activity", actor(), activity_id)


@blp.route("/activities/<activity_id>/signups", methods=["POST"])
@blp.arguments(schemas.NewSignup)
@blp.response(201, schemas.SignupOut)
@blp.alt_response(409, description="`already_signed_up`")
@blp.alt_response(422, description="an age outside the limits (`age_limit`) or after the "
                                   "close (`signup_closed`)")
def sign_up(_, activity_id):
    """Sign up a party of 1-4 (the caller first): `confirmed` when it fits whole, else
    `waitlisted` with its `position`."""
    return call("activities", "sign_up", actor(), activity_id, body())


@blp.route("/activities/<activity_id>/signups", methods=["GET"])
@blp.arguments(schemas.SignupQuery, **QUERY)
@blp.response(200, schemas.SignupList)
def roster(_, activity_id):
    """Staff: the roster, newest first, with waitlist positions."""
    return call("activities", "roster", actor(), activity_id, query_args())


@blp.route("/activities/signups/<signup_id>", methods=["GET"])
@blp.response(200, schemas.SignupOut)
def get_signup(signup_id):
    """One sign-up (the resident who made it, or staff)."""
    return call("activities", "get_signup", actor(), signup_id)


@blp.route("/activities/signups/<signup_id>/cancel", methods=["POST"])
@blp.response(200, schemas.SignupOut)
@blp.alt_response(409, description="not active (`illegal_transition`) or begun "
                                   "(`activity_started`)")
def cancel_signup(signup_id):
    """Cancel before the activity begins; freed seats are offered down the waitlist."""
    return call("activities", "cancel_signup", actor(), signup_id)


@blp.route("/activities/signups/<signup_id>/accept", methods=["POST"])
@blp.response(200, schemas.SignupOut)
@blp.alt_response(409, description="no open offer (`illegal_transition`, `offer_expired`)")
def accept_offer(signup_id):
    """Accept the seats offered to your party: `confirmed`."""
    return call("activities", "accept_offer", actor(), signup_id)


@blp.route("/activities/signups/<signup_id>/decline", methods=["POST"])
@blp.response(200, schemas.SignupOut)
@blp.alt_response(409, description="no open offer (`illegal_transition`)")
def decline_offer(signup_id):
    """Decline the seats offered: `declined`; they pass to the next in line."""
    return call("activities", "decline_offer", actor(), signup_id)


@blp.route("/activities/<activity_id>/attendance", methods=["POST"])
@blp.arguments(schemas.Attendance)
@blp.response(200, schemas.SignupOut)
@blp.alt_response(409, description="before the first session (`not_started`), or the "
                                   "sign-up has no seat (`not_confirmed`)")
def record_attendance(_, activity_id):
    """Staff at the door: the party came. Points are credited once; a repeat answers
    200 and changes nothing."""
    return call("activities", "record_attendance", actor(), activity_id, body())
