"""Shapes of what comes into and goes out of the activities service. The gateway
validates with the same schemas; the service loads them again."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.activities.seating import KINDS, MAX_PARTY, STATUSES
from shared import clock
from shared.schemas import Day, Id, Page, StrictSchema, Text, page_of

MAX_CAPACITY = 10_000
MAX_SESSIONS = 60
MAX_POINTS = 1_000
Age = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=0, max=150),  # noqa: E731
                                  **kw)


def Instant(**kw):  # noqa: N802 - a field factory, read like a field class
    return fields.AwareDateTime(default_timezone=clock.community_tz(), **kw)


# -- in --------------------------------------------------------------------------
class Session(StrictSchema):
    start = Instant(required=True)
    end = Instant(required=True)

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("a session ends after it starts", "end")


class NewActivity(StrictSchema):
    community_id = Id(required=True)
    title = Text(100, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    sessions = fields.List(fields.Nested(Session), required=True,
                           validate=validate.Length(min=1, max=MAX_SESSIONS))
    capacity = fields.Integer(strict=True, required=True,
                              validate=validate.Range(min=1, max=MAX_CAPACITY))
    location = Text(200, required=True)
    signup_closes_at = Instant(required=True)
    min_age = Age(load_default=None, allow_none=True)
    max_age = Age(load_default=None, allow_none=True)
    attendance_points = fields.Integer(strict=True, load_default=0,
                                       validate=validate.Range(min=0, max=MAX_POINTS))
    birthday_month = fields.Integer(strict=True, load_default=None, allow_none=True,
                                    validate=validate.Range(min=1, max=12))

    @validates_schema
    def consistent(self, data, **kwargs):
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise ValidationError("min_age is above max_age", "max_age")
        if data.get("birthday_month") is not None and data.get("kind") != "gathering":
            raise ValidationError("only a gathering has a birthday month", "birthday_month")
        starts = [s["start"] for s in data.get("sessions") or [] if "start" in s]
        if starts and data.get("signup_closes_at") and data["signup_closes_at"] > min(starts):
            raise ValidationError("sign-up closes at the latest when the first session starts",
                                  "signup_closes_at")


class ActivityQuery(Page):
    community_id = Id(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    from_ = Day(data_key="from", load_default=None)


class Member(StrictSchema):
    name = Text(50, required=True)
    # a birth date, not a day of the community's calendar: from 1900 to today
    birth_date = fields.Date(required=True, validate=validate.Range(
        min=dt.date(1900, 1, 1), max=dt.date.today() + dt.timedelta(days=1),
        error="a birth date between {min} and today"))


class NewSignup(StrictSchema):
    party = fields.List(fields.Nested(Member), required=True,
                        validate=validate.Length(min=1, max=MAX_PARTY))


class SignupQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class Attendance(StrictSchema):
    signup_id = Id(required=True)
    attended = fields.Boolean(load_default=True, validate=validate.Equal(
        True, error="attendance is recorded, never taken back"))


# -- out -------------------------------------------------------------------------
class SessionOut(Schema):
    start = fields.String()
    end = fields.String()


class ActivityOut(Schema):
    id = fields.String()
    community_id = fields.String()
    title = fields.String()
    kind = fields.String()
    description = fields.String()
    sessions = fields.List(fields.Nested(SessionOut))
    starts_at = fields.String()
    ends_at = fields.String()
    capacity = fields.Integer()
    taken = fields.Integer()
    remaining = fields.Integer()
    waiting = fields.Integer()
    location = fields.String()
    signup_closes_at = fields.String()
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    attendance_points = fields.Integer()
    birthday_month = fields.Integer(allow_none=True)
    invited = fields.Integer()
    created_at = fields.String()


ActivityList = page_of(ActivityOut, "ActivityList")


class MemberOut(Schema):
    name = fields.String()
    birth_date = fields.String()


class SignupOut(Schema):
    id = fields.String()
    activity_id = fields.String()
    title = fields.String()
    starts_at = fields.String()
    resident_id = fields.String()
    party = fields.List(fields.Nested(MemberOut))
    size = fields.Integer()
    status = fields.String()
    position = fields.Integer(allow_none=True)
    offer_expires_at = fields.String(allow_none=True)
    attended = fields.Boolean()
    created_at = fields.String()


SignupList = page_of(SignupOut, "SignupList")
