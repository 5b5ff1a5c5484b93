"""Due dates, renewals, the borrowing limit and hold queue rules, in plain values."""
import datetime as dt

import pytest

from services.library import circulation as c

D = dt.date
UTC = dt.timezone.utc


@pytest.mark.parametrize("borrowed, period, due", [
    (D(2026, 3, 1), 30, D(2026, 3, 31)),
    (D(2026, 12, 15), 30, D(2027, 1, 14)),
    (D(2028, 2, 1), 28, D(2028, 2, 29)),   # leap year
    (D(2026, 5, 10), 14, D(2026, 5, 24)),   # a branch with a shorter period
])
def test_the_due_date_is_the_loan_period_after_borrowing(borrowed, period, due):
    assert c.due_date(borrowed, period) == due


def test_a_renewal_counts_from_the_current_due_date_not_from_today():
    assert c.renewed_due_date(D(2026, 3, 31), 30) == D(2026, 4, 30)


@pytest.mark.parametrize("due, today, overdue, days", [
    (D(2026, 3, 31), D(2026, 3, 30), False, 0),
    (D(2026, 3, 31), D(2026, 3, 31), False, 0),   # the due date itself is still fine
    (D(2026, 3, 31), D(2026, 4, 1), True, 1),
    (D(2026, 3, 31), D(2026, 4, 10), True, 10),
])
def test_a_loan_is_overdue_from_the_day_after_its_due_date(due, today, overdue, days):
    assert c.is_overdue(due, today) is overdue
    assert c.days_overdue(due, today) == days


def test_the_due_soon_reminder_goes_two_days_ahead():
    assert c.due_soon_on(D(2026, 3, 31)) == D(2026, 3, 29)


@pytest.mark.parametrize("status, renewals, due, waits, code", [
    ("active", 0, D(2026, 4, 1), False, None),
    ("active", 1, D(2026, 4, 1), False, None),
    ("active", 2, D(2026, 4, 1), False, "renewal_limit"),
    ("active", 0, D(2026, 4, 1), True, "hold_waiting"),
    ("overdue", 0, D(2026, 3, 1), False, "loan_overdue"),
    ("active", 0, D(2026, 3, 1), False, "loan_overdue"),   # past due, job not run yet
    ("returned", 0, D(2026, 4, 1), False, "illegal_transition"),
])
def test_renewal_rules(status, renewals, due, waits, code):
    refusal = c.renewal_refusal(status, renewals, due, D(2026, 3, 20), waits)
    assert (refusal[0] if refusal else None) == code


@pytest.mark.parametrize("active, overdue, blocked", [
    (0, 0, False), (4, 0, False), (5, 0, True), (1, 1, True), (0, 1, True)])
def test_five_loans_or_any_overdue_blocks_borrowing(active, overdue, blocked):
    assert (c.patron_blocked_reason(active, overdue) is not None) is blocked


def test_a_copy_at_the_pickup_branch_is_ready_elsewhere_it_travels():
    assert c.copy_state_for_hold("A", "A") == ("hold_ready", "ready")
    assert c.copy_state_for_hold("B", "A") == ("in_transit", "in_transit")


def test_a_ready_hold_waits_three_days():
    ready = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    expires = c.hold_expires_at(ready)
    assert expires == dt.datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert not c.hold_has_expired(expires, expires - dt.timedelta(minutes=1))
    assert c.hold_has_expired(expires, expires)


def test_the_queue_serves_the_earliest_hold_first():
    t = dt.datetime(2026, 3, 1, tzinfo=UTC)
    holds = [{"_id": "c", "created_at": t + dt.timedelta(seconds=2)},
             {"_id": "b", "created_at": t},
             {"_id": "a", "created_at": t + dt.timedelta(seconds=1)}]
    assert c.next_in_line(holds)["_id"] == "b"
    assert c.next_in_line([]) is None
    same = [{"_id": "z", "created_at": t}, {"_id": "y", "created_at": t}]
    assert c.next_in_line(same)["_id"] == "y"


def test_queue_positions_start_at_one():
    assert c.queue_position(0) == 1
    assert c.queue_position(2) == 3


def test_only_a_copy_in_transit_or_its_own_communitys_staff_move_a_copy():
    assert c.may_receive("in_transit", manages_copy_community=False)
    assert c.may_receive("available", manages_copy_community=True)
    assert not c.may_receive("available", manages_copy_community=False)
    assert not c.may_receive("on_loan", manages_copy_community=True)


def test_a_reader_who_may_not_borrow_may_not_hold_and_five_holds_is_the_limit():
    assert c.hold_refusal(active_holds=0, active_loans=0, overdue_loans=1)[0] == "patron_blocked"
    assert c.hold_refusal(active_holds=0, active_loans=5, overdue_loans=0)[0] == "patron_blocked"
    assert c.hold_refusal(active_holds=5, active_loans=0, overdue_loans=0)[0] == "hold_limit"
    assert c.hold_refusal(active_holds=4, active_loans=4, overdue_loans=0) is None
