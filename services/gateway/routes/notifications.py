"""Notifications routes: inbox and preferences."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.gateway.web import QUERY, actor, body, call, query_args
from services.notifications import schemas

blp = Blueprint("notifications", __name__, description="Inbox and preferences")


class UnreadCount(Schema):
    unread = fields.Integer()


@blp.route("/notifications", methods=["GET"])
@blp.arguments(schemas.InboxQuery, **QUERY)
@blp.alt_response(200, schema=schemas.MessageList, success=True)
def inbox(_):
    """Own inbox, newest first; ``?unread=true`` for unread only."""
    return call("notifications", "inbox", actor(), query_args())


@blp.route("/notifications/unread-count", methods=["GET"])
@blp.response(200, UnreadCount)
def unread_count():
    return call("notifications", "unread_count", actor())


@blp.route("/notifications/<message_id>/read", methods=["POST"])
@blp.response(200, schemas.Message)
def mark_read(message_id):
    return call("notifications", "mark_read", actor(), message_id)


@blp.route("/notifications/<message_id>/pushes", methods=["GET"])
@blp.response(200, schemas.Push(many=True))
def pushes(message_id):
    """The webhook push of one of your messages: its state and, per attempt, when, the
    outcome and the HTTP status (not the URL, the answer or internal errors)."""
    return call("notifications", "pushes", actor(), message_id)


@blp.route("/notifications/read-all", methods=["POST"])
@blp.alt_response(200, schema=schemas.MarkedAll, success=True)
def mark_all_read():
    return call("notifications", "mark_all_read", actor())


@blp.route("/notifications/preferences", methods=["GET"])
@blp.response(200, schemas.PreferencesOut)
def get_preferences():
    return call("notifications", "get_preferences", actor())


@blp.route("/notifications/preferences", methods=["PUT"])
@blp.arguments(schemas.Preferences)
@blp.response(200, schemas.PreferencesOut)
def set_preferences(_):
    return call("notifications", "set_preferences", actor(), body())
