"""The SLA sweep: a dispatched request nobody accepted in time goes back to
``submitted`` and the community's staff hear of it. Each request is claimed by one
conditional update (status and the dispatch it belongs to), so N replicas, the timer
and the admin job never escalate the same dispatch twice."""
import logging

from services.volunteer import workflow
from shared import clock
from shared.errors import Conflict, Invalid

log = logging.getLogger(__name__)

JOBS = ("volunteer-sla",)
BATCH = 100  # overdue dispatches read per query


def parse_as_of(text):
    """The instant a run is for (now when none is given); 422 naming ``as_of`` for
    anything that is not an ISO 8601 instant the database can hold (years 1-9999
    once in UTC: ``9999-12-31T23:00:00-05:00`` is not)."""
    try:
        return clock.parse_instant(text)
    except (TypeError, AttributeError, ValueError, OverflowError) as exc:
        raise Invalid("as_of must be an ISO 8601 instant between the years 1 and 9999 (UTC)",
                      details={"as_of": ["an ISO 8601 instant within years 1-9999 UTC"]}) from exc


def escalate_overdue(store, as_of, community_id: str | None = None, batch: int = BATCH) -> int:
    """Escalate every dispatch overdue at ``as_of``; answers how many this run changed.
    Reads them in batches, oldest deadline first; an escalated request leaves the
    query, so each batch reads what is still left. A batch in which nothing could be
    escalated (all changed meanwhile) ends the run: the next run sees them afresh."""
    processed = 0
    while True:
        requests = store.overdue_dispatches(as_of, community_id, limit=batch)
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
