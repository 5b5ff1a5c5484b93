"""The only module of the notifications service that speaks Mongo."""
import uuid

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
        "preferences": [],
    }

    @property
    def messages(self):
        return self.db["messages"]

    def preferences(self, resident_id: str) -> dict:
        doc = self.db["preferences"].find_one({"_id": resident_id}) or {}
        return {k: doc.get(k, v) for k, v in DEFAULT_PREFERENCES.items()}

    def languages_of(self, resident_ids: list[str]) -> dict[str, str]:
        docs = self.db["preferences"].find({"_id": {"$in": resident_ids}}, {"language": 1})
        return {d["_id"]: d.get("language", "zh-CN") for d in docs}

    def save_preferences(self, resident_id: str, changes: dict) -> dict:
        self.db["preferences"].update_one({"_id": resident_id}, {"$set": changes}, upsert=True)
        return self.preferences(resident_id)

    def deliver(self, event: dict, handler: str, messages: list[dict]) -> bool:
        """Put ``messages`` in their inboxes, once for this event and handler."""
        def write(tx):
            now = clock.now()
            docs = [{"_id": uuid.uuid4().hex, "event_id": event["event_id"],
                     "category": event["type"], "read": False, "created_at": now, **m}
                    for m in messages]
            if docs:
                self.messages.insert_many(docs, session=tx.session)
        return self.run_once(event, handler, write)

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
