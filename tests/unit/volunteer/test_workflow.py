"""The request state machine, the SLA and the points for service, as tables."""
import datetime as dt

import pytest

from services.volunteer import workflow
from shared.errors import Conflict, Forbidden, Invalid

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


def allowed(status, action):
    try:
        workflow.next_status(status, action)
    except Conflict:
        return False
    return True


@pytest.mark.parametrize("status,action,to", ALLOWED)
def test_each_allowed_step_leads_where_the_contract_says(status, action, to):
    assert workflow.next_status(status, action) == to


FORBIDDEN = [(s, a) for s in workflow.STATUSES for a in workflow.TRANSITIONS
             if (s, a) not in {(x, y) for x, y, _ in ALLOWED}]


@pytest.mark.parametrize("status,action", FORBIDDEN)
def test_every_other_step_is_an_illegal_transition(status, action):
    with pytest.raises(Conflict) as raised:
        workflow.next_status(status, action)
    assert raised.value.code == "illegal_transition"


def test_nothing_leaves_closed_or_cancelled():
    for final in ("closed", "cancelled"):
        assert not any(allowed(final, a) for a in workflow.TRANSITIONS)


def test_accepted_requests_can_no_longer_be_cancelled():
    assert not allowed("accepted", "cancel")


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


def test_a_volunteer_from_outside_the_team_or_the_requester_is_refused():
    workflow.check_volunteers("elder", ["a", "b"], ["a", "b", "c"])
    with pytest.raises(Invalid) as outsider:
        workflow.check_volunteers("elder", ["a", "x"], ["a", "b"])
    assert outsider.value.details == {"volunteer_ids": ["not a member: x"]}
    with pytest.raises(Invalid) as own:
        workflow.check_volunteers("elder", ["a", "elder"], ["a", "elder"])
    assert own.value.details == {"volunteer_ids": ["the requester of this request: elder"]}


def test_nobody_takes_on_their_own_request():
    workflow.check_not_own("elder", "a")
    with pytest.raises(Forbidden) as own:
        workflow.check_not_own("elder", "elder")
    assert own.value.code == "own_request"


@pytest.mark.parametrize("resident,ok", [
    ({"community_id": "c1", "role": "resident"}, True),
    ({"community_id": "c2", "role": "resident"}, False),
    ({"community_id": "c1", "role": "staff"}, False),
    (None, False),
])
def test_team_members_are_residents_of_the_teams_community(resident, ok):
    team = {"_id": "t1", "community_id": "c1"}
    if ok:
        workflow.check_member(resident, team)
    else:
        with pytest.raises(Invalid):
            workflow.check_member(resident, team)


def test_a_new_request_is_submitted_with_no_team_and_its_first_history_entry():
    doc = workflow.new_request({"category": "repair", "urgency": "urgent"}, "r1", "c1", AT)
    assert doc["status"] == "submitted" and doc["team_id"] is None and doc["_id"]
    assert doc["history"] == [workflow.history_entry(AT, "r1", None, "submitted")]


def test_a_dispatch_gives_the_team_and_starts_the_sla():
    team = {"_id": "t1", "name": "助老服务队", "members": ["a", "b"]}
    changes = workflow.dispatch_changes(team, "urgent", AT)
    assert changes == {"team_id": "t1", "team_name": "助老服务队", "member_ids": ["a", "b"],
                       "dispatched_at": AT, "sla_due_at": AT + dt.timedelta(minutes=10)}


def test_an_event_names_the_request_its_requester_and_community():
    request = {"_id": "q1", "resident_id": "r1", "community_id": "c1", "team_id": "t1"}
    assert workflow.event_of(request, "team_id", rating=5) == {
        "request_id": "q1", "resident_id": "r1", "community_id": "c1", "team_id": "t1",
        "rating": 5}
