"""The sweeps over a stand-in store: every due booking is claimed once, in batches,
and a second run for the same instant has nothing left to do."""
import datetime as dt

from services.canteen import jobs
from shared.jobs import Run

AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


class FakeStore:
    """Bookings in a list; claims flip the state the way the conditional update does."""

    def __init__(self, count, community="c1"):
        self.rows = [{"_id": f"b{n}", "site_id": "s", "site_name": "初心食堂", "date": "2026-12-01",
                      "meal": "lunch", "resident_id": f"r{n}", "pickup_code": "ABCDEF",
                      "portions": 1, "status": "booked", "reminded": False,
                      "ends_at": AT + dt.timedelta(hours=3),
                      "community_id": community} for n in range(count)]
        self.events = []

    def _due(self, community_id, limit, test):
        rows = [r for r in self.rows if test(r) and community_id in (None, r["community_id"])]
        return [dict(r) for r in rows[:limit]]

    def past_bookings(self, as_of, community_id, limit):
        return self._due(community_id, limit, lambda r: r["status"] == "booked")

    def reminders_due(self, as_of, community_id, limit):
        return self._due(community_id, limit,
                         lambda r: r["status"] == "booked" and not r["reminded"])

    def _claim(self, booking, change, event_type, event):
        row = next(r for r in self.rows if r["_id"] == booking["_id"])
        if row["status"] != "booked" or (event_type == "reminder" and row["reminded"]):
            return False
        row.update(change)
        if event is not None:
            self.events.append((event_type, event))
        return True

    def mark_no_show(self, booking, as_of, event):
        return self._claim(booking, {"status": "no_show"}, "no_show", event)

    def mark_reminded(self, booking, as_of, event):
        return self._claim(booking, {"reminded": True}, "reminder", event)


def test_every_past_booking_becomes_a_no_show_once_even_past_one_batch():
    store = FakeStore(jobs.BATCH + 7)
    assert jobs.mark_no_shows(store, Run(AT)) == jobs.BATCH + 7
    assert jobs.mark_no_shows(store, Run(AT)) == 0
    assert {r["status"] for r in store.rows} == {"no_show"}
    assert store.events[0][1]["booking_id"] == "b0"


def test_a_reminder_carries_the_pickup_code_and_goes_out_once():
    store = FakeStore(3)
    assert jobs.send_pickup_reminders(store, Run(AT)) == 3
    assert jobs.send_pickup_reminders(store, Run(AT)) == 0
    kind, event = store.events[0]
    assert kind == "reminder" and event["pickup_code"] == "ABCDEF"
    assert event["site_name"] == "初心食堂"


def test_staff_sweep_only_their_community():
    store = FakeStore(2, community="c1")
    assert jobs.mark_no_shows(store, Run(AT, community_id="c2")) == 0
    assert jobs.mark_no_shows(store, Run(AT, community_id="c1")) == 2


def test_a_reminder_found_after_the_meal_is_dropped_and_never_looked_at_again():
    store = FakeStore(jobs.BATCH + 2)
    for row in store.rows[:jobs.BATCH + 1]:
        row["ends_at"] = AT - dt.timedelta(minutes=1)
    assert jobs.send_pickup_reminders(store, Run(AT)) == 1
    assert [event["booking_id"] for _, event in store.events] == [f"b{jobs.BATCH + 1}"]
    assert all(r["reminded"] for r in store.rows)
