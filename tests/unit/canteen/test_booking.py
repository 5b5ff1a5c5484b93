"""Booking rules: meal times in the community's zone, cutoffs, codes, kitchen counts."""
import datetime as dt

import pytest

from services.canteen import booking as rules

DAY = dt.date(2026, 12, 1)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("meal, local_start", [
    ("breakfast", dt.datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI)),
    ("lunch", dt.datetime(2026, 12, 1, 11, 30, tzinfo=SHANGHAI)),
    ("dinner", dt.datetime(2026, 12, 1, 17, 30, tzinfo=SHANGHAI)),
])
def test_meals_start_at_their_hour_in_the_community_time_zone(meal, local_start):
    assert rules.meal_start(DAY, meal) == local_start
    assert rules.reminder_due_at(DAY, meal) == local_start - dt.timedelta(minutes=60)
    assert rules.serving_ends_at(DAY, meal) == local_start + dt.timedelta(hours=2)


@pytest.mark.parametrize("cutoff, acceptable", [
    (dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI), True),
    (dt.datetime(2026, 12, 1, 11, 30, tzinfo=SHANGHAI), True),
    (dt.datetime(2026, 12, 1, 11, 31, tzinfo=SHANGHAI), False),
    (dt.datetime(2026, 11, 30, 20, 0, tzinfo=SHANGHAI), True),
])
def test_a_cutoff_is_never_after_the_meal_starts(cutoff, acceptable):
    assert (rules.cutoff_problem(cutoff, DAY, "lunch") is None) is acceptable


def test_booking_is_open_strictly_before_the_cutoff():
    cutoff = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)
    assert rules.booking_open(cutoff, cutoff - dt.timedelta(seconds=1))
    assert not rules.booking_open(cutoff, cutoff)


def test_pickup_codes_are_six_unambiguous_characters():
    codes = {rules.new_pickup_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert len(code) == 6 and set(code) <= set(rules.PICKUP_ALPHABET)
        assert not set(code) & set("0O1IL")


def test_kitchen_counts_every_booking_not_cancelled():
    bookings = [
        {"meal": "lunch", "status": "booked", "portions": 2},
        {"meal": "lunch", "status": "served", "portions": 1},
        {"meal": "lunch", "status": "no_show", "portions": 3},
        {"meal": "lunch", "status": "cancelled", "portions": 4},
        {"meal": "dinner", "status": "booked", "portions": 1},
    ]
    counts = rules.kitchen_counts(bookings)
    assert counts["lunch"] == {"meal": "lunch", "bookings": 3, "portions": 6, "served": 1,
                               "cancelled": 1, "no_shows": 1}
    assert counts["dinner"]["portions"] == 1
    assert counts["breakfast"]["bookings"] == 0


def test_portions_by_tag_counts_what_the_counter_handed_out():
    lines = [{"tags": ["meat"], "quantity": 2}, {"tags": ["vegetable", "low_salt"], "grams": 200},
             {"tags": [], "quantity": 1}]
    assert rules.portions_by_tag(lines) == {"low_salt": 1, "meat": 2, "vegetable": 1}
