"""Cursor pagination: newest first by ``(created_at, _id)``; the cursor is opaque.

A page after the first is read as two range queries on the list's own index, never as
one ``{$or: [...]}`` filter: a top-level ``$or`` (or ``$and``) makes the embedded
database walk the whole collection (see docs/architecture.md, "Storage"). First the
rest of the documents that share the cursor's ``created_at`` (``_id`` below the
cursor's), then, if the page is not full, those strictly older."""
import base64
import binascii
import datetime as dt
import json

from pymongo import DESCENDING

from shared import clock
from shared.errors import Invalid

NEWEST_FIRST = [("created_at", DESCENDING), ("_id", DESCENDING)]


def encode_cursor(doc: dict) -> str:
    raw = json.dumps([clock.iso(doc["created_at"]), str(doc["_id"])])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str | None):
    if not cursor:
        return None
    bad = Invalid("bad cursor", details={"cursor": ["not a cursor from this list"]})
    try:
        created_at, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(created_at, str) or not isinstance(last_id, str):
            raise bad
        position = dt.datetime.fromisoformat(created_at)
    except (ValueError, TypeError, binascii.Error, AttributeError) as exc:
        raise bad from exc
    if position.tzinfo is None:
        raise bad
    return position, last_id


def newest_first(collection, query: dict, limit: int, cursor: str | None, projection=None):
    """One page of ``query``, newest first, with the next cursor or None."""
    position = decode_cursor(cursor)
    if position is None:
        docs = list(collection.find(query, projection).sort(NEWEST_FIRST).limit(limit + 1))
    else:
        created_at, last_id = position
        docs = list(collection.find({**query, "created_at": created_at, "_id": {"$lt": last_id}},
                                    projection).sort(NEWEST_FIRST).limit(limit + 1))
        if len(docs) <= limit:
            docs += list(collection.find({**query, "created_at": {"$lt": created_at}}, projection)
                         .sort(NEWEST_FIRST).limit(limit + 1 - len(docs)))
    next_cursor = encode_cursor(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_cursor


def newest_first_in_memory(candidates: list[dict], limit: int, cursor: str | None):
    """One page, newest first, of documents already read (each with ``created_at`` and
    ``_id``), for a list whose filter the index cannot serve whole (a prefix search)."""
    order = sorted(candidates, key=lambda d: (clock.as_utc(d["created_at"]), str(d["_id"])),
                   reverse=True)
    position = decode_cursor(cursor)
    if position:
        created_at, last_id = position
        order = [d for d in order if (clock.as_utc(d["created_at"]), str(d["_id"]))
                 < (clock.as_utc(created_at), last_id)]
    next_cursor = encode_cursor(order[limit - 1]) if len(order) > limit else None
    return order[:limit], next_cursor
