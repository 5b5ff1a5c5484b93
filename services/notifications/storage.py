"""The only module of the notifications service that speaks Mongo."""
import datetime as dt
import secrets
import uuid

from services.notifications import delivery
from shared import clock
from shared.mongo import Store, index, unique
from shared.pagination import newest_first

DEFAULT_PREFERENCES = {"language": "zh-CN", "muted_categories": [], "quiet_hours": None,
                       "webhook_url": None}


class NotificationsStore(Store):
    service = "notifications"
    indexes = {
        # one message per (event, recipient), whatever the redeliveries and replicas
        "messages": [unique("event_id", "resident_id"),
                     index("resident_id", "-created_at", "-_id"),
                     index("resident_id", "read")],
        "pushes": [index("state", "not_before"), index("message_id"), index("state", "claimed_at")],
    }

    @property
    def messages(self):
        return self.db["messages"]

    @property
    def pushes(self):
        return self.db["pushes"]

    # -- preferences ---------------------------------------------------------------
    def preferences(self, resident_id: str) -> dict:
        doc = self.db["preferences"].find_one({"_id": resident_id}) or {}
        return {k: doc.get(k, v) for k, v in DEFAULT_PREFERENCES.items()}

    def preferences_of(self, resident_ids: list[str]) -> dict[str, dict]:
        docs = {d["_id"]: d for d in self.db["preferences"].find({"_id": {"$in": resident_ids}})}
        return {r: {**DEFAULT_PREFERENCES, **docs.get(r, {})} for r in resident_ids}

    def save_preferences(self, resident_id: str, changes: dict) -> tuple[dict, str | None]:
        """Store ``changes``; a new webhook URL gets a new signing secret, returned
        here once and never shown again."""
        new_secret = None
        current = self.db["preferences"].find_one({"_id": resident_id}) or {}
        url = changes.get("webhook_url")
        if url and url != current.get("webhook_url"):
            new_secret = secrets.token_urlsafe(32)
            changes = {**changes, "webhook_secret": new_secret}
        self.db["preferences"].update_one({"_id": resident_id}, {"$set": changes}, upsert=True)
        return self.preferences(resident_id), new_secret

    def webhook_secret(self, resident_id: str) -> str | None:
        doc = self.db["preferences"].find_one({"_id": resident_id}, {"webhook_secret": 1})
        return (doc or {}).get("webhook_secret")

    # -- inbox -------------------------------------------------------------------------
    def deliver(self, event: dict, handler: str, messages: list[dict], pushes: list[dict]) -> bool:
        """Put ``messages`` in their inboxes and queue their ``pushes``, in one
        transaction, once for this event and handler."""
        def write(tx):
            if messages:
                self.messages.insert_many(messages, session=tx.session)
            if pushes:
                self.pushes.insert_many(
                    [{"_id": uuid.uuid4().hex, "state": "pending", "attempts": [],
                      "created_at": clock.now(), **p} for p in pushes], session=tx.session)
        return self.run_once(event, handler, write)

    def inbox(self, resident_id: str, unread_only: bool, limit: int, cursor: str | None):
        query = {"resident_id": resident_id}
        if unread_only:
            query["read"] = False
        return newest_first(self.messages, query, limit, cursor)

    def unread_count(self, resident_id: str) -> int:
        return self.messages.count_documents({"resident_id": resident_id, "read": False})

    def message_of(self, resident_id: str, message_id: str) -> dict | None:
        return self.messages.find_one({"_id": message_id, "resident_id": resident_id}, {"_id": 1})

    def mark_read(self, resident_id: str, message_id: str) -> dict | None:
        self.messages.update_one({"_id": message_id, "resident_id": resident_id},
                                 {"$set": {"read": True, "read_at": clock.now()}})
        return self.messages.find_one({"_id": message_id, "resident_id": resident_id})

    def mark_all_read(self, resident_id: str) -> int:
        return self.messages.update_many({"resident_id": resident_id, "read": False},
                                         {"$set": {"read": True, "read_at": clock.now()}}
                                         ).modified_count

    # -- pushes ------------------------------------------------------------------------
    def claim_due_pushes(self, as_of: dt.datetime, limit: int = 50) -> list[dict]:
        """Pushes due by ``as_of``, each claimed by one atomic update (N replicas safe);
        a claim left by a dead replica is taken over after SENDING_TIMEOUT."""
        due = list(self.pushes.find({"state": "pending", "not_before": {"$lte": as_of}},
                                    {"_id": 1}).sort("not_before", 1).limit(limit))
        stale = list(self.pushes.find(
            {"state": "sending", "claimed_at": {"$lt": clock.now() - delivery.SENDING_TIMEOUT}},
            {"_id": 1, "claimed_at": 1}).limit(limit))
        claimed = []
        for doc, expected in [(d, {"state": "pending"}) for d in due] + \
                [(d, {"state": "sending", "claimed_at": d["claimed_at"]}) for d in stale]:
            won = self.pushes.update_one({"_id": doc["_id"], **expected},
                                         {"$set": {"state": "sending", "claimed_at": clock.now()}})
            if won.modified_count == 1:
                claimed.append(self.pushes.find_one({"_id": doc["_id"]}))
        return claimed

    def record_attempt(self, push: dict, attempt: dict, as_of: dt.datetime) -> str:
        """Append the attempt; the push becomes delivered, pending again after the
        backoff, or failed when the attempts are used up."""
        made = len(push["attempts"]) + 1
        if attempt["ok"]:
            change = {"state": "delivered", "delivered_at": attempt["at"]}
        else:
            delay = delivery.next_attempt_delay(made)
            change = ({"state": "failed"} if delay is None
                      else {"state": "pending", "not_before": as_of + delay})
        self.pushes.update_one({"_id": push["_id"], "state": "sending"},
                               {"$set": change, "$push": {"attempts": attempt}})
        return change["state"]

    def pushes_of(self, message_id: str) -> list[dict]:
        return list(self.pushes.find({"message_id": message_id}))
