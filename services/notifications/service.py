"""Notifications: inboxes, preferences, templates (zh-CN and en) and delivery.

One event handler per personal event type in the catalogue, generated from the
templates, each idempotent on ``(event_id, handler)``."""
from nameko.rpc import RpcProxy, rpc

from services.notifications import messaging, schemas
from services.notifications.storage import NotificationsStore
from shared import clock, rpc as bounded
from shared.auth import Actor
from shared.errors import EXPECTED, NotFound
from shared.events import handles
from shared.mongo import Mongo
from shared.schemas import load
from shared.service import LinliService, bootstrap

bootstrap("notifications")

message_out = schemas.Message()
preferences_out = schemas.PreferencesOut()


def _message(doc):
    return message_out.dump({**doc, "id": doc["_id"], "created_at": clock.iso(doc["created_at"])})


class NotificationsService(LinliService):
    name = "notifications"
    store = Mongo(NotificationsStore)
    residents = RpcProxy("residents")

    # -- inbox ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, actor, query):
        """A resident's own messages, newest first, cursor-paginated."""
        who = Actor.from_dict(actor)
        data = load(schemas.InboxQuery(), query)
        docs, next_cursor = self.store.inbox(who.id, data["unread"], data["limit"], data["cursor"])
        return {"items": [_message(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def unread_count(self, actor):
        return {"unread": self.store.unread_count(Actor.from_dict(actor).id)}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, actor, message_id):
        doc = self.store.mark_read(Actor.from_dict(actor).id, message_id)
        if not doc:
            raise NotFound("no such message")
        return _message(doc)

    @rpc(expected_exceptions=EXPECTED)
    def mark_all_read(self, actor):
        return {"marked": self.store.mark_all_read(Actor.from_dict(actor).id)}

    @rpc(expected_exceptions=EXPECTED)
    def get_preferences(self, actor):
        return preferences_out.dump(self.store.preferences(Actor.from_dict(actor).id))

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, actor, payload):
        changes = load(schemas.Preferences(), payload)
        return preferences_out.dump(self.store.save_preferences(Actor.from_dict(actor).id, changes))

    # -- delivery --------------------------------------------------------------------
    def deliver(self, event, handler):
        recipients = self.recipients_of(event)
        languages = self.store.languages_of(recipients)
        reference = messaging.reference(event)
        inbox = [{"resident_id": r, "ref": reference,
                  **messaging.render(event, languages.get(r, messaging.DEFAULT_LANGUAGE))}
                 for r in recipients]
        self.store.deliver(event, handler, inbox)

    def recipients_of(self, event):
        if messaging.recipients_rule(event["type"]) == "community_staff":
            return bounded.call(self.residents, "community_staff", event["data"]["community_id"])
        return messaging.direct_recipients(event)


def _handler_for(event_type):
    def handle(self, event):
        self.deliver(event, handler=f"notifications.inbox.{event_type}")
    handle.__doc__ = f"Put the {event_type} message in the inbox of everyone it concerns."
    return handles(event_type)(handle)


for _type in messaging.TEMPLATES:
    setattr(NotificationsService, "on_" + _type.replace(".", "_"), _handler_for(_type))
