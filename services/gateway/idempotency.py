"""``Idempotency-Key`` on POST: a retry with the same key by the same caller gets the
first response back and has no second effect. The key record is claimed with a
unique insert before the call, so two simultaneous retries cannot both run."""
import datetime as dt
import hashlib


from flask import current_app, g, request
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.gateway.errors import error_response
from services.gateway.web import optional_actor
from shared import clock, mongo

KEEP = dt.timedelta(hours=24)
STALE_CLAIM = dt.timedelta(seconds=60)


def _records():
    return mongo.client()[mongo.database_name("gateway")]["idempotency"]


def create_indexes():
    _records().create_indexes([IndexModel([("created_at", ASCENDING)],
                                          expireAfterSeconds=int(KEEP.total_seconds()))])


def _record_id(key: str) -> str:
    caller = optional_actor()
    scope = caller["id"] if caller else hashlib.sha256(request.get_data()).hexdigest()
    raw = f"{scope}\n{request.method}\n{request.path}\n{key}"
    return hashlib.sha256(raw.encode()).hexdigest()


def before_request():
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return None
    if len(key) > 200:
        return error_response(422, "validation_failed", "Idempotency-Key is too long",
                              {"Idempotency-Key": ["at most 200 characters"]})
    record_id = _record_id(key)
    now = clock.now()
    try:
        _records().insert_one({"_id": record_id, "state": "in_progress", "created_at": now})
    except DuplicateKeyError:
        record = _records().find_one({"_id": record_id})
        if record and record["state"] == "done":
            response = current_app.response_class(record["body"], status=record["status"],
                                            mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        taken_over = _records().update_one(
            {"_id": record_id, "state": "in_progress", "created_at": {"$lt": now - STALE_CLAIM}},
            {"$set": {"created_at": now}})
        if taken_over.modified_count != 1:
            return error_response(409, "idempotency_in_progress",
                                  "a request with this Idempotency-Key is still in progress")
    g.idempotency_record = record_id
    return None


def after_request(response):
    record_id = g.pop("idempotency_record", None)
    if record_id is None:
        return response
    if response.status_code >= 500:
        _records().delete_one({"_id": record_id})  # nothing happened: let a retry run
    else:
        _records().update_one({"_id": record_id}, {"$set": {
            "state": "done", "status": response.status_code,
            "body": response.get_data(as_text=True)}})
    return response


