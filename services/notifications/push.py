"""Sending pushes: one JSON POST per message to the resident's webhook, signed with
their secret over a timestamp and the body.

Safe against a hostile or slow receiver:
- the host is resolved once per attempt, every address it resolves to is checked
  (``delivery.address_problem``), and the connection goes to an address that was
  checked, with the name in the Host header and as TLS server name (no second lookup
  that a rebinding DNS could answer differently);
- one deadline bounds the whole attempt (lookup, connect, TLS, send, answer), and the
  answer is read up to ``ANSWER_CAP_BYTES``;
- pushes go out concurrently, at most ``PUSH_CONCURRENCY`` at once per replica, and
  the timer does not wait for them: a slow receiver holds one slot until its deadline,
  everyone else's pushes go on."""
import json
import time
from urllib.parse import urlsplit

import eventlet
from eventlet.green import socket, ssl
from eventlet.green.http import client as http_client

from services.notifications import delivery, schemas
from services.notifications.storage import ANY_COMMUNITY
from shared import clock
from shared.config import settings

_pool = eventlet.GreenPool(delivery.PUSH_CONCURRENCY)


class AnswerTooLarge(Exception):
    pass


def send_due(store, as_of, community_id=ANY_COMMUNITY, wait=False) -> int:
    """Claim the pushes due by ``as_of`` (in ``community_id``, or any) as far as there
    is room to send them, and send them; answers how many were tried. ``wait``: return
    only when these sends are done (each is bounded by its deadline)."""
    messages = store.claim_due_pushes(as_of, _pool.free(), community_id)
    sends = [_pool.spawn(_send, store, message, as_of) for message in messages]
    if wait:
        for send in sends:
            send.wait()
    return len(messages)


def _send(store, message, as_of):
    webhook = store.webhook_of(message["resident_id"])
    if webhook is None:
        store.cancel_push(message)
        return
    body = json.dumps(schemas.dump_message(message), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json; charset=utf-8",
               delivery.TIMESTAMP_HEADER: str(timestamp),
               delivery.SIGNATURE_HEADER: delivery.signature(webhook["secret"], timestamp, body),
               "X-Linli-Delivery": message["_id"], "X-Linli-Category": message["category"]}
    started = time.perf_counter()
    attempt = {"at": clock.now(), **post(webhook["url"], body, headers, settings().production)}
    attempt["ms"] = round((time.perf_counter() - started) * 1000, 1)
    store.record_attempt(message, attempt, as_of)


def post(url: str, body: bytes, headers: dict, production: bool,
         deadline: float = delivery.PUSH_DEADLINE_SECONDS,
         cap: int = delivery.ANSWER_CAP_BYTES) -> dict:
    """POST ``body`` to ``url`` within ``deadline`` seconds in all; answers ``{ok,
    status_code, outcome}`` (an outcome from ``delivery.OUTCOMES``)."""
    status_code = None
    try:
        with eventlet.Timeout(deadline):
            parts = urlsplit(url)
            tls = parts.scheme == "https"
            port = parts.port or (443 if tls else 80)
            addresses = resolve(parts.hostname, port)
            if not addresses:
                return _result("unresolvable")
            if any(delivery.address_problem(a, production) for a in addresses):
                return _result("address_refused")
            connection = _PinnedConnection(parts.hostname, port, addresses, tls, deadline, cap)
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                connection.request("POST", path, body=body, headers={**headers,
                                                                     "Connection": "close"})
                answer = connection.getresponse()
                status_code = answer.status
                try:
                    answer.read()  # the rest of the capped answer, never more
                except (AnswerTooLarge, OSError, http_client.HTTPException):
                    pass  # the status line has answered already
            finally:
                connection.close()
    except eventlet.Timeout:
        return _result("timeout", status_code)
    except socket.gaierror:
        return _result("unresolvable")
    except AnswerTooLarge:
        return _result("answer_too_large")
    except ssl.SSLError:
        return _result("tls_failed")
    except socket.timeout:
        return _result("timeout", status_code)
    except http_client.HTTPException:
        return _result("bad_answer")
    except OSError:
        return _result("connection_failed")
    return _result("delivered" if 200 <= status_code < 300 else "rejected", status_code)


def _result(outcome: str, status_code: int | None = None) -> dict:
    ok = outcome == "delivered" or (outcome == "timeout" and status_code is not None
                                    and 200 <= status_code < 300)
    return {"ok": ok, "status_code": status_code, "outcome": "delivered" if ok else outcome}


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (once: the push connects to one of these)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class _CappedReader:
    """The socket's read side, refusing to read past ``cap`` bytes in all."""

    def __init__(self, raw, cap):
        self.raw, self.left = raw, cap

    def _take(self, data):
        self.left -= len(data)
        if self.left < 0:
            raise AnswerTooLarge()
        return data

    def readline(self, limit=-1):
        limit = self.left + 1 if limit is None or limit < 0 else min(limit, self.left + 1)
        return self._take(self.raw.readline(limit))

    def read(self, amount=None):
        amount = self.left + 1 if amount is None or amount < 0 else min(amount, self.left + 1)
        return self._take(self.raw.read(amount))

    def readinto(self, buffer):
        count = self.raw.readinto(memoryview(buffer)[:self.left + 1]) or 0
        self.left -= count
        if self.left < 0:
            raise AnswerTooLarge()
        return count

    def close(self):
        self.raw.close()

    def flush(self):
        pass


class _CappedResponse(http_client.HTTPResponse):
    cap = delivery.ANSWER_CAP_BYTES

    def __init__(self, sock, *args, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp = _CappedReader(self.fp, self.cap)


class _PinnedConnection(http_client.HTTPConnection):
    """HTTP(S) to one of ``addresses`` (already checked), never resolving ``host``
    again: the Host header and the TLS server name (SNI and certificate check) are
    ``host``."""

    def __init__(self, host, port, addresses, tls, timeout, cap):
        super().__init__(host, port, timeout=timeout)
        self.addresses, self.tls = addresses, tls
        self.default_port = 443 if tls else 80
        self.response_class = type("CappedResponse", (_CappedResponse,), {"cap": cap})

    def connect(self):
        error = None
        for address in self.addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError as exc:
                error = exc
        else:
            raise error
        if self.tls:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock = sock
