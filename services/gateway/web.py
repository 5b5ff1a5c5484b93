"""What every route uses: the caller, the raw validated body, an RPC call."""
from flask import g, request
from marshmallow import RAISE

from services.gateway import rpc
from shared.auth import check_token
from shared.errors import Unauthorized


def actor() -> dict:
    """The authenticated caller as a plain dict for RPC; 401 if there is none."""
    if g.get("actor") is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a bearer token is required", code="unauthenticated")
        g.actor = check_token(token.strip()).to_dict()
    return g.actor


def optional_actor() -> dict | None:
    if not request.headers.get("Authorization"):
        return None
    try:
        return actor()
    except Unauthorized:
        return None


def body() -> dict:
    """The JSON body as sent (already validated by the route's schema)."""
    return request.get_json(silent=True) or {}


def query_args() -> dict:
    return request.args.to_dict()


def call(service: str, method: str, *args, **kwargs):
    return rpc.call(service, method, *args, **kwargs)


QUERY = {"location": "query", "unknown": RAISE}
