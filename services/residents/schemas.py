"""Shapes of what comes into and goes out of the residents service."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.residents.accounts import GROUPS
from shared.schemas import Id, Page, StrictSchema, Text, page_of

PHONE = validate.Regexp(r"^\+?[0-9]{5,20}$", error="a phone number: digits, 5 to 20")


class Register(StrictSchema):
    phone = fields.String(required=True, validate=PHONE)
    password = fields.String(required=True, validate=validate.Length(max=128))
    name = Text(50, required=True)
    birth_date = fields.Date(required=True)
    community_id = Id(required=True)
    building = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))

    @validates("birth_date")
    def not_in_future(self, value, **kwargs):
        if value > dt.date.today() or value.year < 1900:
            raise ValidationError("a real birth date")


class Credentials(StrictSchema):
    phone = fields.String(required=True, validate=PHONE)
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class NewCommunity(StrictSchema):
    name = Text(100, required=True)
    district = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class NewStaff(StrictSchema):
    phone = fields.String(required=True, validate=PHONE)
    password = fields.String(required=True, validate=validate.Length(max=128))
    name = Text(50, required=True)
    community_id = Id(required=True)


class ResidentChanges(StrictSchema):
    groups = fields.List(fields.String(validate=validate.OneOf(GROUPS)),
                         validate=validate.Length(max=len(GROUPS)))
    name = Text(50)
    building = fields.String(allow_none=True, validate=validate.Length(max=20))
    unit = fields.String(allow_none=True, validate=validate.Length(max=20))


class ResidentQuery(Page):
    community_id = Id(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=50))


# -- out ---------------------------------------------------------------------
class Resident(Schema):
    id = fields.String()
    phone = fields.String()
    name = fields.String()
    birth_date = fields.String(allow_none=True)
    community_id = fields.String(allow_none=True)
    building = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    groups = fields.List(fields.String())
    role = fields.String()


ResidentList = page_of(Resident, "ResidentList")


class Community(Schema):
    id = fields.String()
    name = fields.String()
    district = fields.String(allow_none=True)


class Token(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    resident_id = fields.String()
