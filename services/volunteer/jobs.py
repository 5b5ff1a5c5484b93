"""The SLA sweep: a dispatched request nobody accepted in time goes back to
``submitted`` and the community's staff hear of it. Each request is claimed by one
conditional update (status and the dispatch it belongs to), so N replicas, the timer
and the admin job never escalate the same dispatch twice."""
import logging

from services.volunteer import workflow
from shared.errors import Conflict
from shared.jobs import Run, Schedule

log = logging.getLogger(__name__)

schedule = Schedule("volunteer")
BATCH = 100  # overdue dispatches read per query


@schedule.job("volunteer-sla", every="volunteer_sla_sweep_seconds")
def escalate_overdue(store, run: Run, batch: int = BATCH) -> int:
    """Escalate every dispatch overdue at ``as_of``; answers how many this run changed.
    Reads them in batches, oldest deadline first; an escalated request leaves the
    query, so each batch reads what is still left. A batch in which nothing could be
    escalated (all changed meanwhile) ends the run: the next run sees them afresh."""
    processed, as_of = 0, run.as_of
    while True:
        requests = store.overdue_dispatches(as_of, run.community_id, limit=batch)
        changed = _escalate(store, requests, as_of)
        processed += changed
        if len(requests) < batch or not changed:
            break
    if processed:
        log.info("escalated %d overdue dispatches", processed)
    return processed


def _escalate(store, requests, as_of) -> int:
    processed = 0
    for request in requests:
        if not workflow.is_overdue(request["sla_due_at"], as_of):
            continue
        to = workflow.next_status(request["status"], "escalate")
        minutes = workflow.SLA_MINUTES[request["urgency"]]
        entry = workflow.history_entry(
            as_of, workflow.SYSTEM, request["status"], to,
            f"not accepted within {minutes} minutes by {request.get('team_name')}; escalated")
        try:
            store.transition(
                request,
                {"team_id": None, "team_name": None, "dispatched_at": None, "sla_due_at": None,
                 "member_ids": [], "escalations": request.get("escalations", 0) + 1},
                entry, "volunteer.request_escalated",
                lambda doc, r=request: {
                    "request_id": r["_id"], "resident_id": r["resident_id"],
                    "community_id": r["community_id"], "team_id": r["team_id"],
                    "category": r["category"], "team_name": r.get("team_name")},
                extra_filter={"dispatched_at": request["dispatched_at"]})
        except Conflict:
            continue  # accepted, rejected or escalated by someone else meanwhile
        processed += 1
    return processed
