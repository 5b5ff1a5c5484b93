"""The only module of the notifications service that speaks Mongo.

A message and its webhook push are one document (``push`` embedded in the message):
the unique index on ``(event_id, resident_id)`` is the handler's idempotency record,
so delivering an event is one ``insert_many(ordered=False)`` and a redelivery inserts
nothing twice (a duplicate key means "already delivered")."""
import datetime as dt
import secrets

from pymongo.errors import BulkWriteError

from services.notifications import delivery
from services.notifications.cache import TtlCache
from shared import clock
from shared.config import settings
from shared.mongo import Store, index, unique
from shared.pagination import newest_first

DEFAULT_PREFERENCES = {"language": "zh-CN", "muted_categories": [], "quiet_hours": None,
                       "webhook_url": None}
# Preferences are read on every delivery through this cache: a change made through
# another replica takes effect within this many seconds (at once in the same process).
PREFERENCES_TTL_SECONDS = settings().preferences_cache_seconds
DUPLICATE_KEY = 11000
# Pushes to send, for everyone or for one community (the job run by staff).
ANY_COMMUNITY = object()


class NotificationsStore(Store):
    service = "notifications"
    indexes = {
        # one message per (event, recipient), whatever the redeliveries and replicas
        "messages": [unique("event_id", "resident_id"),
                     index("resident_id", "-created_at", "-_id"),
                     index("resident_id", "read"),
                     index("push.state", "push.not_before"),
                     index("push.state", "push.community_id", "push.not_before"),
                     index("push.state", "push.claimed_at"),
                     index("push.state", "push.community_id", "push.claimed_at")],
    }

    def __init__(self, mongo_client=None):
        super().__init__(mongo_client)
        self.preferences_cache = TtlCache(PREFERENCES_TTL_SECONDS)

    @property
    def messages(self):
        return self.db["messages"]

    def on_start(self):
        self._move_pushes_into_messages()

    # -- preferences ---------------------------------------------------------------
    def preferences(self, resident_id: str) -> dict:
        doc = self.db["preferences"].find_one({"_id": resident_id}) or {}
        return {k: doc.get(k, v) for k, v in DEFAULT_PREFERENCES.items()}

    def preferences_of(self, resident_ids: list[str]) -> dict[str, dict]:
        """Preferences for delivery, through the short cache (see PREFERENCES_TTL_SECONDS)."""
        def load(missing):
            docs = {d["_id"]: d for d in self.db["preferences"].find(
                {"_id": {"$in": missing}}, {"webhook_secret": 0})}
            return {r: {**DEFAULT_PREFERENCES, **docs.get(r, {})} for r in missing}
        return self.preferences_cache.get_many(list(resident_ids), load)

    def save_preferences(self, resident_id: str, changes: dict,
                         community_id: str | None = None) -> tuple[dict, str | None]:
        """Store ``changes`` (and the resident's community, which their pushes belong
        to); a new webhook URL gets a new signing secret, returned here once and never
        shown again."""
        new_secret = None
        current = self.db["preferences"].find_one({"_id": resident_id}) or {}
        url = changes.get("webhook_url")
        changes = {**changes, "community_id": community_id}
        if url and url != current.get("webhook_url"):
            new_secret = secrets.token_urlsafe(32)
            changes["webhook_secret"] = new_secret
        self.db["preferences"].update_one({"_id": resident_id}, {"$set": changes}, upsert=True)
        self.preferences_cache.invalidate(resident_id)
        return self.preferences(resident_id), new_secret

    def webhook_of(self, resident_id: str) -> dict | None:
        """The resident's webhook as it is now: ``{url, secret}``, or None."""
        doc = self.db["preferences"].find_one({"_id": resident_id},
                                              {"webhook_url": 1, "webhook_secret": 1})
        if not doc or not doc.get("webhook_url"):
            return None
        return {"url": doc["webhook_url"], "secret": doc.get("webhook_secret") or ""}

    # -- inbox -------------------------------------------------------------------------
    def deliver(self, messages: list[dict]) -> int:
        """Put ``messages`` (with their pushes) in their inboxes; answers how many were
        new. One round trip; redeliveries and racing replicas insert nothing twice."""
        if not messages:
            return 0
        try:
            return len(self.messages.insert_many(messages, ordered=False).inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            return exc.details.get("nInserted", 0)

    def inbox(self, resident_id: str, unread_only: bool, limit: int, cursor: str | None):
        query = {"resident_id": resident_id}
        if unread_only:
            query["read"] = False
        return newest_first(self.messages, query, limit, cursor)

    def unread_count(self, resident_id: str) -> int:
        return self.messages.count_documents({"resident_id": resident_id, "read": False})

    def mark_read(self, resident_id: str, message_id: str) -> dict | None:
        self.messages.update_one({"_id": message_id, "resident_id": resident_id},
                                 {"$set": {"read": True, "read_at": clock.now()}})
        return self.messages.find_one({"_id": message_id, "resident_id": resident_id})

    def mark_all_read(self, resident_id: str) -> int:
        return self.messages.update_many({"resident_id": resident_id, "read": False},
                                         {"$set": {"read": True, "read_at": clock.now()}}
                                         ).modified_count

    # -- pushes ------------------------------------------------------------------------
    def push_of(self, resident_id: str, message_id: str) -> dict | None:
        """``{"push": ...}`` of one of the resident's messages (``push`` None when it
        was not pushed), or None when the message is not theirs."""
        doc = self.messages.find_one({"_id": message_id, "resident_id": resident_id},
                                     {"push": 1})
        return None if doc is None else {"push": doc.get("push")}

    def claim_due_pushes(self, as_of: dt.datetime, limit: int,
                         community_id=ANY_COMMUNITY) -> list[dict]:
        """Messages whose push is due by ``as_of`` (in one community, or any), each
        claimed by one conditional update (N replicas safe; the claim names the try
        it read, so a stale read never wins); a claim left by a dead replica is taken
        over after SENDING_TIMEOUT."""
        if limit <= 0:
            return []
        scope = {} if community_id is ANY_COMMUNITY else {"push.community_id": community_id}
        due = list(self.messages.find({"push.state": "pending", **scope,
                                       "push.not_before": {"$lte": as_of}})
                   .sort("push.not_before", 1).limit(limit))
        stale = [] if len(due) >= limit else list(self.messages.find(
            {"push.state": "sending", **scope,
             "push.claimed_at": {"$lt": clock.now() - delivery.SENDING_TIMEOUT}})
            .limit(limit - len(due)))
        claimed = []
        for doc in due + stale:
            push = doc["push"]
            won = self.messages.update_one(
                {"_id": doc["_id"], "push.state": push["state"], "push.tries": push["tries"]},
                {"$set": {"push.state": "sending", "push.claimed_at": clock.now()}})
            if won.modified_count == 1:
                claimed.append(doc)
        return claimed

    def record_attempt(self, message: dict, attempt: dict, as_of: dt.datetime) -> str:
        """Append the attempt; the push becomes delivered, pending again after the
        backoff, or failed when the attempts are used up."""
        made = message["push"]["tries"] + 1
        if attempt["ok"]:
            change = {"push.state": "delivered", "push.delivered_at": attempt["at"]}
        else:
            delay = delivery.next_attempt_delay(made)
            change = ({"push.state": "failed"} if delay is None
                      else {"push.state": "pending", "push.not_before": as_of + delay})
        self.messages.update_one(
            {"_id": message["_id"], "push.state": "sending", "push.tries": made - 1},
            {"$set": {**change, "push.tries": made}, "$push": {"push.attempts": attempt}})
        return change["push.state"]

    def cancel_push(self, message: dict):
        """The resident removed their webhook: the push will not be sent."""
        self.messages.update_one(
            {"_id": message["_id"], "push.state": "sending", "push.tries": message["push"]["tries"]},
            {"$set": {"push.state": "cancelled"}})

    def _move_pushes_into_messages(self):
        """Pushes used to live in their own collection: fold what is left of it into
        the messages once (idempotent, safe with N replicas starting together)."""
        old = self.db["pushes"]
        for push in old.find({}):
            self.messages.update_one(
                {"_id": push["message_id"], "push": {"$exists": False}},
                {"$set": {"push": {
                    "state": push["state"], "not_before": push.get("not_before"),
                    "community_id": None, "tries": len(push.get("attempts", [])),
                    "attempts": push.get("attempts", []),
                    **({"claimed_at": push["claimed_at"]} if push.get("claimed_at") else {})}}})
            old.delete_one({"_id": push["_id"]})
