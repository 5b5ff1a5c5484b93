"""Shapes of what comes into and goes out of the directory service. The gateway
validates with the same schemas; the service loads them again."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.directory.places import CATEGORIES, hours_problem
from shared.schemas import Id, Page, StrictSchema, Text, Whole, page_of

TIME = Whole(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", error="a time HH:MM")
PHONE = Whole(r"^[0-9+][0-9 ()+-]{2,29}$", error="a phone number: digits, spaces, + - ( )")
Category = lambda **kw: fields.String(validate=validate.OneOf(CATEGORIES), **kw)  # noqa: E731


class Hours(StrictSchema):
    days = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=7)),
                       required=True, validate=validate.Length(min=1, max=7))
    open = fields.String(required=True, validate=TIME)
    close = fields.String(required=True, validate=TIME)

    @validates_schema
    def sensible(self, data, **kwargs):
        problem = hours_problem(data)
        if problem:
            raise ValidationError(problem, "open" if "open" in problem else "days")


HoursList = lambda **kw: fields.List(fields.Nested(Hours), validate=validate.Length(max=21),  # noqa: E731
                                     **kw)


class NewPlace(StrictSchema):
    community_id = Id(required=True)
    name = Text(100, required=True)
    category = Category(required=True)
    address = Text(200, required=True)
    phone = fields.String(required=True, validate=PHONE)
    hours = HoursList(load_default=list)
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=500))


class PlaceChanges(StrictSchema):
    """A PATCH: any of the fields, none of them the community."""
    name = Text(100)
    category = Category()
    address = Text(200)
    phone = fields.String(validate=PHONE)
    hours = HoursList()
    notes = fields.String(allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def something(self, data, **kwargs):
        if not data:
            raise ValidationError("change at least one field", "_schema")


class PlaceQuery(Page):
    community_id = Id(load_default=None)
    category = Category(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    open_now = fields.Boolean(load_default=None, allow_none=True)


class HoursOut(Schema):
    days = fields.List(fields.Integer())
    open = fields.String()
    close = fields.String()


class PlaceOut(Schema):
    id = fields.String()
    community_id = fields.String()
    name = fields.String()
    category = fields.String()
    address = fields.String()
    phone = fields.String()
    hours = fields.List(fields.Nested(HoursOut))
    notes = fields.String(allow_none=True)
    open_now = fields.Boolean()
    stale = fields.Boolean()
    verified_at = fields.String()
    verified_by = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String(allow_none=True)


PlaceList = page_of(PlaceOut, "PlaceList")
