"""The library's sweeps, callable with an ``as_of`` instant (timers pass now).

Each sweep asks the database for what still needs doing (a loan whose overdue marking
or daily notice is due, a reminder not yet sent, a ready hold past its time), limited to
the community in the query itself, and works through it in batches until nothing is
left: every item it handles leaves the query, so items beyond one batch are reached in
the same run (a fixed limit once starved every loan past the first few thousand).
Each item is claimed by a conditional update inside its own transaction, so N replicas
(or a timer and a staff member) never act twice on the same loan or hold, and a second
run for the same ``as_of`` processes nothing."""
import logging

from shared import clock
from shared.config import settings
from shared.jobs import Run, Schedule

log = logging.getLogger(__name__)

schedule = Schedule("library")


def in_batches(find, act, batch: int) -> int:
    """``find(limit)`` answers ids still to do; ``act(id)`` answers whether it changed
    something. Stops when nothing is left, or when a batch moved nothing out of the
    query (every id in it was claimed meanwhile by another replica, or failed)."""
    done, previous = 0, None
    while True:
        ids = find(batch)
        if not ids or ids == previous:
            return done
        done += sum(1 for item_id in ids if act(item_id))
        previous = ids


@schedule.job("library-overdue", every="library_sweep_seconds")
def overdue(store, run: Run) -> int:
    """Loans past their due date become overdue; one notice a loan a day at most."""
    today = clock.today_local(run.as_of)
    return in_batches(lambda limit: store.loans_to_mark_overdue(today, run.community_id, limit),
                      lambda loan_id: store.mark_overdue(loan_id, today),
                      settings().library_sweep_batch)


@schedule.job("library-due-soon", every="library_sweep_seconds")
def due_soon(store, run: Run) -> int:
    """Remind readers two days before the due date (once a due date)."""
    today = clock.today_local(run.as_of)
    return in_batches(lambda limit: store.loans_due_soon(today, run.community_id, limit),
                      lambda loan_id: store.send_due_soon(loan_id, today),
                      settings().library_sweep_batch)


@schedule.job("library-hold-expiry", every="library_sweep_seconds")
def hold_expiry(store, run: Run) -> int:
    """Ready holds not collected in time expire; the copy passes to the next in line."""
    return in_batches(lambda limit: store.ready_holds_expired(run.as_of, run.community_id, limit),
                      lambda hold_id: store.expire_hold(hold_id, run.as_of),
                      settings().library_sweep_batch)


@schedule.job("library-search-postings", every="library_sweep_seconds")
def post_unposted_titles(store, run: Run) -> int:
    """Titles an older replica wrote during a rolling update become searchable."""
    return store.post_unposted_titles()
