"""Shapes of what comes into and goes out of the volunteer service."""
from marshmallow import Schema, ValidationError, fields, validate

from services.volunteer.workflow import CATEGORIES, STATUSES, URGENCIES, hours_problem
from shared import clock
from shared.schemas import Id, Page, StrictSchema, Text, page_of

SHORT = validate.Length(min=1, max=50)


# -- teams -------------------------------------------------------------------
class NewTeam(StrictSchema):
    name = Text(50, required=True)
    community_id = Id(required=True)
    skills = fields.List(fields.String(validate=validate.OneOf(CATEGORIES)),
                         load_default=list, validate=validate.Length(max=len(CATEGORIES)))
    areas = fields.List(fields.String(validate=SHORT), load_default=list,
                        validate=validate.Length(max=50))


class NewMember(StrictSchema):
    resident_id = Id(required=True)
    leader = fields.Boolean(load_default=False)


class TeamQuery(StrictSchema):
    community_id = Id(load_default=None)


# -- requests ----------------------------------------------------------------
class NewRequest(StrictSchema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    description = Text(1000, required=True)
    address = Text(200, required=True)
    preferred_time = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=100))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))


class RequestQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class Dispatch(StrictSchema):
    team_id = Id(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class Reject(StrictSchema):
    reason = Text(500, required=True)


def _hours_of_service(hours):
    problem = hours_problem(hours)
    if problem:
        raise ValidationError(problem)


class Complete(StrictSchema):
    hours = fields.Float(required=True, allow_nan=False, validate=_hours_of_service)
    volunteer_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=50))


class Confirm(StrictSchema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class Cancel(StrictSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


# -- points ------------------------------------------------------------------
class NewReward(StrictSchema):
    name = Text(100, required=True)
    cost_points = fields.Integer(required=True, strict=True,
                                 validate=validate.Range(min=1, max=1_000_000))
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000))
    community_id = Id(load_default=None)  # admins name the community; staff have theirs


class RewardQuery(StrictSchema):
    community_id = Id(load_default=None)


class NewRedemption(StrictSchema):
    reward_id = Id(required=True)


class RedemptionQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(("pending", "handed_over")))


class Grant(StrictSchema):
    resident_id = Id(required=True)
    points = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    reason = Text(200, required=True)
    key = fields.String(load_default=None, validate=validate.Length(min=1, max=100))


class Reverse(StrictSchema):
    reason = Text(200, required=True)


class LedgerQuery(StrictSchema):
    community_id = Id(load_default=None)


# -- out ---------------------------------------------------------------------
class Team(Schema):
    id = fields.String()
    name = fields.String()
    community_id = fields.String()
    skills = fields.List(fields.String())
    areas = fields.List(fields.String())
    members = fields.List(fields.String())
    leaders = fields.List(fields.String())
    average_rating = fields.Float(allow_none=True)
    created_at = fields.String()


class HistoryEntry(Schema):
    at = fields.String()
    by = fields.String()
    from_ = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String()
    note = fields.String(allow_none=True)


class Request(Schema):
    id = fields.String()
    resident_id = fields.String()
    community_id = fields.String()
    category = fields.String()
    description = fields.String()
    address = fields.String()
    preferred_time = fields.String(allow_none=True)
    urgency = fields.String()
    status = fields.String()
    team_id = fields.String(allow_none=True)
    team_name = fields.String(allow_none=True)
    dispatched_at = fields.String(allow_none=True)
    sla_due_at = fields.String(allow_none=True)
    escalations = fields.Integer(load_default=0)  # times the SLA passed unaccepted
    hours = fields.Float(allow_none=True)
    volunteer_ids = fields.List(fields.String())
    rating = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    history = fields.List(fields.Nested(HistoryEntry))
    created_at = fields.String()
    updated_at = fields.String()


RequestList = page_of(Request, "RequestList")


class Suggestion(Schema):
    team_id = fields.String()
    name = fields.String()
    score = fields.Float()
    reasons = fields.List(fields.String())


class Suggestions(Schema):
    items = fields.List(fields.Nested(Suggestion))


class Entry(Schema):
    transfer_id = fields.String()
    kind = fields.String()
    points = fields.Integer()
    at = fields.String()
    request_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class Balance(Schema):
    balance = fields.Integer()
    entries = fields.List(fields.Nested(Entry))


class Reward(Schema):
    id = fields.String()
    community_id = fields.String()
    name = fields.String()
    cost_points = fields.Integer()
    stock = fields.Integer()
    created_at = fields.String()


class Redemption(Schema):
    id = fields.String()
    reward_id = fields.String()
    reward_name = fields.String()
    resident_id = fields.String()
    community_id = fields.String()
    points = fields.Integer()
    status = fields.String()
    transfer_id = fields.String()
    created_at = fields.String()
    handed_over_at = fields.String(allow_none=True)
    handed_over_by = fields.String(allow_none=True)


RedemptionList = page_of(Redemption, "RedemptionList")


class Transfer(Schema):
    id = fields.String()
    kind = fields.String()
    community_id = fields.String()
    from_account = fields.String()
    to_account = fields.String()
    points = fields.Integer()
    resident_id = fields.String()
    request_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    reverses = fields.String(allow_none=True)
    reversed_by = fields.String(allow_none=True)
    at = fields.String()
    by = fields.String()


class LedgerCheck(Schema):
    entries_sum = fields.Integer()
    balances_sum = fields.Integer()
    transfers = fields.Integer()
    negative_accounts = fields.List(fields.String())


# -- stored documents as answered ---------------------------------------------------
team_out, request_out = Team(), Request()
reward_out, redemption_out = Reward(), Redemption()
transfer_out, entry_out = Transfer(), Entry()


def _iso_fields(doc, *names):
    return {n: clock.iso(doc.get(n)) for n in names}


def team_of(doc, rating=(0, 0)):
    total, count = rating
    return team_out.dump({**doc, "id": doc["_id"],
                          "average_rating": round(total / count, 2) if count else None,
                          **_iso_fields(doc, "created_at")})


def request_of(doc):
    history = [{**h, "at": clock.iso(h["at"])} for h in doc.get("history", [])]
    return request_out.dump({**doc, "id": doc["_id"], "history": history,
                             "volunteer_ids": doc.get("volunteer_ids") or [],
                             **_iso_fields(doc, "created_at", "updated_at", "dispatched_at",
                                           "sla_due_at")})


def reward_of(doc):
    return reward_out.dump({**doc, "id": doc["_id"], **_iso_fields(doc, "created_at")})


def redemption_of(doc):
    return redemption_out.dump({**doc, "id": doc["_id"],
                                **_iso_fields(doc, "created_at", "handed_over_at")})


def transfer_of(doc, reversed_by=None):
    return transfer_out.dump({**doc, "id": doc["_id"], "resident_id": doc["volunteer_id"],
                              "reversed_by": reversed_by, **_iso_fields(doc, "at")})


def entry_of(doc):
    return entry_out.dump({**doc, "points": doc["delta"], "at": clock.iso(doc["at"]),
                           "request_id": doc["request_id"] if doc["kind"] == "credit" else None})
