"""Cursor pagination: newest first by ``(created_at, _id)``; the cursor is opaque."""
import base64
import datetime as dt
import json

from shared import clock
from shared.errors import Invalid


def encode_cursor(doc: dict) -> str:
    raw = json.dumps([clock.iso(doc["created_at"]), str(doc["_id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str | None):
    if not cursor:
        return None
    try:
        created_at, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(created_at), last_id
    except (ValueError, TypeError) as exc:
        raise Invalid("bad cursor", details={"cursor": ["not a cursor from this list"]}) from exc


def newest_first(collection, query: dict, limit: int, cursor: str | None):
    """One page of ``query``, newest first, with the next cursor or None."""
    position = decode_cursor(cursor)
    if position:
        created_at, last_id = position
        query = {"$and": [query, {"$or": [
            {"created_at": {"$lt": created_at}},
            {"created_at": created_at, "_id": {"$lt": last_id}},
        ]}]}
    docs = list(collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1))
    next_cursor = encode_cursor(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_cursor
