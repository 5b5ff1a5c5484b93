"""Request ids: from the HTTP request, through RPC headers and event envelopes,
into every log line of every service the request touched."""
import contextvars
import uuid

from nameko.extensions import DependencyProvider

REQUEST_ID_KEY = "request_id"
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None):
    return _request_id.set(value)


class RequestContext(DependencyProvider):
    """Binds the caller's request id to the worker's green thread (greenlets carry
    their own contextvars), so logs and outgoing events carry it."""

    def worker_setup(self, worker_ctx):
        set_request_id(worker_ctx.data.get(REQUEST_ID_KEY) or new_request_id())

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get(REQUEST_ID_KEY)
