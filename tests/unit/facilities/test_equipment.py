"""Equipment rules as tables: the allowed window a loan starts in and is due at the
end of, returns, and which loan a complaint at an instant is about."""
import datetime as dt

import pytest

from services.facilities import equipment as rules

CST = dt.timezone(dt.timedelta(hours=8))


def at(day, hh, mm=0):
    return dt.datetime(2026, 12, day, hh, mm, tzinfo=CST)


EVENINGS = {"start": "18:00", "end": "21:00"}
LATE = {"start": "20:00", "end": "01:00"}


@pytest.mark.parametrize("allowed, now, due", [
    (EVENINGS, at(1, 18), at(1, 21)),
    (EVENINGS, at(1, 20, 59), at(1, 21)),
    (EVENINGS, at(1, 21), None),            # the window has closed
    (EVENINGS, at(1, 17, 59), None),        # not open yet
    (EVENINGS, at(1, 9), None),
    (LATE, at(1, 23), at(2, 1)),            # a window that runs past midnight
    (LATE, at(2, 0, 30), at(2, 1)),         # ... still yesterday's window
    (LATE, at(2, 1, 30), None),
])
def test_a_loan_starts_inside_the_allowed_window_and_is_due_at_its_end(allowed, now, due):
    assert rules.due_at(allowed, now) == due


@pytest.mark.parametrize("as_of, overdue", [
    (at(1, 20, 59), False), (at(1, 21), True), (at(2, 8), True)])
def test_a_loan_is_overdue_from_its_due_instant(as_of, overdue):
    assert rules.is_overdue(at(1, 21), as_of) is overdue


@pytest.mark.parametrize("condition, status", [("ok", "available"), ("damaged", "maintenance")])
def test_a_damaged_item_goes_to_maintenance(condition, status):
    assert rules.item_after_return(condition) == status


LOANS = [
    {"_id": "third", "started_at": at(3, 18), "returned_at": None},
    {"_id": "second", "started_at": at(2, 18), "returned_at": at(2, 20)},
    {"_id": "first", "started_at": at(1, 18), "returned_at": at(1, 21)},
]


@pytest.mark.parametrize("complained_at, loan", [
    (at(1, 19), "first"), (at(1, 21), None), (at(2, 19, 59), "second"), (at(2, 20), None),
    (at(3, 18), "third"), (at(4, 9), "third"), (at(1, 17), None),
])
def test_a_complaint_is_linked_to_the_loan_out_at_that_instant(complained_at, loan):
    found = rules.loan_at(LOANS, complained_at)
    assert (found["_id"] if found else None) == loan
