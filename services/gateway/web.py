"""What every route uses: the caller, the raw validated body, an RPC call."""
import contextvars
from concurrent.futures import ThreadPoolExecutor

from flask import g, request
from marshmallow import RAISE

from services.gateway import rpc
from shared.auth import Actor, check_token
from shared.errors import Unauthorized


def caller() -> Actor:
    """The authenticated caller, from the bearer token; 401 if there is none."""
    if g.get("caller") is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a bearer token is required", code="unauthenticated")
        g.caller = check_token(token.strip())
    return g.caller


def actor() -> str:
    """The caller as services receive it: a signed, short-lived assertion."""
    if g.get("assertion") is None:
        g.assertion = caller().assertion()
    return g.assertion


def optional_caller() -> Actor | None:
    if not request.headers.get("Authorization"):
        return None
    try:
        return caller()
    except Unauthorized:
        return None


def body() -> dict:
    """The JSON body as sent (already validated by the route's schema)."""
    return request.get_json(silent=True) or {}


def query_args() -> dict:
    return request.args.to_dict()


def call(service: str, method: str, *args, **kwargs):
    return rpc.call(service, method, *args, **kwargs)


_together = ThreadPoolExecutor(max_workers=16, thread_name_prefix="together")


def call_together(*calls):
    """Several RPC calls at once, each ``(service, method, *args)``; their answers in
    order. The first call that fails (in that order) raises its error."""
    futures = [_together.submit(contextvars.copy_context().run, rpc.call, *c) for c in calls]
    return [f.result() for f in futures]


QUERY = {"location": "query", "unknown": RAISE}
