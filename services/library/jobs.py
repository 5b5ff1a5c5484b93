"""The library's sweeps, callable with an ``as_of`` instant (timers pass now).

Each item is claimed by a conditional update inside its own transaction, so N
replicas (or a timer and a staff member) never act twice on the same loan or hold,
and a second run for the same ``as_of`` processes nothing."""
import datetime as dt
import logging

from shared import clock

log = logging.getLogger(__name__)

JOBS = ("library-overdue", "library-due-soon", "library-hold-expiry")


def _in_scope(item: dict, community_id: str | None) -> bool:
    return community_id is None or item.get("community_id") == community_id


def overdue(store, as_of: dt.datetime, community_id: str | None = None) -> int:
    """Loans past their due date become overdue; one notice a loan a day at most."""
    today = clock.today_local(as_of)
    return sum(1 for loan in store.loans_past_due(today)
               if _in_scope(loan, community_id) and store.mark_overdue(loan["_id"], today))


def due_soon(store, as_of: dt.datetime, community_id: str | None = None) -> int:
    """Remind readers two days before the due date (once a due date)."""
    today = clock.today_local(as_of)
    return sum(1 for loan in store.loans_due_soon(today)
               if _in_scope(loan, community_id) and store.send_due_soon(loan["_id"], today))


def hold_expiry(store, as_of: dt.datetime, community_id: str | None = None) -> int:
    """Ready holds not collected in time expire; the copy passes to the next in line."""
    return sum(1 for hold in store.ready_holds_expired(as_of)
               if _in_scope(hold, community_id) and store.expire_hold(hold["_id"], as_of))


SWEEPS = {"library-overdue": overdue, "library-due-soon": due_soon,
          "library-hold-expiry": hold_expiry}


def run(store, name: str, as_of: dt.datetime, community_id: str | None = None) -> int:
    return SWEEPS[name](store, as_of, community_id)
