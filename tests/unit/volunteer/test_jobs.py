"""The SLA sweep decides with the workflow and claims each request by a conditional
change; a request someone else changed first is skipped, not counted."""
import datetime as dt


from services.volunteer import jobs, workflow
from shared.errors import Conflict
from shared.jobs import Run

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def dispatched(request_id, minutes_ago, urgency="normal"):
    at = NOW - dt.timedelta(minutes=minutes_ago)
    return {"_id": request_id, "status": "dispatched", "urgency": urgency, "resident_id": "r",
            "community_id": "c", "team_id": "t", "team_name": "助老服务队",
            "category": "elderly_care", "dispatched_at": at,
            "sla_due_at": at + dt.timedelta(minutes=10 if urgency == "urgent" else 30)}


class FakeStore:
    def __init__(self, requests, taken=()):
        self.requests, self.taken, self.moves, self.reads = requests, set(taken), [], 0

    def overdue_dispatches(self, as_of, community_id, limit):
        self.reads += 1
        return [r for r in self.requests if r["sla_due_at"] <= as_of
                and r["status"] == "dispatched"][:limit]

    def transition(self, request, changes, entry, event_type, event_of, extra_filter=None):
        if request["_id"] in self.taken:
            raise Conflict("moved", code="illegal_transition")
        self.moves.append((request["_id"], request["status"], entry, event_type,
                           event_of(request), extra_filter))
        request["status"] = entry["to"]


def test_only_overdue_dispatches_are_escalated_back_to_submitted():
    store = FakeStore([dispatched("late", 31), dispatched("fresh", 5),
                       dispatched("urgent-late", 11, "urgent")])
    assert jobs.escalate_overdue(store, Run(NOW)) == 2
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
    assert jobs.escalate_overdue(store, Run(NOW)) == 1


def test_more_overdue_dispatches_than_a_batch_are_all_escalated_in_one_run():
    store = FakeStore([dispatched(f"late-{n}", 31 + n) for n in range(25)])
    assert jobs.escalate_overdue(store, Run(NOW), batch=10) == 25
    assert store.reads == 3


def test_a_batch_where_everything_changed_meanwhile_ends_the_run():
    late = [dispatched(f"late-{n}", 31 + n) for n in range(10)]
    store = FakeStore(late, taken={r["_id"] for r in late})
    assert jobs.escalate_overdue(store, Run(NOW), batch=10) == 0
    assert store.reads == 1


def test_an_sla_deadline_past_the_calendar_stops_at_its_last_instant():
    late = dt.datetime(9999, 12, 31, 23, 50, tzinfo=dt.timezone.utc)
    assert workflow.sla_due(late, "normal") == dt.datetime.max.replace(tzinfo=dt.timezone.utc)
