"""The gateway's own Mongo code: the Idempotency-Key records (``idempotency.py`` says
what they are for). One document per (caller, method, path, key), kept 24 hours."""
import datetime as dt

from pymongo import ASCENDING, IndexModel

from shared import mongo
from shared.config import settings

KEEP = dt.timedelta(hours=24)


def _records():
    return mongo.client(settings().mongo_uri_for("gateway"))[mongo.database_name("gateway")][
        "idempotency"]


def create_indexes():
    _records().create_indexes([IndexModel([("created_at", ASCENDING)],
                                          expireAfterSeconds=int(KEEP.total_seconds()))])


def claim(record_id: str, now: dt.datetime) -> bool:
    """Claim the key for this request; False when a record with it exists already."""
    try:
        _records().insert_one({"_id": record_id, "state": "in_progress", "created_at": now})
        return True
    except Exception as exc:
        if mongo.is_duplicate_key(exc):
            return False
        raise


def record(record_id: str) -> dict | None:
    return _records().find_one({"_id": record_id})


def take_over(record_id: str, now: dt.datetime, stale_before: dt.datetime) -> bool:
    """Take over a claim left in progress since before ``stale_before`` (its request
    died); False while it is still fresh."""
    taken = _records().update_one(
        {"_id": record_id, "state": "in_progress", "created_at": {"$lt": stale_before}},
        {"$set": {"created_at": now}})
    return taken.modified_count == 1


def drop(record_id: str) -> None:
    _records().delete_one({"_id": record_id})


def finish(record_id: str, status: int, body: str) -> None:
    _records().update_one({"_id": record_id}, {"$set": {"state": "done", "status": status,
                                                       "body": body}})
