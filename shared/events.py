"""Events: the envelope, the process's publisher (with publisher confirms), and a
reliable event handler entrypoint (bounded retries with backoff, then a
dead-letter queue; nothing acked and forgotten on error).

Wire layout (compatible with nameko's own ``event_handler``):
- each service publishes to the durable topic exchange ``<service>.events`` with the
  event type as routing key; the body is the envelope, the request id travels in the
  ``nameko.request_id`` header;
- a handler consumes the durable queue ``evt-<source>-<type>--<service>.<method>``;
- a failed attempt ``n`` is parked on ``<queue>.retry.<n>`` (a queue with a TTL whose
  dead-letter target is the handler's queue), so it comes back after the backoff;
- after the last attempt the message goes to ``<queue>.dead`` with the error in its
  headers, where ``python -m shared.dlq`` lists and replays it.
"""
import datetime as dt
import json
import logging
import threading
import traceback
import uuid

from kombu import Connection, Exchange, Queue
from kombu.pools import producers
from nameko.events import EventHandler
from nameko.standalone.events import get_event_exchange

from shared import clock
from shared.catalogue import CATALOGUE
from shared.config import settings
from shared.context import REQUEST_ID_KEY, current_request_id, new_request_id

log = logging.getLogger(__name__)

ENVELOPE_VERSION = 1
ATTEMPT_HEADER = "x-linli-attempt"


def make_envelope(event_type: str, data: dict, source: str) -> dict:
    spec = CATALOGUE.get(event_type)
    if spec is None:
        raise ValueError(f"{event_type} is not in the event catalogue (shared/catalogue.py)")
    missing = [f for f in spec["fields"] if f not in data]
    if missing:
        raise ValueError(f"{event_type} lacks fields {missing}")
    return {
        "event_id": uuid.uuid4().hex,
        "type": event_type,
        "version": ENVELOPE_VERSION,
        "occurred_at": clock.iso(clock.now()),
        "source": source,
        "correlation_id": current_request_id() or new_request_id(),
        "data": json.loads(json.dumps(data, default=_jsonable)),
    }


def _jsonable(value):
    if isinstance(value, dt.datetime):
        return clock.iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in an event")


def event_exchange(source: str) -> Exchange:
    return get_event_exchange(source, {})


class Publisher:
    """Publishes with publisher confirms over a pooled connection (one per process)."""

    def __init__(self, amqp_uri: str):
        self.connection = Connection(amqp_uri, transport_options={"confirm_publish": True},
                                     heartbeat=0, connect_timeout=3)

    def publish(self, envelope: dict):
        source, event_type = envelope["source"], envelope["type"]
        exchange = event_exchange(source)
        self._send(envelope, exchange=exchange, routing_key=event_type, declare=[exchange],
                   headers={f"nameko.{REQUEST_ID_KEY}": envelope.get("correlation_id", "")})

    def send_to_queue(self, body, queue: Queue, headers: dict):
        """Publish straight to a queue through the default exchange."""
        self._send(body, exchange="", routing_key=queue.name, declare=[queue], headers=headers)

    def _send(self, body, **kwargs):
        with producers[self.connection].acquire(block=True, timeout=5) as producer:
            producer.publish(
                body, serializer="json", delivery_mode=2,
                retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2,
                                          "interval_step": 0.5, "interval_max": 1},
                **kwargs)


_publisher = None
_publisher_lock = threading.Lock()


def publisher() -> Publisher:
    global _publisher
    with _publisher_lock:
        if _publisher is None:
            _publisher = Publisher(settings().amqp_uri)
        return _publisher


def max_attempts() -> int:
    """Attempts before the dead-letter queue (``LINLI_EVENT_MAX_ATTEMPTS``)."""
    return settings().event_max_attempts


def backoff_ms(attempt: int) -> int:
    """Delay after failed attempt ``attempt``: base, 2x base, 4x base ... capped at
    ``LINLI_EVENT_BACKOFF_MAX_MS``."""
    s = settings()
    return min(s.event_backoff_ms * 2 ** (attempt - 1), s.event_backoff_max_ms)


def outage_survived_ms() -> int:
    """How long a dependency may be down before a failing event is parked: the sum of
    the delays between the attempts (the first attempt is immediate). With the
    defaults (12 attempts, 1 s doubling, capped at 5 min): 1+2+...+256 s + 2 x 300 s
    = 1,111 s, about 18.5 minutes."""
    return sum(backoff_ms(attempt) for attempt in range(1, max_attempts()))


def queue_type() -> dict:
    """``LINLI_QUORUM_QUEUES=1``: the event queues (handler, retry, dead-letter) are
    quorum queues, replicated across a RabbitMQ cluster. Off by default so a broker
    that already holds classic queues of the same names keeps working (a queue's type
    cannot change; switching needs the queues drained and deleted first)."""
    if settings().quorum_queues:
        return {"x-queue-type": "quorum"}
    return {}


def retry_queue(queue_name: str, attempt: int) -> Queue:
    return Queue(f"{queue_name}.retry.{attempt}", durable=True, queue_arguments={
        "x-message-ttl": backoff_ms(attempt),
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue_name,
        **queue_type(),
    })


def dead_letter_queue(queue_name: str) -> Queue:
    return Queue(f"{queue_name}.dead", durable=True, queue_arguments=queue_type() or None)


class ReliableEventHandler(EventHandler):
    """``@handles("canteen.booking_created")``: the service method receives the
    envelope. Failures are retried with backoff, then dead-lettered."""

    def __init__(self, event_type: str, **kwargs):
        source = event_type.split(".", 1)[0]
        super().__init__(source, event_type, **kwargs)

    def setup(self):
        super().setup()  # declares nameko's classic queue shape; quorum if configured
        if queue_type():
            self.queue = Queue(self.queue.name, exchange=self.queue.exchange,
                               routing_key=self.queue.routing_key, durable=True,
                               queue_arguments=queue_type())

    def handle_message(self, body, message):
        if isinstance(body, dict) and body.get("correlation_id"):
            message.headers.setdefault(f"nameko.{REQUEST_ID_KEY}", body["correlation_id"])
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return result, exc_info
        attempt = int(message.headers.get(ATTEMPT_HEADER, 1))
        headers = dict(message.headers)
        headers[ATTEMPT_HEADER] = attempt + 1
        event_id = message.payload.get("event_id") if isinstance(message.payload, dict) else None
        try:
            if attempt < max_attempts():
                log.warning("handler failed, retrying in %d ms: %s", backoff_ms(attempt),
                            exc_info[1], extra={"event_id": event_id, "attempt": attempt,
                                                "queue": self.queue.name})
                publisher().send_to_queue(message.payload, retry_queue(self.queue.name, attempt),
                                          headers)
            else:
                headers["x-linli-error"] = "".join(
                    traceback.format_exception_only(exc_info[0], exc_info[1])).strip()[:2000]
                headers["x-linli-queue"] = self.queue.name
                log.error("handler failed %d times, dead-lettered", attempt,
                          extra={"event_id": event_id, "attempt": attempt,
                                 "queue": self.queue.name})
                publisher().send_to_queue(message.payload, dead_letter_queue(self.queue.name),
                                          headers)
        except Exception:
            log.exception("could not park a failed event; requeueing it")
            self.queue_consumer.requeue_message(message)
            return result, exc_info
        self.queue_consumer.ack_message(message)
        return result, exc_info


handles = ReliableEventHandler.decorator
