"""The canteen's sweeps, callable with any ``as_of`` instant (timers pass now, tests
and ``POST /admin/jobs/{name}`` pass their own). Each booking is claimed by one
conditional update inside ``storage``, so N replicas never act twice and a second
run for the same ``as_of`` processes nothing."""
import datetime as dt

from shared import clock
from shared.jobs import Run, Schedule, batches

schedule = Schedule("canteen")
BATCH = 500  # bookings a sweep reads per query


@schedule.job("canteen-no-show", every="canteen_sweep_seconds")
def mark_no_shows(store, run: Run) -> int:
    """Bookings still ``booked`` after their meal's serving window become ``no_show``."""
    processed, as_of = 0, run.as_of
    for booking in batches(lambda limit: store.past_bookings(as_of, run.community_id, limit),
                           BATCH):
        event = {key: booking[key] for key in ("site_id", "date", "meal", "resident_id")}
        event["booking_id"] = booking["_id"]
        event["site_name"] = booking.get("site_name")
        if store.mark_no_show(booking, as_of, event):
            processed += 1
    return processed


def reminder_still_useful(booking: dict, as_of: dt.datetime) -> bool:
    """A reminder found after the meal's serving window is dropped, not sent."""
    return clock.as_utc(booking["ends_at"]) > as_of


@schedule.job("canteen-pickup-reminder", every="canteen_sweep_seconds")
def send_pickup_reminders(store, run: Run) -> int:
    """Booked diners whose meal starts within the reminder lead get one reminder."""
    processed, as_of = 0, run.as_of
    for booking in batches(lambda limit: store.reminders_due(as_of, run.community_id, limit),
                           BATCH):
        if not reminder_still_useful(booking, as_of):
            store.mark_reminded(booking, as_of, None)
            continue
        event = {key: booking[key] for key in
                 ("site_id", "site_name", "date", "meal", "resident_id", "pickup_code", "portions")}
        event["booking_id"] = booking["_id"]
        if store.mark_reminded(booking, as_of, event):
            processed += 1
    return processed
