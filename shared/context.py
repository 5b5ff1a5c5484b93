"""Request ids: from the HTTP request, through RPC headers and event envelopes,
into every log line of every service the request touched."""
import contextvars
import uuid

from nameko.extensions import DependencyProvider

REQUEST_ID_KEY = "request_id"
IDEMPOTENCY_KEY = "idempotency_key"
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# {"key": the caller's Idempotency-Key record id (scoped), "claimed": written yet?}
_idempotency: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "idempotency", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    return _request_id.set(value)


def set_idempotency_key(key: str | None):
    """The Idempotency-Key the current request carries (None: it carries none)."""
    _idempotency.set({"key": key, "claimed": False} if key else None)


def idempotency() -> dict | None:
    return _idempotency.get()


class RequestContext(DependencyProvider):
    """Binds the caller's request id (and Idempotency-Key) to the worker's green thread
    (greenlets carry their own contextvars), so logs, outgoing events and the store's
    transactions see them."""

    def worker_setup(self, worker_ctx):
        set_request_id(worker_ctx.data.get(REQUEST_ID_KEY) or new_request_id())
        set_idempotency_key(worker_ctx.data.get(IDEMPOTENCY_KEY))

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get(REQUEST_ID_KEY)
