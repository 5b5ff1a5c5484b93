"""The activities job: offers not answered in time expire, and their seats pass on
down the waitlist. Safe with N replicas: each offer is claimed by the conditional
update ``{_id, status: "offered", offer_expires_at <= as_of}`` of its transaction."""
from services.activities import notices
from shared.jobs import Run, Schedule

schedule = Schedule("activities")


def pass_seats_on(store, activity, signup, status, now, event=None, extra_filter=None) -> bool:
    """``signup`` leaves with ``status``; what it held is offered to the next in line."""
    return store.leave(activity, signup, status, now, event, notices.offered, extra_filter)


@schedule.job("activities-offer-expiry", every="activities_offer_sweep_seconds")
def offer_expiry(store, run: Run) -> int:
    expired = 0
    for signup in store.offers_due(run.as_of, run.community_id):
        activity = store.activity(signup["activity_id"])
        if pass_seats_on(store, activity, signup, "expired", run.as_of,
                         ("activities.offer_expired", notices.about(signup)),
                         {"offer_expires_at": {"$lte": run.as_of}}):
            expired += 1
    return expired
