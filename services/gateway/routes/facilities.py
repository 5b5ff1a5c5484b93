"""Facilities routes: function rooms, their bookings at the door, shared equipment,
loans, returns and noise complaints over HTTP. Validation only; the rules live in
the service."""
from flask_smorest import Blueprint

from services.facilities import schemas
from services.gateway.web import QUERY, actor, body, call, query_args

blp = Blueprint("facilities", __name__,
                description="Rooms and shared equipment: bookings, walk-ins, loans, complaints")


# -- rooms ------------------------------------------------------------------------------
@blp.route("/facilities/rooms", methods=["POST"])
@blp.arguments(schemas.NewRoom)
@blp.response(201, schemas.RoomOut)
def create_room(_):
    """Staff of the community: open a room (`opening` null: around the clock). The
    answer carries the `door_code` its door's QR label encodes."""
    return call("facilities", "create_room", actor(), body())


@blp.route("/facilities/rooms", methods=["GET"])
@blp.arguments(schemas.RoomQuery, **QUERY)
@blp.response(200, schemas.RoomList)
def list_rooms(_):
    """Rooms of a community (default the caller's); `door_code` for its staff only."""
    return call("facilities", "list_rooms", actor(), query_args())


@blp.route("/facilities/rooms/<room_id>", methods=["GET"])
@blp.response(200, schemas.RoomOut)
def get_room(room_id):
    """One room."""
    return call("facilities", "get_room", actor(), room_id)


@blp.route("/facilities/doors/<door_code>", methods=["GET"])
@blp.response(200, schemas.RoomOut)
def room_by_door(door_code):
    """The room a door's QR label names (what a resident's scan opens)."""
    return call("facilities", "room_by_door", actor(), door_code)


@blp.route("/facilities/rooms/<room_id>/bookings", methods=["GET"])
@blp.arguments(schemas.DayQuery, **QUERY)
@blp.alt_response(200, schema=schemas.RoomBookingList, success=True)
def room_day(_, room_id):
    """A room's active bookings on `date` (default today) `{id, start, end, status}`;
    `resident_id` and `purpose` for the booker and staff only; of a private room, other
    residents see only `{start, end, status: "taken"}`."""
    return call("facilities", "room_day", actor(), room_id, query_args())


@blp.route("/facilities/rooms/<room_id>/walk-in", methods=["POST"])
@blp.arguments(schemas.WalkIn)
@blp.response(201, schemas.RoomBookingOut)
@blp.alt_response(409, description="the room is not free that long (`slot_taken`)")
@blp.alt_response(422, description="wrong door code (`wrong_door_code`)")
def walk_in(_, room_id):
    """At the door: take the room from now (rounded down to the grid) for `minutes`,
    already checked in."""
    return call("facilities", "walk_in", actor(), room_id, body())


# -- room bookings ------------------------------------------------------------------------
@blp.route("/facilities/room-bookings", methods=["POST"])
@blp.arguments(schemas.NewRoomBooking)
@blp.response(201, schemas.RoomBookingOut)
@blp.alt_response(409, description="`slot_taken` or `limit_reached` (2 future bookings)")
def book_room(_):
    """Book a room on the 30-minute grid. Overlap: 409 `slot_taken`; past, off the
    grid, too long or outside the opening hours: 422."""
    return call("facilities", "book_room", actor(), body())


@blp.route("/facilities/room-bookings", methods=["GET"])
@blp.arguments(schemas.RoomBookingQuery, **QUERY)
@blp.response(200, schemas.RoomBookingList)
def list_room_bookings(_):
    """Own bookings; staff: `room_id` (and `date`) for a room's."""
    return call("facilities", "list_room_bookings", actor(), query_args())


@blp.route("/facilities/room-bookings/<booking_id>", methods=["GET"])
@blp.response(200, schemas.RoomBookingOut)
def get_room_booking(booking_id):
    """One booking (its booker or staff of its community)."""
    return call("facilities", "get_room_booking", actor(), booking_id)


@blp.route("/facilities/room-bookings/<booking_id>/cancel", methods=["POST"])
@blp.response(200, schemas.RoomBookingOut)
@blp.alt_response(409, description="at or after the start, or not `booked`")
def cancel_room_booking(booking_id):
    """The booker or staff, before the start: `cancelled`, the time free at once."""
    return call("facilities", "cancel_room_booking", actor(), booking_id)


@blp.route("/facilities/room-bookings/<booking_id>/check-in", methods=["POST"])
@blp.arguments(schemas.DoorCode)
@blp.response(200, schemas.RoomBookingOut)
@blp.alt_response(409, description="outside the window (`outside_check_in_window`)")
@blp.alt_response(422, description="wrong door code (`wrong_door_code`)")
def check_in(_, booking_id):
    """The booker at the door, from 10 minutes before the start to 15 after it."""
    return call("facilities", "check_in", actor(), booking_id, body())


# -- equipment ----------------------------------------------------------------------------
@blp.route("/facilities/equipment", methods=["POST"])
@blp.arguments(schemas.NewItem)
@blp.response(201, schemas.ItemOut)
@blp.alt_response(409, description="the code is in use (`code_taken`)")
def create_item(_):
    """Staff: register an item with its QR `code` and rules (allowed hours, volume)."""
    return call("facilities", "create_item", actor(), body())


@blp.route("/facilities/equipment", methods=["GET"])
@blp.arguments(schemas.ItemQuery, **QUERY)
@blp.response(200, schemas.ItemList)
def list_items(_):
    """Items of a community (default the caller's); `kind` narrows."""
    return call("facilities", "list_items", actor(), query_args())


@blp.route("/facilities/equipment/by-code/<code>", methods=["GET"])
@blp.response(200, schemas.ItemOut)
def item_by_code(code):
    """The item an item's QR label names, with its rules."""
    return call("facilities", "item_by_code", actor(), code)


@blp.route("/facilities/equipment/<item_id>", methods=["GET"])
@blp.response(200, schemas.ItemOut)
def get_item(item_id):
    """One item."""
    return call("facilities", "get_item", actor(), item_id)


@blp.route("/facilities/equipment/<item_id>/restore", methods=["POST"])
@blp.response(200, schemas.ItemOut)
@blp.alt_response(409, description="not in maintenance (`illegal_transition`)")
def restore_item(item_id):
    """Staff: an item back from maintenance, `available`."""
    return call("facilities", "restore_item", actor(), item_id)


@blp.route("/facilities/equipment-loans", methods=["POST"])
@blp.arguments(schemas.NewLoan)
@blp.response(201, schemas.LoanOut)
@blp.alt_response(409, description="`not_available` or `patron_blocked`")
def borrow(_):
    """Borrow by code with `accept_rules: true`, inside the allowed hours (else 422);
    due at the end of today's window."""
    return call("facilities", "borrow", actor(), body())


@blp.route("/facilities/equipment-loans", methods=["GET"])
@blp.arguments(schemas.LoanQuery, **QUERY)
@blp.response(200, schemas.LoanList)
def list_loans(_):
    """Own loans; staff: their community's."""
    return call("facilities", "list_loans", actor(), query_args())


@blp.route("/facilities/equipment-returns", methods=["POST"])
@blp.arguments(schemas.Return)
@blp.response(200, schemas.ReturnOut)
@blp.alt_response(409, description="the item is not on loan (`not_on_loan`)")
def return_item(_):
    """The borrower or staff: return with the condition; `damaged` goes to maintenance."""
    return call("facilities", "return_item", actor(), body())


# -- complaints ---------------------------------------------------------------------------
@blp.route("/facilities/complaints", methods=["POST"])
@blp.arguments(schemas.NewComplaint)
@blp.response(201, schemas.ComplaintOut)
def file_complaint(_):
    """Any resident: a noise complaint about an item, linked to the loan out at `at`."""
    return call("facilities", "file_complaint", actor(), body())


@blp.route("/facilities/complaints", methods=["GET"])
@blp.arguments(schemas.ComplaintQuery, **QUERY)
@blp.response(200, schemas.ComplaintList)
def list_complaints(_):
    """Staff: their community's complaints, newest first."""
    return call("facilities", "list_complaints", actor(), query_args())
