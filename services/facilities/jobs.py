"""The facilities sweeps, callable with any ``as_of`` instant (timers pass now, tests
and ``POST /admin/jobs/{name}`` pass their own). Each booking or loan is claimed by one
conditional update inside ``storage``, so N replicas never act twice and a second run
for the same ``as_of`` processes nothing."""
from services.facilities import events
from shared.jobs import Run, Schedule, batches

schedule = Schedule("facilities")


@schedule.job("facilities-no-show", every="facilities_sweep_seconds")
def release_no_shows(store, run: Run) -> int:
    """Bookings not checked in 15 minutes after their start become ``no_show``; their
    time is free again at once (a neighbour may walk in)."""
    processed = 0
    for booking in batches(lambda limit: store.due_no_shows(run.as_of, run.community_id, limit)):
        if store.release_booking(booking, "no_show", {"no_show_marked_at": run.as_of}, {},
                                 "facilities.room_no_show", events.booking_event(booking)):
            processed += 1
    return processed


@schedule.job("facilities-equipment-overdue", every="facilities_sweep_seconds")
def mark_overdue_loans(store, run: Run) -> int:
    """Loans still out at the end of their allowed window become ``overdue``: the
    borrower is told and may borrow nothing until it is back."""
    processed = 0
    for loan in batches(lambda limit: store.due_loans(run.as_of, run.community_id, limit)):
        if store.mark_overdue(loan, run.as_of, events.loan_event(loan)):
            processed += 1
    return processed
