"""Service-to-service RPC with a bound: nameko 2.x waits forever otherwise."""
import eventlet
from nameko.rpc import RpcProxy

from shared.config import settings
from shared.errors import Unavailable


class BoundedRpc(RpcProxy):
    """An ``RpcProxy`` whose calls go through ``call(proxy, method, *args)`` below."""


def call(service_proxy, method: str, *args, timeout: float | None = None, **kwargs):
    seconds = timeout or settings().rpc_timeout
    reply = getattr(service_proxy, method).call_async(*args, **kwargs)
    try:
        with eventlet.Timeout(seconds):
            return reply.result()
    except eventlet.Timeout as exc:
        raise Unavailable(f"{service_proxy.service_name}.{method} did not answer in {seconds}s",
                          code="service_timeout") from exc
