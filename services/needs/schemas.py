"""Shapes of what comes into and goes out of the needs service. The gateway
validates with the same schemas; the service loads them again."""
from marshmallow import Schema, fields, validate

from services.needs.needlist import CATEGORIES, ROUTES, SOURCES, STATUSES as NEED_STATUSES
from services.needs.wall import MAX_BUDGET_FEN, MAX_POINTS, STATUSES as WISH_STATUSES
from shared.schemas import Id, Page, StrictSchema, Text, page_of

Category = lambda **kw: fields.String(validate=validate.OneOf(CATEGORIES), **kw)  # noqa: E731


def Budget(**kw):  # noqa: N802 - a field factory, read like a field class
    return fields.Integer(strict=True, validate=validate.Range(
        min=0, max=MAX_BUDGET_FEN, error="a micro-wish costs at most {max} fen"), **kw)


# -- in: needs -------------------------------------------------------------------
class NewNeed(StrictSchema):
    category = Category(required=True)
    description = Text(1000, required=True)
    address = Text(200, load_default=None, allow_none=True)
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    resident_id = Id(load_default=None, allow_none=True)


class NeedQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(NEED_STATUSES))
    category = Category(load_default=None)
    community_id = Id(load_default=None)


class SummaryQuery(StrictSchema):
    community_id = Id(load_default=None)


class Route(StrictSchema):
    to = fields.String(required=True, validate=validate.OneOf(ROUTES))
    # a wish made of the need: its title (default: the start of the description) and budget
    title = Text(60, load_default=None, allow_none=True)
    budget_fen = Budget(load_default=0)


class CloseNeed(StrictSchema):
    resolution = Text(1000, required=True)


# -- in: wishes ------------------------------------------------------------------
class NewWish(StrictSchema):
    title = Text(60, required=True)
    description = Text(1000, required=True)
    budget_fen = Budget(load_default=0)
    resident_id = Id(load_default=None, allow_none=True)


class WishQuery(Page):
    community_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(WISH_STATUSES))
    # (added) the caller's own wishes, or those the caller claimed, whatever their status
    mine = fields.String(load_default=None, validate=validate.OneOf(("wished", "claimed")))


class Approve(StrictSchema):
    points = fields.Integer(strict=True, load_default=None, allow_none=True,
                            validate=validate.Range(min=0, max=MAX_POINTS))


class RejectWish(StrictSchema):
    reason = Text(500, required=True)


class Fulfil(StrictSchema):
    note = Text(1000, required=True)


class ConfirmWish(StrictSchema):
    thanks = Text(500, load_default=None, allow_none=True)


# -- out -------------------------------------------------------------------------
class Ref(Schema):
    type = fields.String()
    id = fields.String()


class NeedOut(Schema):
    id = fields.String()
    resident_id = fields.String()
    resident_name = fields.String(allow_none=True)
    community_id = fields.String()
    category = fields.String()
    description = fields.String()
    address = fields.String(allow_none=True)
    source = fields.String()
    status = fields.String()
    recorded_by = fields.String()
    ref = fields.Nested(Ref, allow_none=True)
    resolution = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    resolved_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)


NeedList = page_of(NeedOut, "NeedList")


class Summary(Schema):
    community_id = fields.String()
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()


class Person(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class WishOut(Schema):
    id = fields.String()
    community_id = fields.String()
    title = fields.String()
    description = fields.String()
    budget_fen = fields.Integer()
    points = fields.Integer(allow_none=True)
    status = fields.String()
    wisher = fields.String(metadata={"description": "the masked name (王**) for anyone but "
                                                    "the wisher, staff and the claimer"})
    mine = fields.Boolean()
    claimed_by_me = fields.Boolean()
    need_id = fields.String(allow_none=True)
    # only for the wisher, staff, and the claimer after claiming
    wisher_contact = fields.Nested(Person, allow_none=True)
    # only for the wisher, staff and the claimer
    claimer = fields.Nested(Person, allow_none=True)
    fulfil_note = fields.String(allow_none=True)
    thanks = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    created_at = fields.String()
    claimed_at = fields.String(allow_none=True)
    fulfilled_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)


WishList = page_of(WishOut, "WishList")
