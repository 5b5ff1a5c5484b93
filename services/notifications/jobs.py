"""The notifications service's one job: sending the webhook pushes that are due.

The timer's run does not wait for the sends (a slow receiver must not hold up the
next tick); a run somebody asked for waits for them, so its count is of pushes tried."""
from services.notifications import push
from services.notifications.storage import ANY_COMMUNITY
from shared.jobs import Run, Schedule

schedule = Schedule("notifications")


@schedule.job("notifications-push", every="push_sweep_seconds")
def send_pushes(store, run: Run) -> int:
    community = ANY_COMMUNITY if run.community_id is None else run.community_id
    return push.send_due(store, run.as_of, community, wait=run.on_demand)
