"""The SLA sweep decides with the workflow and claims each request by a conditional
change; a request someone else changed first is skipped, not counted."""
import datetime as dt

from services.volunteer import jobs
from shared.errors import Conflict

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def dispatched(request_id, minutes_ago, urgency="normal"):
    at = NOW - dt.timedelta(minutes=minutes_ago)
    return {"_id": request_id, "status": "dispatched", "urgency": urgency, "resident_id": "r",
            "community_id": "c", "team_id": "t", "team_name": "助老服务队",
            "category": "elderly_care", "dispatched_at": at,
            "sla_due_at": at + dt.timedelta(minutes=10 if urgency == "urgent" else 30)}


class FakeStore:
    def __init__(self, requests, taken=()):
        self.requests, self.taken, self.moves = requests, set(taken), []

    def overdue_dispatches(self, as_of, community_id):
        return [r for r in self.requests if r["sla_due_at"] <= as_of]

    def transition(self, request_id, expected, changes, entry, event_type, event_of,
                   extra_filter=None):
        if request_id in self.taken:
            raise Conflict("moved", code="illegal_transition")
        request = next(r for r in self.requests if r["_id"] == request_id)
        self.moves.append((request_id, expected, entry, event_type, event_of(request), extra_filter))


def test_only_overdue_dispatches_are_escalated_back_to_submitted():
    store = FakeStore([dispatched("late", 31), dispatched("fresh", 5),
                       dispatched("urgent-late", 11, "urgent")])
    assert jobs.escalate_overdue(store, NOW) == 2
    moved = {m[0]: m for m in store.moves}
    assert set(moved) == {"late", "urgent-late"}
    _, expected, entry, event_type, event, claim = moved["late"]
    assert expected == "dispatched" and (entry["from"], entry["to"]) == ("dispatched", "submitted")
    assert entry["by"] == "system" and entry["at"] == NOW
    assert event_type == "volunteer.request_escalated" and event["community_id"] == "c"
    assert claim == {"dispatched_at": store.requests[0]["dispatched_at"]}


def test_a_request_changed_meanwhile_is_not_counted():
    store = FakeStore([dispatched("late", 31), dispatched("accepted-meanwhile", 40)],
                      taken={"accepted-meanwhile"})
    assert jobs.escalate_overdue(store, NOW) == 1
