"""The volunteer entrypoints with the storage and the residents service replaced
(nameko's worker_factory; no broker, no database): who may take each step, what the
step hands to storage. Storage and the races are tested on the real database
(tests/e2e/test_volunteer.py, tests/e2e/test_volunteer_races.py)."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory

from services.volunteer import service as volunteer
from shared.auth import Actor
from shared.errors import Conflict, Forbidden, Invalid

AT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone.utc)
ELDER = Actor(id="elder", role="resident", community_id="c1")
MEMBER = Actor(id="m1", role="resident", community_id="c1")
STAFF = Actor(id="s1", role="staff", community_id="c1")
TEAM = {"_id": "t1", "name": "助老服务队", "community_id": "c1", "members": ["m1", "m2", "elder"]}


def request(status, **fields):
    return {"_id": "q1", "resident_id": "elder", "community_id": "c1", "status": status,
            "category": "elderly_care", "urgency": "normal", "address": "3号楼",
            "team_id": "t1", "team_name": "助老服务队", "member_ids": TEAM["members"],
            "hours": 2, "volunteer_ids": ["m1", "m2"], "history": [], "created_at": AT,
            "updated_at": AT, "dispatched_at": AT, "sla_due_at": AT, **fields}


class Store:
    """Just enough of VolunteerStore, recording the changes it is asked to make."""

    def __init__(self, doc=None, member_of=()):
        self.doc, self.member_of, self.moves, self.closed, self.queries = doc, member_of, [], [], []

    def request(self, request_id):
        return self.doc

    def team(self, team_id):
        return TEAM if team_id == "t1" else None

    def team_ids_of_member(self, resident_id):
        return list(self.member_of)

    def transition(self, request, changes, entry, event_type, event_of, extra_filter=None):
        doc = {**request, **changes, "status": entry["to"]}
        self.moves.append((changes, entry, event_type, event_of(doc), extra_filter))
        return doc

    def close_and_credit(self, request, changes, entry, credits, closed_event, by):
        self.closed.append((changes, entry, credits, closed_event, by))
        return {**request, **changes, "status": entry["to"]}

    def list_requests(self, queries, limit, cursor):
        self.queries.append(queries)
        return [], None


def worker(store):
    return worker_factory(volunteer.VolunteerService, store=store)


def test_a_member_cannot_take_on_their_own_request():
    store = Store(request("dispatched"))
    with pytest.raises(Forbidden) as refused:
        worker(store).accept(ELDER.assertion(), "q1")
    assert refused.value.code == "own_request" and store.moves == []


def test_an_accept_moves_the_request_only_if_still_with_the_same_team():
    store = Store(request("dispatched"))
    answer = worker(store).accept(MEMBER.assertion(), "q1")
    changes, entry, event_type, event, claim = store.moves[0]
    assert answer["status"] == "accepted" and changes == {"accepted_by": "m1"}
    assert (entry["from"], entry["to"], entry["by"]) == ("dispatched", "accepted", "m1")
    assert event_type == "volunteer.request_accepted" and event["team_id"] == "t1"
    assert claim == {"team_id": "t1"}


def test_a_request_with_no_team_has_nobody_to_accept_it():
    store = Store(request("submitted", team_id=None))
    with pytest.raises(Conflict) as refused:
        worker(store).accept(ELDER.assertion(), "q1")
    assert refused.value.code == "illegal_transition"


def test_work_reported_for_someone_outside_the_team_is_refused_before_storage():
    store = Store(request("accepted"))
    with pytest.raises(Invalid) as refused:
        worker(store).complete(MEMBER.assertion(), "q1", {"hours": 2, "volunteer_ids": ["m1", "x"]})
    assert refused.value.details == {"volunteer_ids": ["not a member: x"]}
    assert store.moves == []


def test_a_confirmation_credits_each_volunteer_hours_times_ten_once():
    store = Store(request("completed", hours=2.5))
    answer = worker(store).confirm(ELDER.assertion(), "q1", {"rating": 5})
    changes, entry, credits, event, by = store.closed[0]
    assert answer["status"] == "closed" and changes["rating"] == 5
    assert credits == [{"volunteer_id": "m1", "points": 25}, {"volunteer_id": "m2", "points": 25}]
    assert event == {"request_id": "q1", "resident_id": "elder", "community_id": "c1",
                     "team_id": "t1", "rating": 5}
    assert by == "elder"


def test_only_the_requester_confirms():
    with pytest.raises(Forbidden):
        worker(Store(request("completed"))).confirm(MEMBER.assertion(), "q1", {"rating": 5})


def test_a_member_lists_their_own_requests_and_each_of_their_teams():
    store = Store(member_of=["t1", "t2"])
    worker(store).list_requests(MEMBER.assertion(), {"status": "dispatched"})
    assert store.queries == [[{"resident_id": "m1", "status": "dispatched"},
                              {"team_id": "t1", "status": "dispatched"},
                              {"team_id": "t2", "status": "dispatched"}]]


def test_staff_list_their_community_only():
    store = Store()
    worker(store).list_requests(STAFF.assertion(), {})
    assert store.queries == [[{"community_id": "c1"}]]


def test_a_dispatch_starts_the_sla_and_tells_the_team():
    store = Store(request("submitted", team_id=None, team_name=None, member_ids=[],
                          dispatched_at=None, sla_due_at=None))
    worker(store).dispatch(STAFF.assertion(), "q1", {"team_id": "t1"})
    changes, entry, event_type, event, _ = store.moves[0]
    assert changes["sla_due_at"] - changes["dispatched_at"] == dt.timedelta(minutes=30)
    assert event_type == "volunteer.request_dispatched"
    assert (event["team_id"], event["member_ids"], event["urgency"]) == ("t1", TEAM["members"],
                                                                           "normal")
