"""Shapes of the notifications service."""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.notifications.delivery import OUTCOMES
from services.notifications.messaging import LANGUAGES
from shared import clock
from shared.catalogue import CATALOGUE
from shared.schemas import Page, StrictSchema, page_of

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class QuietHours(StrictSchema):
    start = fields.String(required=True)
    end = fields.String(required=True)

    @validates("start", "end")
    def is_time(self, value, **kwargs):
        if not _TIME.match(value):
            raise ValidationError("a time of day, HH:MM")


class Preferences(StrictSchema):
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    muted_categories = fields.List(fields.String(validate=validate.OneOf(list(CATALOGUE))),
                                   validate=validate.Length(max=len(CATALOGUE)))
    quiet_hours = fields.Nested(QuietHours, allow_none=True)
    webhook_url = fields.Url(allow_none=True, schemes={"http", "https"}, require_tld=False,
                             validate=validate.Length(max=500))


class InboxQuery(Page):
    unread = fields.Boolean(load_default=False)


class Reference(Schema):
    type = fields.String()
    id = fields.String()


class Message(Schema):
    id = fields.String()
    category = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = fields.String()
    read = fields.Boolean()
    ref = fields.Nested(Reference)


class PreferencesOut(Schema):
    language = fields.String()
    muted_categories = fields.List(fields.String())
    quiet_hours = fields.Dict(allow_none=True)
    webhook_url = fields.String(allow_none=True)
    webhook_secret = fields.String(metadata={"description": "shown once, when a webhook URL is set"})


class PushAttempt(Schema):
    at = fields.String()
    ok = fields.Boolean()
    status_code = fields.Integer(allow_none=True, metadata={
        "description": "the receiver's HTTP status, when it answered"})
    outcome = fields.String(validate=validate.OneOf(OUTCOMES), metadata={
        "description": "delivered, rejected (a non-2xx status), timeout, connection_failed, "
                       "tls_failed, address_refused, unresolvable, answer_too_large, bad_answer"})


class Push(Schema):
    id = fields.String(metadata={"description": "the message's id (also sent as X-Linli-Delivery)"})
    state = fields.String(metadata={
        "description": "pending, sending, delivered, failed (attempts used up) or cancelled "
                       "(the webhook was removed)"})
    attempts = fields.List(fields.Nested(PushAttempt))


MessageList = page_of(Message, "MessageList")


class MarkedAll(Schema):
    marked = fields.Integer(metadata={"description": "how many messages were marked read"})


_message_out = Message()


def dump_message(doc: dict) -> dict:
    """A stored message as residents (and their webhooks) see it."""
    return _message_out.dump({**doc, "id": doc["_id"], "created_at": clock.iso(doc["created_at"])})
