"""Shapes of what comes into and goes out of the facilities service. The gateway
validates with the same schemas; the service loads them again."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.facilities import equipment, rooms
from shared import clock
from shared.schemas import Day, Id, Page, StrictSchema, Text, Whole, page_of

HHMM = Whole(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="a time of day, HH:MM")
CODE = Whole(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", error="letters, digits, - and _")
DOOR_CODE = Whole(r"^[A-Za-z0-9]{4,16}$", error="the code on the door's label")


def Instant(**kw):  # noqa: N802 - a field factory, read like a field class
    return fields.AwareDateTime(default_timezone=clock.community_tz(), **kw)


# -- in --------------------------------------------------------------------------
class Hours(StrictSchema):
    start = fields.String(required=True, validate=HHMM)
    end = fields.String(required=True, validate=HHMM)


class NewRoom(StrictSchema):
    name = Text(100, required=True)
    community_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(rooms.KINDS))
    capacity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1000))
    opening = fields.Nested(Hours, load_default=None, allow_none=True)
    private = fields.Boolean(load_default=False)
    max_minutes = fields.Integer(strict=True, load_default=rooms.DEFAULT_MAX_MINUTES,
                                 validate=validate.Range(min=rooms.GRID_MINUTES, max=rooms.LONGEST_MAX_MINUTES))

    @validates_schema
    def grid(self, data, **kwargs):
        if data.get("max_minutes", 0) % rooms.GRID_MINUTES:
            raise ValidationError("a multiple of 30", "max_minutes")
        problem = rooms.opening_problem(data.get("opening"))
        if problem:
            raise ValidationError(problem, "opening")


class RoomQuery(Page):
    community_id = Id(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(rooms.KINDS))


class DayQuery(StrictSchema):
    date = Day(load_default=None)


class NewRoomBooking(StrictSchema):
    room_id = Id(required=True)
    start = Instant(required=True)
    end = Instant(required=True)
    purpose = Text(200, load_default="")


class RoomBookingQuery(Page):
    room_id = Id(load_default=None)
    date = Day(load_default=None)


class DoorCode(StrictSchema):
    door_code = fields.String(required=True, validate=DOOR_CODE)


class WalkIn(DoorCode):
    minutes = fields.Integer(strict=True, required=True,
                             validate=validate.Range(min=rooms.GRID_MINUTES,
                                                     max=rooms.LONGEST_MAX_MINUTES))


class EquipmentRules(StrictSchema):
    max_volume_db = fields.Integer(strict=True, load_default=None, allow_none=True,
                                   validate=validate.Range(min=30, max=130))
    allowed = fields.Nested(Hours, required=True)

    @validates_schema
    def window(self, data, **kwargs):
        allowed = data.get("allowed")
        if allowed and allowed["start"] == allowed["end"]:
            raise ValidationError("the window's start and end differ", "allowed")


class NewItem(StrictSchema):
    name = Text(100, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(equipment.KINDS))
    community_id = Id(required=True)
    code = fields.String(required=True, validate=CODE)
    rules = fields.Nested(EquipmentRules, required=True)


class ItemQuery(Page):
    community_id = Id(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(equipment.KINDS))


class NewLoan(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    accept_rules = fields.Boolean(load_default=False)

    @validates_schema
    def accepted(self, data, **kwargs):
        if data.get("accept_rules") is not True:
            raise ValidationError("accept the item's rules (true) to borrow it", "accept_rules")


class LoanQuery(Page):
    pass


class Return(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    condition = fields.String(required=True, validate=validate.OneOf(equipment.CONDITIONS))
    note = Text(500, load_default=None, allow_none=True)


class NewComplaint(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    description = Text(1000, required=True)
    at = Instant(load_default=None, allow_none=True)


class ComplaintQuery(Page):
    community_id = Id(load_default=None)
    item_id = Id(load_default=None)


# -- out -------------------------------------------------------------------------
class RoomOut(Schema):
    id = fields.String()
    name = fields.String()
    community_id = fields.String()
    kind = fields.String()
    capacity = fields.Integer()
    opening = fields.Nested(Hours, allow_none=True)
    private = fields.Boolean()
    max_minutes = fields.Integer()
    door_code = fields.String()
    created_at = fields.String()


RoomList = page_of(RoomOut, "RoomList")


class RoomBookingOut(Schema):
    id = fields.String()
    room_id = fields.String()
    room_name = fields.String()
    community_id = fields.String()
    resident_id = fields.String()
    start = fields.String()
    end = fields.String()
    purpose = fields.String()
    status = fields.String()
    walk_in = fields.Boolean()
    check_in_opens_at = fields.String()
    check_in_closes_at = fields.String()
    created_at = fields.String()
    cancelled_at = fields.String(allow_none=True)
    checked_in_at = fields.String(allow_none=True)


RoomBookingList = page_of(RoomBookingOut, "RoomBookingList")


class ItemOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    community_id = fields.String()
    code = fields.String()
    rules = fields.Nested(EquipmentRules)
    status = fields.String()
    loan_id = fields.String(allow_none=True)
    created_at = fields.String()


ItemList = page_of(ItemOut, "ItemList")


class LoanOut(Schema):
    id = fields.String()
    item_id = fields.String()
    item_name = fields.String()
    code = fields.String()
    community_id = fields.String()
    resident_id = fields.String()
    status = fields.String()
    rules = fields.Nested(EquipmentRules)
    started_at = fields.String()
    due_at = fields.String()
    returned_at = fields.String(allow_none=True)
    condition = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


LoanList = page_of(LoanOut, "EquipmentLoanList")


class ReturnOut(Schema):
    loan = fields.Nested(LoanOut)
    item = fields.Nested(ItemOut)


class ComplaintOut(Schema):
    id = fields.String()
    item_id = fields.String()
    item_name = fields.String()
    code = fields.String()
    community_id = fields.String()
    description = fields.String()
    at = fields.String()
    loan_id = fields.String(allow_none=True)
    borrower_id = fields.String(allow_none=True)
    complainant_id = fields.String()
    created_at = fields.String()


ComplaintList = page_of(ComplaintOut, "ComplaintList")
