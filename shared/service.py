"""What every Linli service class shares (the nameko-chassis idea): JSON logs with
request ids, the Mongo store with its outbox relay, ``ping`` for readiness, ``echo``
for the benchmarks, and the service's scheduled jobs (``shared/jobs.py``): one timer
runs those that are due, and ``run_job`` runs one on demand."""
import os
import socket

from nameko.timer import timer

from shared import logs
from shared.auth import Actor
from shared.context import RequestContext
from shared.errors import EXPECTED
from shared.jobs import Run, Schedule, as_of_instant
from shared.outbox import OutboxRelay
from shared.rpc import rpc

REPLICA = f"{socket.gethostname()}:{os.getpid()}"
JOB_TICK_SECONDS = 1  # each job keeps its own interval (Job.every); this only looks


def bootstrap(service_name: str):
    logs.configure(service_name)


class LinliService:
    """Base class: subclasses set ``name``, ``store = Mongo(TheirStore)`` and, when
    they have jobs, ``jobs = their_schedule``."""

    name = "linli"
    request_id = RequestContext()
    relay = OutboxRelay()
    jobs: Schedule | None = None

    @rpc
    def ping(self):
        """Readiness: answers when the service runs and reaches its database."""
        return {"service": self.name, "database": self.store.ping(), "replica": REPLICA}

    @rpc
    def echo(self, payload=None):
        """Bare RPC round trip, the baseline ``make bench`` compares routes against."""
        return payload

    @rpc(expected_exceptions=EXPECTED)
    def run_job(self, actor, name, as_of=None):
        """Run one of this service's jobs now, as of ``as_of`` (default now): staff for
        their community, an admin for every community. Answers ``{"processed": N}``."""
        who = Actor.of(actor).require_staff()
        job = (self.jobs or Schedule(self.name)).named(name)
        run = Run(as_of_instant(as_of), community_id=who.scope, on_demand=True)
        return {"processed": job.work(self.store, run)}

    @timer(interval=JOB_TICK_SECONDS)
    def run_due_jobs(self):
        """Every replica runs the jobs whose interval has passed; each job claims its
        items atomically, so N replicas never act twice."""
        if self.jobs:
            self.jobs.run_due(self.store)
