"""Library routes: branches, catalogue, copies, self-checkout, returns, holds."""
from flask_smorest import Blueprint

from services.gateway.web import QUERY, actor, body, call, query_args
from services.library import schemas

blp = Blueprint("library", __name__,
                description="Library, book houses and district branches: circulation and holds")


@blp.route("/library/branches", methods=["GET"])
@blp.arguments(schemas.BranchQuery, **QUERY)
@blp.alt_response(200, schema=schemas.BranchList, success=True)
def list_branches(_):
    """Branches (neighbourhood library, book houses, district branches) as
    ``{items, next_cursor}``; ``?community_id=``."""
    return call("library", "list_branches", actor(), query_args())


@blp.route("/library/branches", methods=["POST"])
@blp.arguments(schemas.NewBranch)
@blp.response(201, schemas.Branch)
def create_branch(_):
    """Staff of the community: add a branch (``loan_period_days`` defaults to 30)."""
    return call("library", "create_branch", actor(), body())


@blp.route("/library/desk", methods=["GET"])
@blp.arguments(schemas.DeskQuery, **QUERY)
@blp.response(200, schemas.DeskToday)
def desk_today(_):
    """(added) Staff: the lending desk's day in their community (an admin names one with
    ``?community_id=``): copies in transit to pull and send to a hold's pickup branch, and
    overdue loans with the reader's name and phone, at most 100 of each."""
    return call("library", "desk_today", actor(), query_args().get("community_id"))


@blp.route("/library/titles", methods=["GET"])
@blp.arguments(schemas.TitleQuery, **QUERY)
@blp.alt_response(200, schema=schemas.TitleList, success=True)
def search_titles(_):
    """Catalogue search ``?q=`` over title, author and tags, with ``available`` per branch."""
    return call("library", "search_titles", actor(), query_args())


@blp.route("/library/titles", methods=["POST"])
@blp.arguments(schemas.NewTitle)
@blp.response(201, schemas.Title)
def create_title(_):
    """Staff: add a title."""
    return call("library", "create_title", actor(), body())


@blp.route("/library/titles/<title_id>", methods=["GET"])
@blp.response(200, schemas.Title)
def get_title(title_id):
    """One title with its availability per branch."""
    return call("library", "get_title", actor(), title_id)


@blp.route("/library/imports", methods=["POST"])
@blp.arguments(schemas.Import)
@blp.response(201, schemas.ImportResult)
def import_titles(_):
    """Staff: bulk-add titles and copies (up to 2,000 rows a request)."""
    return call("library", "import_titles", actor(), body())


@blp.route("/library/copies", methods=["POST"])
@blp.arguments(schemas.NewCopy)
@blp.response(201, schemas.Copy)
def create_copy(_):
    """Staff of the branch's community: add a copy with the code its QR label encodes."""
    return call("library", "create_copy", actor(), body())


@blp.route("/library/copies/<code>", methods=["GET"])
@blp.response(200, schemas.Copy)
def get_copy(code):
    """Where a copy is and what state it is in."""
    return call("library", "get_copy", actor(), code)


@blp.route("/library/loans", methods=["POST"])
@blp.arguments(schemas.Checkout)
@blp.response(201, schemas.Loan)
def checkout(_):
    """Self-checkout: scan a copy. The loan takes the copy's own branch (its loan period
    and community) whatever ``branch_id`` is sent (an unknown one is 422). 409 when the
    copy is out or held for someone else, or ``patron_blocked`` (5 active loans or an
    overdue one). (added) Staff at the lending desk lend to ``resident_id``, a resident of
    their community (403 otherwise)."""
    return call("library", "checkout", actor(), body())


@blp.route("/library/loans", methods=["GET"])
@blp.arguments(schemas.LoanQuery, **QUERY)
@blp.alt_response(200, schema=schemas.LoanList, success=True)
def list_loans(_):
    """Own loans; staff: ``?resident_id=``."""
    return call("library", "list_loans", actor(), query_args())


@blp.route("/library/loans/<loan_id>/renew", methods=["POST"])
@blp.response(200, schemas.Loan)
def renew(loan_id):
    """Renew from the current due date; at most twice, not overdue, nobody waiting."""
    return call("library", "renew_loan", actor(), loan_id)


@blp.route("/library/returns", methods=["POST"])
@blp.arguments(schemas.Scan)
@blp.response(200, schemas.ReturnResult)
def return_copy(_):
    """Return at any branch; the copy lives there now (or goes to the next hold)."""
    return call("library", "return_copy", actor(), body())


@blp.route("/library/transfers/receive", methods=["POST"])
@blp.arguments(schemas.Scan)
@blp.response(200, schemas.Copy)
def receive(_):
    """Staff of the branch: a copy in transit arrives there. An available copy is moved
    only by staff of the community it stands in (otherwise 403)."""
    return call("library", "receive_transfer", actor(), body())


@blp.route("/library/holds", methods=["POST"])
@blp.arguments(schemas.NewHold)
@blp.response(201, schemas.Hold)
def place_hold(_):
    """Join the queue for a title, with the pickup branch; answers the ``position``.
    409 ``hold_limit`` at 5 active holds, ``patron_blocked`` for a reader who may not
    borrow (an overdue loan or 5 loans), ``already_held``, ``already_on_loan``."""
    return call("library", "place_hold", actor(), body())


@blp.route("/library/holds", methods=["GET"])
@blp.arguments(schemas.HoldQuery, **QUERY)
@blp.alt_response(200, schema=schemas.HoldList, success=True)
def list_holds(_):
    """Own holds with queue positions."""
    return call("library", "list_holds", actor(), query_args())


@blp.route("/library/holds/<hold_id>", methods=["DELETE"])
@blp.response(200, schemas.Hold)
@blp.alt_response(409, description="the hold is no longer active (`illegal_transition`)")
def cancel_hold(hold_id):
    """Cancel a hold (a copy it had passes to the next in line)."""
    return call("library", "cancel_hold", actor(), hold_id)
