"""The request state machine, the SLA and the points for service, as tables."""
import datetime as dt

import pytest

from services.volunteer import workflow
from shared.errors import Conflict

ALLOWED = [
    ("submitted", "dispatch", "dispatched"),
    ("dispatched", "accept", "accepted"),
    ("dispatched", "reject", "submitted"),
    ("dispatched", "escalate", "submitted"),
    ("accepted", "complete", "completed"),
    ("completed", "confirm", "closed"),
    ("submitted", "cancel", "cancelled"),
    ("dispatched", "cancel", "cancelled"),
]


@pytest.mark.parametrize("status,action,to", ALLOWED)
def test_each_allowed_step_leads_where_the_contract_says(status, action, to):
    assert workflow.next_status(status, action) == to
    assert workflow.can(status, action)


FORBIDDEN = [(s, a) for s in workflow.STATUSES for a in workflow.TRANSITIONS
             if (s, a) not in {(x, y) for x, y, _ in ALLOWED}]


@pytest.mark.parametrize("status,action", FORBIDDEN)
def test_every_other_step_is_an_illegal_transition(status, action):
    with pytest.raises(Conflict) as raised:
        workflow.next_status(status, action)
    assert raised.value.code == "illegal_transition"
    assert not workflow.can(status, action)


def test_nothing_leaves_closed_or_cancelled():
    for final in ("closed", "cancelled"):
        assert not any(workflow.can(final, a) for a in workflow.TRANSITIONS)


def test_accepted_requests_can_no_longer_be_cancelled():
    assert not workflow.can("accepted", "cancel")


AT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("urgency,minutes", [("normal", 30), ("urgent", 10)])
def test_sla_is_thirty_minutes_or_ten_when_urgent(urgency, minutes):
    due = workflow.sla_due(AT, urgency)
    assert due == AT + dt.timedelta(minutes=minutes)
    assert not workflow.is_overdue(due, due - dt.timedelta(seconds=1))
    assert workflow.is_overdue(due, due)


@pytest.mark.parametrize("hours,points", [(1, 10), (2.5, 25), (0.25, 3), (0.04, 0), (24, 240)])
def test_points_are_hours_times_ten_rounded_half_up(hours, points):
    assert workflow.points_for(hours) == points


def test_points_per_hour_can_be_changed():
    assert workflow.points_for(3, points_per_hour=20) == 60


@pytest.mark.parametrize("hours,ok", [(-1, False), (0, False), (0.5, True), (24, True),
                                      (24.5, False), (None, False), (float("nan"), False),
                                      (0.04, False), (0.0499, False), (0.05, True)])
def test_hours_of_service_earn_at_least_a_point_and_are_at_most_a_day(hours, ok):
    assert (workflow.hours_problem(hours) is None) is ok


def test_too_little_service_names_the_least_that_earns_a_point():
    assert workflow.MIN_HOURS == 0.05 and workflow.points_for(workflow.MIN_HOURS) == 1
    assert "0.05" in workflow.hours_problem(0.01)


def test_the_requester_is_never_among_the_credited():
    assert workflow.serves_own_request("elder", ["a", "elder"])
    assert not workflow.serves_own_request("elder", ["a", "b"])
    assert workflow.credits("elder", ["a", "elder"], 2) == [{"volunteer_id": "a", "points": 20}]


def test_a_request_worth_no_points_credits_nobody():
    assert workflow.credits("elder", ["a", "b"], 0.01) == []


def test_volunteers_who_are_not_members_are_named():
    assert workflow.strangers(["a", "x", "b"], ["a", "b"]) == ["x"]
    assert workflow.strangers(["a"], ["a", "b"]) == []


def test_history_entries_say_who_when_from_to_and_why():
    entry = workflow.history_entry(AT, "staff1", "submitted", "dispatched", "to 助老服务队")
    assert entry == {"at": AT, "by": "staff1", "from": "submitted", "to": "dispatched",
                     "note": "to 助老服务队"}
