"""Needs and micro-wishes: the needs service over HTTP. Validation only; the rules
live in the service."""
from flask_smorest import Blueprint

from services.gateway.web import QUERY, actor, body, call, query_args
from services.needs import schemas

blp = Blueprint("needs", __name__,
                description="The needs list grid workers gather, and the micro-wish wall "
                            "(微心愿) neighbours fulfil")

N = "/needs/<need_id>"
W = "/wishes/<wish_id>"


# -- the needs list ------------------------------------------------------------
@blp.route("/needs", methods=["POST"])
@blp.arguments(schemas.NewNeed)
@blp.response(201, schemas.NeedOut)
def record_need(_):
    """A resident records their own need (`source: app`); staff record one for a
    resident of their community (`resident_id`, `source: visit|phone|walk_in`)."""
    return call("needs", "record_need", actor(), body())


@blp.route("/needs", methods=["GET"])
@blp.arguments(schemas.NeedQuery, **QUERY)
@blp.response(200, schemas.NeedList)
def list_needs(_):
    """Residents: their own needs; staff: their community's (`?status=&category=`;
    an admin names `community_id`)."""
    return call("needs", "list_needs", actor(), query_args())


@blp.route("/needs/summary", methods=["GET"])
@blp.arguments(schemas.SummaryQuery, **QUERY)
@blp.response(200, schemas.Summary)
def needs_summary(_):
    """Staff: the community's needs by category and by status (every one named)."""
    return call("needs", "needs_summary", actor(), query_args())


@blp.route(N, methods=["GET"])
@blp.response(200, schemas.NeedOut)
def get_need(need_id):
    """(added) One need: its resident or staff of its community."""
    return call("needs", "get_need", actor(), need_id)


@blp.route(N + "/route", methods=["POST"])
@blp.arguments(schemas.Route)
@blp.response(200, schemas.NeedOut)
@blp.alt_response(409, description="the need is not `open` (`illegal_transition`)")
def route_need(_, need_id):
    """Staff: route an open need to a volunteer request (submitted on the resident's
    behalf) or to a wish of the resident (`pending_review`). It becomes `routed` with
    `ref: {type, id}`, and `resolved` by itself when that request is closed or that
    wish fulfilled."""
    return call("needs", "route_need", actor(), need_id, body())


@blp.route(N + "/close", methods=["POST"])
@blp.arguments(schemas.CloseNeed)
@blp.response(200, schemas.NeedOut)
@blp.alt_response(409, description="already `resolved` or `closed` (`illegal_transition`)")
def close_need(_, need_id):
    """Staff: close an open or routed need with a resolution."""
    return call("needs", "close_need", actor(), need_id, body())


# -- the wish wall -------------------------------------------------------------
@blp.route("/wishes", methods=["POST"])
@blp.arguments(schemas.NewWish)
@blp.response(201, schemas.WishOut)
def post_wish(_):
    """A resident posts a wish (staff for a resident with `resident_id`); budget at
    most 20000 fen. It waits for review (`pending_review`)."""
    return call("needs", "post_wish", actor(), body())


@blp.route("/wishes", methods=["GET"])
@blp.arguments(schemas.WishQuery, **QUERY)
@blp.response(200, schemas.WishList)
def list_wishes(_):
    """The wall of the caller's community: approved wishes (staff: every wish,
    `?status=`), the wisher masked (`王**`) for anyone but the wisher, staff and the
    claimer. `?mine=wished|claimed` (added): the caller's own wishes or claims."""
    return call("needs", "list_wishes", actor(), query_args())


@blp.route(W, methods=["GET"])
@blp.response(200, schemas.WishOut)
def get_wish(wish_id):
    """(added) One wish, shown as on the wall."""
    return call("needs", "get_wish", actor(), wish_id)


@blp.route(W + "/approve", methods=["POST"])
@blp.arguments(schemas.Approve)
@blp.response(200, schemas.WishOut)
def approve_wish(_, wish_id):
    """Staff: the wish goes on the wall (`open`) with the points its claimer earns
    (default 5)."""
    return call("needs", "approve_wish", actor(), wish_id, body())


@blp.route(W + "/reject", methods=["POST"])
@blp.arguments(schemas.RejectWish)
@blp.response(200, schemas.WishOut)
def reject_wish(_, wish_id):
    """Staff: the wish does not go on the wall (`rejected`)."""
    return call("needs", "reject_wish", actor(), wish_id, body())


@blp.route(W + "/claim", methods=["POST"])
@blp.response(200, schemas.WishOut)
@blp.alt_response(409, description="somebody claimed it first (`already_claimed`)")
def claim_wish(wish_id):
    """Any resident of the community but the wisher: exactly one claimer however
    many try at once."""
    return call("needs", "claim_wish", actor(), wish_id)


@blp.route(W + "/unclaim", methods=["POST"])
@blp.response(200, schemas.WishOut)
def unclaim_wish(wish_id):
    """The claimer gives the wish back (`open`)."""
    return call("needs", "unclaim_wish", actor(), wish_id)


@blp.route(W + "/fulfil", methods=["POST"])
@blp.arguments(schemas.Fulfil)
@blp.response(200, schemas.WishOut)
def fulfil_wish(_, wish_id):
    """The claimer: the wish is `fulfilled` (a need it came from is resolved)."""
    return call("needs", "fulfil_wish", actor(), wish_id, body())


@blp.route(W + "/confirm", methods=["POST"])
@blp.arguments(schemas.ConfirmWish)
@blp.response(200, schemas.WishOut)
def confirm_wish(_, wish_id):
    """The wisher or staff, with thanks: `closed`; the claimer is credited the
    wish's points exactly once."""
    return call("needs", "confirm_wish", actor(), wish_id, body())
