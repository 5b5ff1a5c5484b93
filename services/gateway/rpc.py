"""A pool of standalone nameko RPC proxies: each used by one thread at a time, made
once and reused, never a new broker connection per request. Every call is bounded by
a timeout and carries the request id."""
import logging
import queue
import threading

from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy

from shared import wire
from shared.config import nameko_config, settings
from shared.context import IDEMPOTENCY_KEY, REQUEST_ID_KEY, current_request_id, idempotency
from shared.errors import Unavailable
from shared.rpc import BROKER_ERRORS

log = logging.getLogger(__name__)
wire.use()


def proxy_config() -> dict:
    """nameko's config for the gateway's proxies. An ``amqp://`` URI is named
    ``pyamqp://`` (the same transport): outside eventlet, kombu tries ``import
    librabbitmq`` for every connection object it makes for ``amqp://``, and nameko
    makes one for every message it publishes; the failed import walked sys.path
    under the import lock (10 % of a gateway worker's samples on GET /me)."""
    config = nameko_config()
    if config["AMQP_URI"].startswith("amqp://"):
        config["AMQP_URI"] = "py" + config["AMQP_URI"]
    return config


class _Proxy:
    def __init__(self, timeout: float):
        self.standalone = ClusterRpcProxy(proxy_config(), context_data={}, timeout=timeout)
        self.cluster = self.standalone.start()

    def call(self, service: str, method: str, args, kwargs):
        data = self.standalone._worker_ctx.data
        data[REQUEST_ID_KEY] = current_request_id() or "-"
        once = idempotency()
        if once:  # the service holds the key where it writes the effect
            data[IDEMPOTENCY_KEY] = once["key"]
        else:
            data.pop(IDEMPOTENCY_KEY, None)
        return getattr(getattr(self.cluster, service), method)(*args, **kwargs)

    def close(self):
        try:
            self.standalone.stop()
        except Exception:  # a dead connection cannot be closed cleanly; drop it
            pass


class RpcPool:
    def __init__(self, size: int = 16, timeout: float | None = None):
        self.size = size
        self.timeout = timeout or settings().rpc_timeout
        self._idle: queue.LifoQueue[_Proxy] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()

    def _acquire(self) -> _Proxy:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            can_make = self._made < self.size
            if can_make:
                self._made += 1
        if can_make:
            try:
                return _Proxy(self.timeout)
            except BROKER_ERRORS as exc:
                with self._lock:
                    self._made -= 1
                raise Unavailable("the message broker is unavailable",
                                  code="broker_unavailable") from exc
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty as exc:
            raise Unavailable("the gateway is overloaded", code="gateway_busy") from exc

    def _discard(self, proxy: _Proxy):
        proxy.close()
        with self._lock:
            self._made -= 1

    def call(self, service: str, method: str, *args, **kwargs):
        proxy = self._acquire()
        try:
            result = proxy.call(service, method, args, kwargs)
        except RpcTimeout as exc:
            self._discard(proxy)
            raise Unavailable(f"the {service} service did not answer in time",
                              code="service_timeout", details={"service": service}) from exc
        except UnknownService as exc:
            self._idle.put(proxy)
            raise Unavailable(f"the {service} service is not running",
                              code="service_unavailable", details={"service": service}) from exc
        except BROKER_ERRORS as exc:
            self._discard(proxy)
            raise Unavailable("the message broker is unavailable",
                              code="broker_unavailable") from exc
        except BaseException:
            self._idle.put(proxy)
            raise
        self._idle.put(proxy)
        return result


_pool: RpcPool | None = None
_pool_lock = threading.Lock()


def pool() -> RpcPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = RpcPool()
        return _pool


def call(service: str, method: str, *args, **kwargs):
    return pool().call(service, method, *args, **kwargs)
