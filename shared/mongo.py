"""Mongo for services: one client per process, one database per service, indexes
declared next to the collections (``Store.indexes``) and created at start.

``Store`` is the base of every service's ``storage.py``. It gives:
- ``transaction(fn)``: run ``fn(tx)`` in one Mongo transaction; ``tx.emit(type, data)``
  writes outgoing events to the outbox inside the same transaction, and they are
  published right after the commit (the relay sweeps up anything a crash left).
- ``run_once(key, fn)``: the idempotent-handler record, unique on
  ``(event_id, handler)``, written in the same transaction as the effect.
"""
import json
import logging
import os
import threading
import uuid

import pymongo
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel, monitoring
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from shared import clock, context
from shared.config import settings
from shared.errors import Conflict, Unavailable
from shared.outbox import Outbox

log = logging.getLogger(__name__)

DUPLICATE_KEY = 11000  # the server's error code for a unique index violation
_clients: dict[str, pymongo.MongoClient] = {}
_clients_lock = threading.Lock()


def client(uri: str | None = None) -> pymongo.MongoClient:
    """The process's one client for ``uri`` (pymongo pools connections inside it)."""
    uri = uri or settings().mongo_uri
    with _clients_lock:
        if uri not in _clients:
            query_log = settings().query_log
            _clients[uri] = pymongo.MongoClient(
                uri,
                tz_aware=True,
                serverSelectionTimeoutMS=settings().mongo_timeout_ms,
                connectTimeoutMS=3000,
                event_listeners=[QueryLog(query_log)] if query_log else [],
            )  # retryWrites: pymongo's default (on), unless the URI says otherwise
        return _clients[uri]


class QueryLog(monitoring.CommandListener):
    """Test stacks only (``LINLI_QUERY_LOG``): append the filter and sort of every
    query this process sends, one JSON line each, so a test can ``explain`` them all
    against the real server and fail on a collection scan."""

    SHAPES = {"find": ("filter", "sort"), "count": ("query", None),
              "findAndModify": ("query", "sort"), "delete": None, "update": None}

    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()

    def started(self, event):
        name = event.command_name
        if name not in self.SHAPES or event.database_name in ("admin", "config", "local"):
            return
        command = event.command
        if name in ("update", "delete"):
            key = "updates" if name == "update" else "deletes"
            queries = [(statement.get("q", {}), None) for statement in command.get(key, [])]
        else:
            filter_key, sort_key = self.SHAPES[name]
            queries = [(command.get(filter_key) or {}, command.get(sort_key) if sort_key else None)]
        lines = [json.dumps({"db": event.database_name, "collection": command[name],
                             "command": name, "filter": query, "sort": sort},
                            default=str, ensure_ascii=False) for query, sort in queries]
        with self.lock, open(f"{self.path}.{os.getpid()}", "a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def new_id() -> str:
    """A new document id: 32 hex characters, random (no order, nothing guessable)."""
    return uuid.uuid4().hex


def is_duplicate_key(exc: Exception) -> bool:
    """True when a write failed on a unique index (whichever way pymongo reports it)."""
    if isinstance(exc, DuplicateKeyError):
        return True
    if isinstance(exc, BulkWriteError):
        return any(e.get("code") == DUPLICATE_KEY for e in exc.details.get("writeErrors", []))
    return getattr(exc, "code", None) == DUPLICATE_KEY


def database_name(service: str) -> str:
    return f"linli_{service}"


class Tx:
    """One transaction: its session and the events it will emit."""

    def __init__(self, store, session):
        self.store = store
        self.session = session
        self.emitted: list[dict] = []

    def emit(self, event_type: str, data: dict) -> str:
        envelope = self.store.outbox.add(self.session, event_type, data)
        self.emitted.append(envelope)
        return envelope["event_id"]


class AlreadyHandled(Exception):
    pass


IDEMPOTENCY_KEEP_SECONDS = 24 * 3600


def _in_progress() -> Conflict:
    return Conflict("a request with this Idempotency-Key has taken effect and its answer "
                    "is not known yet; check the resource before trying again",
                    code="idempotency_in_progress")


class Store:
    """Base for a service's storage. Subclasses set ``service`` and ``indexes``."""

    service: str = ""
    indexes: dict[str, list[IndexModel]] = {}

    def __init__(self, mongo_client: pymongo.MongoClient | None = None):
        self.client = mongo_client or client(settings().mongo_uri_for(self.service))
        self.db = self.client[database_name(self.service)]
        self.outbox = Outbox(self.db, self.service)
        self.processed = self.db["processed_events"]

    def create_indexes(self):
        answers = {"idempotency": [IndexModel([("created_at", ASCENDING)],
                                              expireAfterSeconds=IDEMPOTENCY_KEEP_SECONDS)]}
        for name, models in {**self.indexes, **self.outbox.indexes(), **answers}.items():
            if models:
                self.db[name].create_indexes(models)

    def on_start(self):
        """Hook for start-up work that must happen once the indexes exist."""

    # -- transactions -------------------------------------------------------
    def transaction(self, fn):
        """Run ``fn(tx)`` in one transaction; publish its events after commit."""
        holder = {}

        once = context.idempotency()
        claim = once if once and not once["claimed"] else None

        def attempt(session):
            tx = Tx(self, session)
            holder["tx"] = tx
            if claim:
                self._claim_idempotency_key(claim["key"], session)
            return fn(tx)

        try:
            with self.client.start_session() as session:
                result = session.with_transaction(attempt)
        except (pymongo.errors.ConnectionFailure, pymongo.errors.ServerSelectionTimeoutError) as exc:
            raise Unavailable("the database is unavailable", code="database_unavailable") from exc
        if claim:
            claim["claimed"] = True
        self.outbox.publish_soon(holder["tx"].emitted)
        return result

    # -- Idempotency-Key, held where the effect is written ----------------------------
    def _claim_idempotency_key(self, key: str, session):
        """The key is written in the transaction of the request's first effect: a retry
        of the same request (the first still queued, or running at the same moment)
        finds it and cannot write a second effect."""
        try:
            self.db["idempotency"].insert_one({"_id": key, "created_at": clock.now()},
                                              session=session)
        except DuplicateKeyError as exc:
            raise _in_progress() from exc

    def earlier_answer(self, key: str) -> dict | None:
        """``{"answer": ...}`` of a request with this key that took effect; None when no
        such request did. Conflict when it took effect but its answer is not known
        (still running, or stopped after its effect): never act as if it had not."""
        doc = self.db["idempotency"].find_one({"_id": key})
        if doc is None:
            return None
        if "answer" not in doc:
            raise _in_progress()
        return {"answer": json.loads(doc["answer"])}

    def remember_answer(self, key: str, answer):
        self.db["idempotency"].update_one({"_id": key}, {"$set": {"answer": json.dumps(answer)}})

    def run_once(self, event: dict, handler: str, fn) -> bool:
        """Apply ``fn(tx)`` for this event and handler exactly once.

        Returns False when the event was already handled (a redelivery)."""
        key = f"{event['event_id']}:{handler}"

        def once(tx):
            try:
                self.processed.insert_one(
                    {"_id": key, "event_type": event["type"], "handler": handler,
                     "at": clock.now()}, session=tx.session)
            except DuplicateKeyError as exc:
                raise AlreadyHandled() from exc
            fn(tx)

        try:
            self.transaction(once)
        except AlreadyHandled:
            return False
        except pymongo.errors.OperationFailure as exc:
            if is_duplicate_key(exc):
                return False
            raise
        return True

    def ping(self) -> bool:
        try:
            self.client.admin.command("ping")
            return True
        except PyMongoError:
            return False


class Mongo(DependencyProvider):
    """Injects the service's ``Store``, its indexes created at start. The outbox's
    relay is a dependency of its own (``shared.outbox.OutboxRelay``)."""

    def __init__(self, store_cls):
        self.store_cls = store_cls
        self.store = None

    def setup(self):
        self.store = self.store_cls()
        self.store.create_indexes()
        self.store.on_start()

    def get_dependency(self, worker_ctx):
        return self.store


def unique(*keys, **options) -> IndexModel:
    return IndexModel([(k, ASCENDING) for k in keys], unique=True, **options)


def index(*keys, **options) -> IndexModel:
    spec = [(k[1:], pymongo.DESCENDING) if k.startswith("-") else (k, ASCENDING) for k in keys]
    return IndexModel(spec, **options)
