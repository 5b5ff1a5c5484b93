"""The hold queue: who may hold, who is next, which copy a hold takes, where it stands,
when a ready hold expires and what a copy arriving or let go does, in plain values."""
import datetime as dt

import pytest

from services.library import holds as h

UTC = dt.timezone.utc
T = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def hold(hold_id, seconds=0, status="waiting", **fields):
    return {"_id": hold_id, "created_at": T + dt.timedelta(seconds=seconds), "status": status,
            "resident_id": f"r-{hold_id}", "pickup_branch_id": "A", **fields}


def test_a_reader_who_may_not_borrow_may_not_hold_and_five_holds_is_the_limit():
    assert h.hold_refusal(active_holds=0, active_loans=0, overdue_loans=1)[0] == "patron_blocked"
    assert h.hold_refusal(active_holds=0, active_loans=5, overdue_loans=0)[0] == "patron_blocked"
    assert h.hold_refusal(active_holds=5, active_loans=0, overdue_loans=0)[0] == "hold_limit"
    assert h.hold_refusal(active_holds=4, active_loans=4, overdue_loans=0) is None


@pytest.mark.parametrize("status, allowed", [
    ("waiting", True), ("in_transit", True), ("ready", True),
    ("collected", False), ("cancelled", False), ("expired", False)])
def test_an_open_hold_can_be_cancelled(status, allowed):
    assert h.may_cancel(status) is allowed


def test_the_queue_serves_the_earliest_hold_first():
    holds = [hold("c", 2), hold("b", 0), hold("a", 1)]
    assert h.next_in_line(holds)["_id"] == "b"
    assert h.next_in_line([]) is None
    assert h.next_in_line([hold("z"), hold("y")])["_id"] == "y"   # a tie: by id


def test_mongos_naive_instants_queue_as_utc():
    naive = {"_id": "n", "created_at": T.replace(tzinfo=None) - dt.timedelta(seconds=1)}
    assert h.next_in_line([hold("a"), naive])["_id"] == "n"


@pytest.mark.parametrize("status, ahead, position", [
    ("waiting", [], 1),                                     # positions start at one
    ("waiting", [hold("a", -2), hold("b", -1)], 3),
    ("waiting", [hold("a", -1), hold("later", 5)], 2),      # only those placed before count
    ("in_transit", [], 0),                                  # a copy is travelling to it
    ("ready", [], 0),
    ("collected", [], None),
    ("cancelled", [], None),
    ("expired", [], None),
])
def test_where_a_hold_stands(status, ahead, position):
    mine = hold("me", 0, status)
    assert h.position(mine, ahead + [mine]) == position


def test_a_new_hold_is_told_its_place_in_the_queue():
    mine = hold("me", 0)
    assert h.place_in_queue([], mine) == 1
    assert h.place_in_queue([hold("a", -1), hold("b", -1)], mine) == 3


@pytest.mark.parametrize("waiting, takes", [([], True), ([hold("a")], False)])
def test_a_new_hold_looks_on_the_shelves_only_when_nobody_waits(waiting, takes):
    assert h.takes_a_copy_when_placed(waiting) is takes


@pytest.mark.parametrize("branches, pickup, chosen", [
    (["B", "A", "C"], "A", 1),    # one at the pickup branch: ready at once
    (["B", "C"], "A", 0),         # none there: the first travels
    ([], "A", None),
])
def test_a_hold_takes_a_copy_at_its_pickup_branch_first(branches, pickup, chosen):
    copies = [{"_id": f"c{n}", "branch_id": b} for n, b in enumerate(branches)]
    copy = h.copy_for(copies, pickup)
    assert (copies.index(copy) if copy else None) == chosen


def test_a_copy_at_the_pickup_branch_is_ready_elsewhere_it_travels():
    assert h.copy_state_for_hold("A", "A") == ("hold_ready", "ready")
    assert h.copy_state_for_hold("B", "A") == ("in_transit", "in_transit")


def test_an_assigned_copy_and_its_hold_point_at_each_other():
    hold_fields, copy_fields = h.assigned({"_id": "c1", "code": "LIB-1"}, hold("h1"))
    assert hold_fields == {"status": "in_transit", "copy_id": "c1", "copy_code": "LIB-1"}
    assert copy_fields == {"status": "in_transit", "hold_id": "h1", "held_for": "r-h1"}


def test_a_ready_hold_waits_three_days():
    hold_fields, copy_fields = h.made_ready(hold("h1", status="in_transit"), T)
    expires = dt.datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert hold_fields == {"status": "ready", "ready_at": T, "expires_at": expires,
                           "ready_expires_at": expires}
    assert copy_fields == {"status": "hold_ready", "hold_id": "h1", "held_for": "r-h1"}
    assert h.hold_expires_at(T) == expires


@pytest.mark.parametrize("status, expires, as_of, expired", [
    ("ready", T, T - dt.timedelta(minutes=1), False),
    ("ready", T, T, True),
    ("ready", T.replace(tzinfo=None), T + dt.timedelta(days=1), True),   # as Mongo answers
    ("collected", T, T + dt.timedelta(days=1), False),                  # ended meanwhile
    ("cancelled", None, T + dt.timedelta(days=1), False),
])
def test_a_ready_hold_expires_at_its_expiry(status, expires, as_of, expired):
    assert h.has_expired(hold("h1", status=status, ready_expires_at=expires), as_of) is expired


@pytest.mark.parametrize("copy_status, hold_status, pickup, arrival", [
    ("in_transit", "in_transit", "A", "ready"),      # arrived where its reader collects it
    ("in_transit", "in_transit", "B", None),         # passing through to B
    ("in_transit", "cancelled", "A", "release"),     # its reader gave up: next in line
    ("in_transit", None, "A", "release"),            # no such hold
    ("available", None, "A", None),                  # a copy simply moved between branches
])
def test_what_a_copy_arriving_at_branch_a_does(copy_status, hold_status, pickup, arrival):
    travelling_for = hold("h1", status=hold_status, pickup_branch_id=pickup) if hold_status else None
    assert h.on_arrival({"status": copy_status}, travelling_for, "A") == arrival


def test_an_ended_hold_records_when():
    assert h.ended("cancelled", T) == {"status": "cancelled", "cancelled_at": T}
    assert h.ended("expired", T) == {"status": "expired", "expired_at": T}


@pytest.mark.parametrize("copy_id, copy, lets_go", [
    ("c1", {"_id": "c1", "hold_id": "h1"}, True),
    ("c1", {"_id": "c1", "hold_id": "h2"}, False),   # already another reader's
    ("c1", {"_id": "c1"}, False),                    # already lent or free
    ("c1", None, False),
    (None, None, False),                             # it never had a copy
])
def test_an_ended_hold_lets_go_only_of_the_copy_set_aside_for_it(copy_id, copy, lets_go):
    assert h.lets_go_of(hold("h1", copy_id=copy_id), copy) is lets_go
