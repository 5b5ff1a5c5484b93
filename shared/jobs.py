"""Scheduled jobs, each declared once, next to its code.

A service's jobs module makes a ``Schedule`` and declares each job on it::

    schedule = Schedule("library")

    @schedule.job("library-overdue", every="library_sweep_seconds")
    def overdue(store, run: Run) -> int:
        ...

``every`` names the ``Settings`` field that says how many seconds apart each replica
runs it. The service class sets ``jobs = schedule``; ``LinliService`` then runs the due
jobs from one timer and answers ``run_job`` (the gateway's ``POST /admin/jobs/{name}``)
for all of them. ``JOBS`` is the list of every job by name, the one the gateway reads.

Every job must be safe with N replicas and an on-demand run at the same moment: each
item it handles is claimed by one atomic write, and a second run for the same ``as_of``
processes nothing."""
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Callable

from shared import clock
from shared.config import settings
from shared.errors import Invalid, NotFound

log = logging.getLogger(__name__)

# Far enough either way for any test that moves time; near year 9999 the sweeps' own
# arithmetic (a serving window, a due date) would leave the calendar.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.timezone.utc)
TICK_SLACK = 0.1  # seconds


@dataclass(frozen=True)
class Run:
    """One run of a job: the instant it is for, the community it is limited to (None:
    every community), and whether somebody asked for it (and waits for its count)."""
    as_of: dt.datetime
    community_id: str | None = None
    on_demand: bool = False


@dataclass(frozen=True)
class Job:
    name: str
    service: str
    every: str  # the Settings field with the seconds between timer runs
    work: Callable[..., int]  # work(store, run) -> how many items it changed

    def interval(self) -> float:
        return float(getattr(settings(), self.every))


JOBS: dict[str, Job] = {}  # every job of every service, by name


class Schedule:
    """The jobs of one service."""

    def __init__(self, service: str):
        self.service = service
        self.jobs: dict[str, Job] = {}
        self._last_run: dict[str, float] = {}

    def job(self, name: str, every: str):
        if not name.startswith(self.service + "-"):
            raise ValueError(f"a {self.service} job's name starts with '{self.service}-': {name}")
        getattr(settings(), every)  # a misspelt setting fails at import, not at the first tick

        def declare(work):
            self.jobs[name] = JOBS[name] = Job(name, self.service, every, work)
            return work
        return declare

    def named(self, name: str) -> Job:
        if name not in self.jobs:
            raise NotFound(f"no {self.service} job named {name}")
        return self.jobs[name]

    def run_due(self, store, now: dt.datetime | None = None) -> None:
        """Run every job whose interval has passed in this replica (the timer's tick).
        One failing job does not stop the others."""
        tick = time.monotonic()
        for job in self.jobs.values():
            # the first run comes one interval after the start, as a timer's would
            # (less a little: a timer's ticks come one interval apart, give or take)
            if tick - self._last_run.setdefault(job.name, tick) < job.interval() - TICK_SLACK:
                continue
            self._last_run[job.name] = tick
            try:
                done = job.work(store, Run(now or clock.now()))
                if done:
                    log.info("%s processed %d", job.name, done)
            except Exception:
                log.exception("%s failed", job.name)


def batches(find, size: int = 500):
    """Items from ``find(limit)``, batch after batch, until one comes back short: a
    sweep claims every item of a batch (itself or another replica does), so the next
    batch holds new ones."""
    while True:
        batch = find(size)
        yield from batch
        if len(batch) < size:
            return


def as_of_instant(text: str | None) -> dt.datetime:
    """The instant an on-demand run is for: now when none is given; 422 naming
    ``as_of`` outside years 2000-2999 or, in production, in the future (a job run "in
    2030" would mark every coming booking a no-show)."""
    try:
        at = clock.parse_instant(text)
    except (TypeError, AttributeError, ValueError, OverflowError) as exc:
        raise Invalid("as_of is not an ISO 8601 instant",
                      details={"as_of": ["not an ISO 8601 instant"]}) from exc
    if not EARLIEST <= at <= LATEST:
        raise Invalid("as_of is out of range", details={"as_of": ["between 2000 and 2999"]})
    if text and settings().production and at > clock.now():
        raise Invalid("a job cannot run in the future", details={"as_of": ["not after now"]})
    return at
