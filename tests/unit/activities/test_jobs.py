"""The offer-expiry job passes on each offer due by ``as_of``, claimed by a conditional
change (``offer_expires_at <= as_of`` on the offered sign-up); an offer someone answered
first is skipped, not counted."""
import datetime as dt

from services.activities import jobs
from shared.jobs import Run

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
START = NOW + dt.timedelta(days=2)


def offer(signup_id, expires_in_hours):
    return {"_id": signup_id, "status": "offered", "activity_id": "a", "resident_id": "r",
            "community_id": "c", "title": "周末书法班", "starts_at": START, "size": 2,
            "offer_expires_at": NOW + dt.timedelta(hours=expires_in_hours)}


class FakeStore:
    def __init__(self, signups, answered=()):
        self.signups, self.answered, self.left = signups, set(answered), []

    def offers_due(self, as_of, community_id, limit=500):
        return [s for s in self.signups if s["offer_expires_at"] <= as_of]

    def activity(self, activity_id):
        return {"_id": activity_id, "starts_at": START}

    def leave(self, activity, signup, status, now, event, offer_event, extra_filter):
        if signup["_id"] in self.answered:
            return False
        self.left.append((signup["_id"], status, now, event, extra_filter))
        return True


def test_only_offers_due_expire_and_each_is_told():
    store = FakeStore([offer("late", -1), offer("fresh", 5), offer("on-the-dot", 0)])
    assert jobs.offer_expiry(store, Run(NOW)) == 2
    assert [(s, status) for s, status, *_ in store.left] == [("late", "expired"),
                                                             ("on-the-dot", "expired")]
    _, _, now, (event_type, data), claim = store.left[0]
    assert now == NOW and event_type == "activities.offer_expired"
    assert data["signup_id"] == "late" and data["when"] == "2026-12-03 17:00"
    assert claim == {"offer_expires_at": {"$lte": NOW}}


def test_an_offer_answered_meanwhile_is_not_counted():
    store = FakeStore([offer("late", -1), offer("accepted", -2)], answered={"accepted"})
    assert jobs.offer_expiry(store, Run(NOW)) == 1
