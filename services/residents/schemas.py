"""Shapes of what comes into and goes out of the residents service."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate

from services.residents.accounts import GROUPS, normalise_phone
from shared.schemas import Id, Page, StrictSchema, Text, page_of


class Phone(fields.String):
    """A phone number, loaded in its one normal form (``+86 138-0000-0000`` is
    ``13800000000``); a line break or space around it is 422."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 40:
            raise ValidationError("a phone number: digits, 5 to 20")
        try:
            return normalise_phone(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def _real_birth_date(value):
    if value > dt.date.today() or value.year < 1900:
        raise ValidationError("a real birth date")


class Register(StrictSchema):
    phone = Phone(required=True)
    password = fields.String(required=True, validate=validate.Length(max=128))
    name = Text(50, required=True)
    birth_date = fields.Date(required=True, validate=_real_birth_date)
    community_id = Id(required=True)
    building = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))


class Credentials(StrictSchema):
    phone = Phone(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class NewCommunity(StrictSchema):
    name = Text(100, required=True)
    district = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class NewStaff(StrictSchema):
    phone = Phone(required=True)
    password = fields.String(required=True, validate=validate.Length(max=128))
    name = Text(50, required=True)
    community_id = Id(required=True)


class ResidentChanges(StrictSchema):
    groups = fields.List(fields.String(validate=validate.OneOf(GROUPS)),
                         validate=validate.Length(max=len(GROUPS)))
    name = Text(50)
    building = fields.String(allow_none=True, validate=validate.Length(max=20))
    unit = fields.String(allow_none=True, validate=validate.Length(max=20))
    birth_date = fields.Date(validate=_real_birth_date)


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


class BirthDateCorrection(Schema):
    by = fields.String()
    by_role = fields.String()
    at = fields.String()
    old = fields.String(allow_none=True)
    new = fields.String()


class ManagedResident(Resident):
    """A resident as staff and admins see them: with the audit trail of corrections."""
    birth_date_corrections = fields.List(fields.Nested(BirthDateCorrection))


ResidentList = page_of(ManagedResident, "ResidentList")


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
