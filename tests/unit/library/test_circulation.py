"""Who may borrow, due dates, renewals, returns, overdue notices, transfers and a title's
shelves, in plain values (the hold queue: test_holds.py)."""
import datetime as dt

import pytest

from services.library import circulation as c

D = dt.date


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


def test_only_a_copy_in_transit_or_its_own_communitys_staff_move_a_copy():
    assert c.may_receive("in_transit", manages_copy_community=False)
    assert c.may_receive("available", manages_copy_community=True)
    assert not c.may_receive("available", manages_copy_community=False)
    assert not c.may_receive("on_loan", manages_copy_community=True)


@pytest.mark.parametrize("status, held_for, code", [
    ("available", None, None),
    ("hold_ready", "me", None),                  # my hold: I collect it by borrowing
    ("hold_ready", "other", "copy_held"),
    ("on_loan", None, "copy_unavailable"),
    ("in_transit", "me", "copy_unavailable"),    # travelling to my pickup branch: not yet
])
def test_a_copy_is_lent_from_the_shelf_or_the_pickup_shelf_of_its_reader(status, held_for, code):
    refusal = c.checkout_refusal({"status": status, "held_for": held_for}, "me")
    assert (refusal[0] if refusal else None) == code


def test_a_refused_checkout_says_what_the_copy_is():
    assert c.checkout_refusal({"status": "in_transit"}, "me") == (
        "copy_unavailable", "this copy is in transit", {"status": "in_transit"})


@pytest.mark.parametrize("branch, days", [
    ({"loan_period_days": 14}, 14),
    ({"loan_period_days": None}, 30),
    ({}, 30),
])
def test_a_loan_lasts_its_branchs_period_or_thirty_days(branch, days):
    assert c.loan_period(branch) == days


@pytest.mark.parametrize("borrower, staff_here, staff_there, allowed", [
    (True, False, False, True),
    (False, True, False, True),    # staff where it comes back
    (False, False, True, True),    # staff where it was lent
    (False, False, False, False),
])
def test_the_borrower_or_staff_return_a_copy(borrower, staff_here, staff_there, allowed):
    assert c.may_return(borrower, staff_here, staff_there) is allowed


@pytest.mark.parametrize("status, counters", [
    ("active", {"active_loans": -1}),
    ("overdue", {"active_loans": -1, "overdue": -1}),   # returning it unblocks the reader
])
def test_a_return_counts_down_the_readers_loans(status, counters):
    assert c.counters_on_return(status) == counters


@pytest.mark.parametrize("last, today, due", [
    (None, D(2026, 4, 1), True),
    (D(2026, 4, 1), D(2026, 4, 1), False),   # one notice a day
    (D(2026, 4, 1), D(2026, 4, 2), True),
])
def test_an_overdue_loan_gets_one_notice_a_day(last, today, due):
    assert c.overdue_notice_due(last, today) is due


@pytest.mark.parametrize("status, due, today, send", [
    ("active", D(2026, 3, 31), D(2026, 3, 29), True),
    ("active", D(2026, 3, 31), D(2026, 3, 31), True),    # the due date itself
    ("active", D(2026, 3, 31), D(2026, 4, 1), False),    # past due: the overdue notice says it
    ("returned", D(2026, 3, 31), D(2026, 3, 29), False),
    ("overdue", D(2026, 3, 31), D(2026, 3, 29), False),
])
def test_the_due_soon_reminder_goes_only_to_an_open_loan_not_yet_due(status, due, today, send):
    assert c.due_soon_reminder_due(status, due, today) is send


BRANCHES = {"lib": {"name": "图书馆", "kind": "library", "community_id": "c1"},
            "house": {"name": "书屋", "kind": "book_house", "community_id": "c1"},
            "far": {"name": "东区", "kind": "library", "community_id": "c2"}}
COPIES = [{"title_id": "t", "branch_id": "lib", "status": "available"},
          {"title_id": "t", "branch_id": "lib", "status": "available"},
          {"title_id": "t", "branch_id": "house", "status": "available"},
          {"title_id": "t", "branch_id": "house", "status": "on_loan"},
          {"title_id": "t", "branch_id": "far", "status": "available"},
          {"title_id": "t", "branch_id": "gone", "status": "available"},   # branch unknown
          {"title_id": "other", "branch_id": "lib", "status": "available"}]


@pytest.mark.parametrize("community, available, total", [
    (None, [("far", 1), ("house", 1), ("lib", 2)], 6),
    ("c1", [("house", 1), ("lib", 2)], 6),
    ("c3", [], 6),
])
def test_a_title_shows_its_available_copies_per_branch_by_name(community, available, total):
    rows, copies_total = c.availability("t", COPIES, BRANCHES, community)
    assert [(r["branch_id"], r["count"]) for r in rows] == available
    assert copies_total == total
    assert all(r["branch_name"] == BRANCHES[r["branch_id"]]["name"]
               and r["kind"] == BRANCHES[r["branch_id"]]["kind"] for r in rows)
