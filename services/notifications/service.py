"""Notifications: inboxes, preferences, templates (zh-CN and en) and delivery.

One event handler per personal event type, generated from the templates. A message
carries its webhook push in the same document and is unique on ``(event_id,
resident_id)``, so delivering an event is one insert, idempotent without a transaction;
pushes go out from a timer in every replica."""
from nameko.rpc import RpcProxy

from services.notifications import delivery, messaging, schemas
from services.notifications.jobs import schedule
from services.notifications.storage import NotificationsStore
from shared import clock, rpc as bounded
from shared.auth import Actor
from shared.config import settings
from shared.errors import EXPECTED, Invalid, NotFound
from shared.events import handles
from shared.mongo import Mongo
from shared.rpc import rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("notifications")

preferences_out = schemas.PreferencesOut()
_message = schemas.dump_message


class NotificationsService(chassis.LinliService):
    name = "notifications"
    store = Mongo(NotificationsStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- inbox ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def inbox(self, actor, query):
        """A resident's own messages, newest first, cursor-paginated."""
        who = Actor.of(actor)
        data = load(schemas.InboxQuery, query)
        docs, next_cursor = self.store.inbox(who.id, data["unread"], data["limit"], data["cursor"])
        return {"items": [_message(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def unread_count(self, actor):
        return {"unread": self.store.unread_count(Actor.of(actor).id)}

    @rpc(expected_exceptions=EXPECTED)
    def mark_read(self, actor, message_id):
        doc = self.store.mark_read(Actor.of(actor).id, message_id)
        if not doc:
            raise NotFound("no such message")
        return _message(doc)

    @rpc(expected_exceptions=EXPECTED)
    def mark_all_read(self, actor):
        return {"marked": self.store.mark_all_read(Actor.of(actor).id)}

    @rpc(expected_exceptions=EXPECTED)
    def pushes(self, actor, message_id):
        """The webhook push of one of the caller's messages, as ``[push]`` (``[]`` when
        it was not pushed): state and, per attempt, when, the outcome and HTTP status."""
        found = self.store.push_of(Actor.of(actor).id, message_id)
        if found is None:
            raise NotFound("no such message")
        if not found["push"]:
            return []
        view = delivery.push_view(message_id, found["push"])
        for attempt in view["attempts"]:
            attempt["at"] = clock.iso(attempt["at"])
        return [view]

    # -- preferences -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get_preferences(self, actor):
        return preferences_out.dump(self.store.preferences(Actor.of(actor).id))

    @rpc(expected_exceptions=EXPECTED)
    def set_preferences(self, actor, payload):
        """Change preferences. A new webhook URL answers its signing secret once, as
        ``webhook_secret``; it is never shown again."""
        changes = load(schemas.Preferences, payload)
        if changes.get("webhook_url"):
            problem = delivery.url_problem(changes["webhook_url"], settings().production)
            if problem:
                raise Invalid("this webhook URL is not allowed",
                              details={"webhook_url": [f"must be {problem}"]})
        who = Actor.of(actor)
        prefs, secret = self.store.save_preferences(who.id, changes, who.community_id)
        answer = preferences_out.dump(prefs)
        if secret:
            answer["webhook_secret"] = secret
        return answer

    # -- delivery --------------------------------------------------------------------
    def deliver(self, event):
        messaging.deliver(self.store, event, self._community_staff)

    def _community_staff(self, community_id):
        return bounded.call(self.residents, "community_staff", community_id)


# One event handler per template, generated rather than written out: every personal
# event type in templates.json gets ``on_<service>_<type>``, subscribed with @handles
# (its own queue, retries and dead letters), and all of them do the same thing, deliver.
# A new template is therefore delivered without touching this file; test_notifications
# checks that every personal event type of the catalogue has a template.
def _handler_for(event_type):
    def handle(self, event):
        self.deliver(event)
    handle.__doc__ = f"Put the {event_type} message in the inbox of everyone it concerns."
    return handles(event_type)(handle)


for _type in messaging.TEMPLATES:
    setattr(NotificationsService, "on_" + _type.replace(".", "_"), _handler_for(_type))
