"""The canteen's sweeps, callable with any ``as_of`` instant (timers pass now, tests
and ``POST /admin/jobs/{name}`` pass their own). Each booking is claimed by one
conditional update inside ``storage``, so N replicas never act twice and a second
run for the same ``as_of`` processes nothing."""
import datetime as dt

from shared import clock

NO_SHOW = "canteen-no-show"
PICKUP_REMINDER = "canteen-pickup-reminder"
JOBS = (NO_SHOW, PICKUP_REMINDER)


BATCH = 500


def _batches(find):
    """Batches from ``find(limit)`` until one comes back short: every item of a batch
    is claimed (by us or by another replica), so the next batch holds new ones."""
    while True:
        batch = find(BATCH)
        yield from batch
        if len(batch) < BATCH:
            return


def mark_no_shows(store, as_of: dt.datetime, community_id: str | None = None) -> int:
    """Bookings still ``booked`` after their meal's serving window become ``no_show``."""
    processed = 0
    for booking in _batches(lambda limit: store.past_bookings(as_of, community_id, limit)):
        event = {key: booking[key] for key in ("site_id", "date", "meal", "resident_id")}
        event["booking_id"] = booking["_id"]
        event["site_name"] = booking.get("site_name")
        if store.mark_no_show(booking, as_of, event):
            processed += 1
    return processed


def reminder_still_useful(booking: dict, as_of: dt.datetime) -> bool:
    """A reminder found after the meal's serving window is dropped, not sent."""
    return clock.as_utc(booking["ends_at"]) > as_of


def send_pickup_reminders(store, as_of: dt.datetime, community_id: str | None = None) -> int:
    """Booked diners whose meal starts within the reminder lead get one reminder."""
    processed = 0
    for booking in _batches(lambda limit: store.reminders_due(as_of, community_id, limit)):
        if not reminder_still_useful(booking, as_of):
            store.mark_reminded(booking, as_of, None)
            continue
        event = {key: booking[key] for key in
                 ("site_id", "site_name", "date", "meal", "resident_id", "pickup_code", "portions")}
        event["booking_id"] = booking["_id"]
        if store.mark_reminded(booking, as_of, event):
            processed += 1
    return processed


SWEEPS = {NO_SHOW: mark_no_shows, PICKUP_REMINDER: send_pickup_reminders}


def run(store, name: str, as_of: dt.datetime, community_id: str | None = None) -> int:
    return SWEEPS[name](store, as_of, community_id)
