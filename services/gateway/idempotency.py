"""``Idempotency-Key`` on POST: a retry with the same key by the same caller gets the
first response back and has no second effect.

Two places hold the key. Here, a record claimed with a unique insert before the call
answers a retry of a finished request from its stored response, and refuses a second
simultaneous one. And the key travels with the RPC call into the service, which writes
it in the same transaction as the effect (``shared.mongo.Store``): when the service
did not answer in time (503 here, the record dropped) but its queued call still ran, a
retry gets that call's answer, never a second effect."""
import datetime as dt
import hashlib


from flask import current_app, g, request

from services.gateway import storage
from services.gateway.errors import error_response
from services.gateway.web import optional_caller
from shared import clock
from shared.context import set_idempotency_key

STALE_CLAIM = dt.timedelta(seconds=60)
create_indexes = storage.create_indexes


def _record_id(key: str) -> str:
    caller = optional_caller()
    scope = caller.id if caller else hashlib.sha256(request.get_data()).hexdigest()
    raw = f"{scope}\n{request.method}\n{request.path}\n{key}"
    return hashlib.sha256(raw.encode()).hexdigest()


def before_request():
    set_idempotency_key(None)  # threads serve many requests
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return None
    if len(key) > 200:
        return error_response(422, "validation_failed", "Idempotency-Key is too long",
                              {"Idempotency-Key": ["at most 200 characters"]})
    record_id = _record_id(key)
    now = clock.now()
    if not storage.claim(record_id, now):
        record = storage.record(record_id)
        if record and record["state"] == "done":
            response = current_app.response_class(record["body"], status=record["status"],
                                                  mimetype="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        if not storage.take_over(record_id, now, now - STALE_CLAIM):
            return error_response(409, "idempotency_in_progress",
                                  "a request with this Idempotency-Key is still in progress")
    g.idempotency_record = record_id
    set_idempotency_key(record_id)
    return None


def after_request(response):
    set_idempotency_key(None)
    record_id = g.pop("idempotency_record", None)
    if record_id is None:
        return response
    if response.status_code >= 500 or _still_unknown(response):
        # the outcome is unknown here: a retry asks the service, which holds the key
        # in the transaction of the effect and answers as the first call did
        storage.drop(record_id)
    else:
        storage.finish(record_id, response.status_code, response.get_data(as_text=True))
    return response


def _still_unknown(response) -> bool:
    """The service said the first call took effect but its answer is not known yet."""
    if response.status_code != 409 or not response.is_json:
        return False
    error = (response.get_json(silent=True) or {}).get("error") or {}
    return error.get("code") == "idempotency_in_progress"
