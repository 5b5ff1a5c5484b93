"""Transactional outbox.

A state change and its outgoing events are written in one transaction (``add``).
The writer inserts each row already claimed by itself, and right after the commit
publishes them (``publish_soon``) and marks them sent: one update per event. A
sweeper in every replica publishes whatever is still pending (a broker outage hands
the row back) and takes over a claim left by a dead writer after ``CLAIM_TIMEOUT``;
every sweep publish is preceded by an atomic claim (a conditional ``update_one`` on
an indexed field), so two replicas never publish the same row at the same time.
Delivery is at-least-once; consumers are idempotent on ``event_id``.
"""
import datetime as dt
import logging
import os
import socket
import uuid

import eventlet
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel

from shared import clock
from shared.config import settings
from shared.events import make_envelope, publisher

log = logging.getLogger(__name__)

# A publish with confirms takes milliseconds; a claim this old belongs to a dead writer.
CLAIM_TIMEOUT = dt.timedelta(seconds=15)
# Rows published within this long are marked sent by one update (``$in`` of their ids
# measured ~3x cheaper per row than an update each on the embedded server). A crash in
# between only means the sweep publishes them again (consumers are idempotent).
MARK_SENT_EVERY_SECONDS = 0.05
KEEP_SENT = dt.timedelta(days=7)


class Outbox:
    def __init__(self, db, service: str):
        self.rows = db["outbox"]
        self.service = service
        self.replica = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.relay_enabled = settings().outbox_relay
        self.sweep_interval = settings().outbox_sweep_seconds
        self.stopping = False
        self._published: list[str] = []  # published, not yet marked sent

    def indexes(self):
        return {"outbox": [
            IndexModel([("state", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel([("state", ASCENDING), ("claimed_at", ASCENDING)]),
            IndexModel([("sent_at", ASCENDING)], expireAfterSeconds=int(KEEP_SENT.total_seconds()),
                       partialFilterExpression={"state": "sent"}),
        ]}

    def add(self, session, event_type: str, data: dict) -> dict:
        """Write the event in the caller's transaction, claimed by this writer when it
        will publish it itself right after the commit (no second claim needed)."""
        envelope = make_envelope(event_type, data, source=self.service)
        now = clock.now()
        row = {"_id": envelope["event_id"], "type": event_type, "envelope": envelope,
               "state": "pending", "created_at": now, "attempts": 0}
        if self.relay_enabled:
            row.update(state="claimed", claimed_at=now, claimed_by=self.replica, attempts=1)
        self.rows.insert_one(row, session=session)
        return envelope

    def publish_soon(self, envelopes):
        """Publish right after the commit, in a green thread of its own, so the request
        that wrote the events does not wait for the broker's confirm. A crash before
        it runs loses nothing: the sweep takes the rows over after CLAIM_TIMEOUT."""
        if not self.relay_enabled or not envelopes:
            return
        eventlet.spawn_n(self._publish_all, list(envelopes))

    def _publish_all(self, envelopes):
        for envelope in envelopes:
            try:
                self._publish(envelope)
            except Exception:  # the sweep takes the claim over after CLAIM_TIMEOUT
                log.exception("publishing right after the commit failed")

    def sweep(self, limit: int = 200) -> int:
        """Publish what is pending (older than a moment, so the writer's own publish
        goes first) and take over claims that a dead replica left behind."""
        now = clock.now()
        published = 0
        pending = self.rows.find(
            {"state": "pending", "created_at": {"$lt": now - dt.timedelta(seconds=1)}},
            {"_id": 1}).sort("created_at", ASCENDING).limit(limit)
        for row in list(pending):
            published += self._claim_and_publish({"_id": row["_id"], "state": "pending"})
        stale = self.rows.find(
            {"state": "claimed", "claimed_at": {"$lt": now - CLAIM_TIMEOUT}},
            {"_id": 1, "claimed_at": 1}).limit(limit)
        for row in list(stale):
            published += self._claim_and_publish(
                {"_id": row["_id"], "state": "claimed", "claimed_at": row["claimed_at"]})
        return published

    def _claim_and_publish(self, claim_filter) -> int:
        claimed = self.rows.update_one(
            claim_filter,
            {"$set": {"state": "claimed", "claimed_at": clock.now(), "claimed_by": self.replica},
             "$inc": {"attempts": 1}})
        if claimed.modified_count != 1:
            return 0  # another replica (or the writer) has it
        return self._publish(self.rows.find_one({"_id": claim_filter["_id"]})["envelope"])

    def _publish(self, envelope: dict) -> int:
        """Publish a row this replica has claimed; sent, or handed back as pending."""
        try:
            publisher().publish(envelope)
        except Exception as exc:
            log.warning("outbox publish failed, will retry: %s", exc,
                        extra={"event_id": envelope["event_id"], "event_type": envelope["type"]})
            self.rows.update_one({"_id": envelope["event_id"], "claimed_by": self.replica},
                                 {"$set": {"state": "pending"}})
            return 0
        if not self._published:
            eventlet.spawn_after(MARK_SENT_EVERY_SECONDS, self.mark_sent)
        self._published.append(envelope["event_id"])
        return 1

    def mark_sent(self):
        """Mark what this replica has published as sent, in one update."""
        ids, self._published = self._published, []
        if not ids:
            return
        try:
            self.rows.update_many({"_id": {"$in": ids}, "state": "claimed"},
                                  {"$set": {"state": "sent", "sent_at": clock.now()}})
        except Exception:  # the sweep republishes them after CLAIM_TIMEOUT: no loss
            log.exception("marking %d published events sent failed", len(ids))


class OutboxRelay(DependencyProvider):
    """The relay of every replica: sweeps the service's outbox (``Outbox.sweep``) every
    ``LINLI_OUTBOX_SWEEP_SECONDS``, and on stop marks sent what it published. It works
    on the outbox of the service's store (the ``Mongo`` dependency); claims are atomic,
    so N replicas are safe."""

    outbox: Outbox | None = None

    def start(self):
        self.outbox = self._service_outbox()
        if self.outbox.relay_enabled:
            self.container.spawn_managed_thread(self._relay_forever, identifier="outbox-relay")

    def stop(self):
        if self.outbox is not None:
            self.outbox.stopping = True
            self.outbox.mark_sent()

    def _service_outbox(self) -> Outbox:
        stores = [d.store for d in self.container.dependencies
                  if hasattr(getattr(d, "store", None), "outbox")]
        if len(stores) != 1:
            raise RuntimeError(f"the outbox relay needs exactly one store, found {len(stores)}")
        return stores[0].outbox

    def _relay_forever(self):
        outbox = self.outbox
        while not outbox.stopping:
            try:
                outbox.sweep()
            except Exception:  # never let the relay kill the container
                log.exception("outbox sweep failed")
            eventlet.sleep(outbox.sweep_interval)
