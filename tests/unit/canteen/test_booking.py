"""Booking rules: meal times in the community's zone, cutoffs, codes, kitchen counts."""
import datetime as dt

import pytest

from services.canteen import booking as rules
from shared.errors import Conflict, Invalid

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


SITE = {"_id": "s1", "name": "初心食堂", "community_id": "c1"}
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)


def test_a_new_booking_is_reminded_an_hour_before_and_ends_with_the_serving_window():
    doc = rules.new_booking(SITE, "m1", "r1", DAY, "lunch", 2, "elder", NOW)
    assert doc["meal_starts_at"] == rules.meal_start(DAY, "lunch")
    assert doc["remind_at"] == rules.reminder_due_at(DAY, "lunch")
    assert doc["ends_at"] == rules.serving_ends_at(DAY, "lunch")
    assert (doc["status"], doc["active"], doc["reminded"]) == ("booked", True, False)
    assert (doc["date"], doc["portions"], doc["price_rule"]) == ("2026-12-01", 2, "elder")
    drawn = rules.with_pickup_code(doc)
    assert drawn["_id"] and len(drawn["pickup_code"]) == rules.PICKUP_CODE_LENGTH
    assert rules.booking_created_event(drawn)["pickup_code"] == drawn["pickup_code"]


@pytest.mark.parametrize("cutoff_in, already_booked, status, code", [
    (dt.timedelta(hours=-1), False, 422, "booking_closed"),
    (dt.timedelta(hours=-1), True, 422, "booking_closed"),
    (dt.timedelta(hours=1), True, 409, "already_booked"),
    (dt.timedelta(hours=1), False, 409, "slot_full"),
])
def test_a_refused_booking_says_why_closed_first_then_already_booked_then_full(
        cutoff_in, already_booked, status, code):
    menu = {"booking_cutoff": NOW + cutoff_in, "remaining": 1}
    refusal = rules.refusal(menu, NOW, already_booked)
    assert (refusal.status, refusal.code) == (status, code)


def test_capacity_is_never_published_below_what_is_booked():
    assert rules.capacity_refusal(booked=5, capacity=5) is None
    refused = rules.capacity_refusal(booked=6, capacity=5)
    assert isinstance(refused, Conflict) and refused.code == "capacity_below_booked"


def test_a_published_menu_keeps_only_the_prices_a_dish_has_and_refuses_a_late_cutoff():
    data = {"capacity": 40, "booking_cutoff": dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.timezone.utc),
            "dishes": [{"name": "红烧肉", "tags": ["meat"], "price_fen": 800,
                        "price_per_100g_fen": None}]}
    changes = rules.menu_changes(data, DAY, "lunch")
    assert changes["dishes"] == [{"name": "红烧肉", "tags": ["meat"], "price_fen": 800}]
    menu = rules.new_menu(SITE, DAY, "lunch", changes, NOW)
    assert (menu["booked"], menu["remaining"], menu["date"]) == (0, 40, "2026-12-01")
    with pytest.raises(Invalid):
        rules.menu_changes({**data, "booking_cutoff": rules.meal_start(DAY, "lunch")
                            + dt.timedelta(minutes=1)}, DAY, "lunch")


@pytest.mark.parametrize("status, code", [("served", "already_served"),
                                          ("cancelled", "illegal_transition"),
                                          ("no_show", "illegal_transition")])
def test_the_counter_serves_only_a_booked_booking(status, code):
    rules.check_servable({"status": "booked"})
    with pytest.raises(Conflict) as refused:
        rules.check_servable({"status": status})
    assert refused.value.code == code


def test_a_walk_in_is_a_bill_without_a_booking():
    priced = {"lines": [], "list_total_fen": 1200, "total_fen": 990, "price_rule": "caring_lunch"}
    bill = rules.new_checkout(SITE, DAY, "lunch", "r1", None, 1, priced, NOW)
    assert (bill["walk_in"], bill["booking_id"], bill["total_fen"]) == (True, None, 990)
    assert rules.meal_served_event(bill, "初心食堂")["price_rule"] == "caring_lunch"


def test_the_kitchen_day_has_every_meal_with_its_capacity_and_walk_ins():
    meals = rules.kitchen_day(
        [{"meal": "lunch", "status": "booked", "portions": 2}],
        [{"meal": "lunch", "capacity": 40}],
        [{"meal": "lunch", "booking_id": None, "lines": [{"tags": ["meat"], "quantity": 2}]}])
    assert [m["meal"] for m in meals] == list(rules.MEALS)
    lunch = meals[1]
    assert (lunch["published"], lunch["capacity"], lunch["walk_ins"]) == (True, 40, 1)
    assert lunch["served_by_tag"] == {"meat": 2}
    assert (meals[0]["published"], meals[0]["capacity"]) == (False, None)
