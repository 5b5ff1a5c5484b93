"""Sending pushes: one JSON POST per message to the resident's webhook, signed with
their secret. Each push runs in its own green thread with a timeout, so a slow or
failing webhook never delays the inbox or anyone else's push."""
import json
import time

import eventlet
import requests

from services.notifications import delivery
from shared import clock

TIMEOUT_SECONDS = 5
_pool = eventlet.GreenPool(50)


def send_due(store, as_of) -> int:
    """Claim the pushes due by ``as_of`` and send them; answers how many were tried."""
    pushes = store.claim_due_pushes(as_of)
    for push in pushes:
        _pool.spawn_n(_send, store, push, as_of)
    _pool.waitall()
    return len(pushes)


def _send(store, push, as_of):
    body = json.dumps(push["body"], ensure_ascii=False).encode()
    secret = store.webhook_secret(push["resident_id"]) or ""
    headers = {"Content-Type": "application/json; charset=utf-8",
               delivery.SIGNATURE_HEADER: delivery.signature(secret, body),
               "X-Linli-Delivery": push["_id"], "X-Linli-Category": push["body"]["category"]}
    started = time.perf_counter()
    attempt = {"at": clock.now(), "ok": False, "status_code": None, "error": None}
    try:
        answer = requests.post(push["url"], data=body, headers=headers, timeout=TIMEOUT_SECONDS,
                               allow_redirects=False)
        attempt["status_code"] = answer.status_code
        attempt["ok"] = 200 <= answer.status_code < 300
        if not attempt["ok"]:
            attempt["error"] = f"HTTP {answer.status_code}"
    except requests.RequestException as exc:
        attempt["error"] = type(exc).__name__
    attempt["ms"] = round((time.perf_counter() - started) * 1000, 1)
    store.record_attempt(push, attempt, as_of)
