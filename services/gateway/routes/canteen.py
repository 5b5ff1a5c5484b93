"""Canteen routes: the canteen service over HTTP. Validation only; the rules live in
the service.

The two hot routes (menus, booking) document their answer with ``alt_response``
instead of dumping it through the schema again: the service already shapes it, and
a second marshmallow pass over a week of menus cost more than the RPC itself."""
from flask_smorest import Blueprint

from services.canteen import schemas
from services.gateway.web import QUERY, actor, body, call, query_args

blp = Blueprint("canteen", __name__, description="Canteen: sites, menus, bookings, checkout")


@blp.route("/canteen/sites", methods=["GET"])
@blp.arguments(schemas.SiteQuery, **QUERY)
@blp.alt_response(200, schema=schemas.SiteList, success=True)
def list_sites(_):
    """Canteen sites, newest first (`community_id` narrows to one community)."""
    return call("canteen", "list_sites", actor(), query_args())


@blp.route("/canteen/sites", methods=["POST"])
@blp.arguments(schemas.NewSite)
@blp.response(201, schemas.SiteOut)
def create_site(_):
    """Staff of the community: open a canteen site (caring lunch price defaults to 990 fen)."""
    return call("canteen", "create_site", actor(), body())


@blp.route("/canteen/sites/<site_id>/menus/<date>/<meal>", methods=["PUT"])
@blp.arguments(schemas.MenuIn)
@blp.response(200, schemas.MenuOut)
@blp.alt_response(409, description="capacity below what is booked (`capacity_below_booked`)")
def publish_menu(_, site_id, date, meal):
    """Staff: publish or republish the menu of a meal (`breakfast|lunch|dinner`).
    Republishing replaces the dishes; capacity below what is booked is 409."""
    return call("canteen", "publish_menu", actor(), site_id, date, meal, body())


@blp.route("/canteen/sites/<site_id>/menus", methods=["GET"])
@blp.arguments(schemas.MenuQuery, **QUERY)
@blp.alt_response(200, schema=schemas.MenuList, success=True)
def list_menus(_, site_id):
    """Anyone signed in: menus from `from` to `to` (default the next seven days)."""
    return call("canteen", "list_menus", actor(), site_id, query_args())


@blp.route("/canteen/bookings", methods=["POST"])
@blp.arguments(schemas.NewBooking)
@blp.alt_response(201, schema=schemas.BookingOut, success=True)
@blp.alt_response(409, description="`slot_full` or `already_booked`")
def book(_):
    """Book 1-4 portions. Full: 409 `slot_full`; already booked: 409; past the
    cutoff or no menu: 422."""
    return call("canteen", "book", actor(), body()), 201


@blp.route("/canteen/bookings", methods=["GET"])
@blp.arguments(schemas.BookingQuery, **QUERY)
@blp.response(200, schemas.BookingList)
def list_bookings(_):
    """Own bookings; staff: `site_id` (with `date`, `meal`, `status`) for a site's."""
    return call("canteen", "list_bookings", actor(), query_args())


@blp.route("/canteen/bookings/<booking_id>", methods=["GET"])
@blp.response(200, schemas.BookingOut)
def get_booking(booking_id):
    """One booking (its diner or staff of its community)."""
    return call("canteen", "get_booking", actor(), booking_id)


@blp.route("/canteen/bookings/<booking_id>/cancel", methods=["POST"])
@blp.response(200, schemas.BookingOut)
@blp.alt_response(409, description="not `booked` (`illegal_transition`)")
@blp.alt_response(422, description="past the booking cutoff (`booking_closed`)")
def cancel_booking(booking_id):
    """Cancel before the cutoff (the portions are free at once); after it: 422."""
    return call("canteen", "cancel_booking", actor(), booking_id)


@blp.route("/canteen/checkouts", methods=["POST"])
@blp.arguments(schemas.Checkout)
@blp.response(201, schemas.BillOut)
@blp.alt_response(409, description="the booking is already served (`already_served`)")
def checkout(_):
    """Staff at the counter: bill by `pickup_code` or `resident_id` (walk-in)."""
    return call("canteen", "checkout", actor(), body())


@blp.route("/canteen/sites/<site_id>/kitchen/<date>", methods=["GET"])
@blp.response(200, schemas.Kitchen)
def kitchen(site_id, date):
    """Staff: per meal, bookings, portions, served, cancelled and no-shows."""
    return call("canteen", "kitchen", actor(), site_id, date)
