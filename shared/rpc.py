"""RPC for services: the ``rpc`` entrypoint every service uses, and bounded calls to
other services (nameko 2.x waits forever otherwise)."""
import functools
import inspect
import logging
import socket

import eventlet
from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER,
                              LOGIN_METHOD_CONFIG_KEY, SERIALIZER_CONFIG_KEY)
from nameko.exceptions import RemoteError
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange

from shared import context, wire
from shared.config import settings
from shared.errors import Invalid, Unavailable, database_was_down

log = logging.getLogger(__name__)
BROKER_ERRORS = (OSError, socket.error, AMQPError, OperationalError, ConnectionError)
wire.use()


class _ReplyPublisher(Publisher):
    """Replies go out without a publisher confirm. A confirm would make every reply
    wait for one more message from the broker, and it guards nothing: a reply lost
    anyway (the broker dies with it, or the caller's reply queue is gone) ends the
    same way as one never confirmed, with the caller's timeout (503
    ``service_timeout``), and a write that took effect answers the caller's retry
    with the same Idempotency-Key from its first answer. Requests keep their
    confirms (nameko needs them to report an unknown service) and so do events."""
    use_confirms = False


class _Responder(Responder):
    publisher_cls = _ReplyPublisher


class _RpcConsumer(RpcConsumer):
    """nameko's consumer of ``rpc-<service>``, answering through ``_Responder``."""

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = _Responder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class ResilientRpc(Rpc):
    """nameko's ``rpc`` entrypoint, except that a reply that cannot be sent because
    the broker went away is logged instead of killing the whole container (nameko
    2.x's behaviour). The caller sees its timeout; the service lives on and
    reconnects when the broker is back. Replies are sent without a publisher
    confirm (``_ReplyPublisher``)."""

    rpc_consumer = _RpcConsumer()

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_ERRORS as exc:
            log.warning("could not send the reply to %s: %s", worker_ctx.entrypoint.method_name, exc)
            return result, exc_info


def _answered_once(method):
    """A call that carries an Idempotency-Key (from the gateway) and finds an earlier
    call with the same key that took effect gets that call's answer back instead of
    acting again. The key is written in the transaction of the effect itself
    (``Store.transaction``); the answer is kept once the method has returned."""
    @functools.wraps(method)
    def entrypoint(self, *args, **kwargs):
        once = context.idempotency()
        store = getattr(self, "store", None)
        if once is None or store is None:
            return method(self, *args, **kwargs)
        key = f"{once['key']}:{self.name}.{method.__name__}"
        context.set_idempotency_key(key)
        earlier = store.earlier_answer(key)
        if earlier is not None:
            return earlier["answer"]
        answer = method(self, *args, **kwargs)
        if context.idempotency()["claimed"]:
            store.remember_answer(key, answer)
        return answer

    entrypoint.__signature__ = inspect.signature(method)  # nameko checks call signatures
    return entrypoint


def rpc(method=None, **options):
    """The ``rpc`` entrypoint of every Linli service (``@rpc`` or ``@rpc(...)``)."""
    if method is None:
        return functools.partial(rpc, **options)
    return ResilientRpc.decorator(**options)(_answered_once(method))


def call(service_proxy, method: str, *args, timeout: float | None = None, **kwargs):
    """Call ``method`` on another service; Unavailable (503) after ``timeout`` seconds."""
    seconds = timeout or settings().rpc_timeout
    reply = getattr(service_proxy, method).call_async(*args, **kwargs)
    try:
        with eventlet.Timeout(seconds):
            return reply.result()
    except eventlet.Timeout as exc:
        raise Unavailable(f"{service_proxy.service_name}.{method} did not answer in {seconds}s",
                          code="service_timeout") from exc
    except RemoteError as exc:
        if database_was_down(exc):
            raise Unavailable("the database is unavailable", code="database_unavailable") from exc
        raise


def require_community(residents, community_id: str) -> None:
    """422 naming ``community_id`` when the residents service knows no such community
    (every service that creates something in a community asks it this way)."""
    if not call(residents, "community_exists", community_id):
        raise Invalid("no such community", details={"community_id": ["unknown community"]})
