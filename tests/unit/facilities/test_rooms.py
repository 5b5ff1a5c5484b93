"""Room booking rules as tables: the grid, opening hours (and around the clock),
overlap, the check-in window, no-shows, who sees what. Community time: Asia/Shanghai."""
import datetime as dt

import pytest

from services.facilities import rooms as rules

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 1, 9, 7, tzinfo=CST)


def at(day, hh, mm=0, ss=0):
    return dt.datetime(2026, 12, day, hh, mm, ss, tzinfo=CST)


@pytest.mark.parametrize("instant, on", [
    (at(1, 10, 0), True), (at(1, 10, 30), True), (at(1, 10, 15), False),
    (at(1, 10, 0, 1), False), (at(1, 0, 0), True), (at(1, 23, 30), True),
])
def test_bookings_start_and_end_on_the_half_hour(instant, on):
    assert rules.on_grid(instant) is on


@pytest.mark.parametrize("instant, floor", [
    (at(1, 10, 29, 59), at(1, 10, 0)), (at(1, 10, 30), at(1, 10, 30)),
    (at(1, 0, 5), at(1, 0, 0)), (at(1, 23, 59), at(1, 23, 30)),
])
def test_a_walk_in_starts_at_the_grid_point_before_now(instant, floor):
    assert rules.round_down(instant) == floor


@pytest.mark.parametrize("start, end, count", [
    (at(1, 10), at(1, 10, 30), 1), (at(1, 10), at(1, 12), 4), (at(1, 23), at(2, 1), 4),
    (at(1, 10), at(1, 10), 0),
])
def test_a_booking_claims_one_cell_per_half_hour(start, end, count):
    cells = rules.cells(start, end)
    assert len(cells) == count
    assert len({rules.cell_key("room", c) for c in cells}) == count


def test_overlapping_bookings_share_a_cell_and_touching_ones_do_not():
    first = {rules.cell_key("r", c) for c in rules.cells(at(1, 10), at(1, 11))}
    overlapping = {rules.cell_key("r", c) for c in rules.cells(at(1, 10, 30), at(1, 11, 30))}
    touching = {rules.cell_key("r", c) for c in rules.cells(at(1, 11), at(1, 12))}
    other_room = {rules.cell_key("s", c) for c in rules.cells(at(1, 10), at(1, 11))}
    assert first & overlapping and not first & touching and not first & other_room


@pytest.mark.parametrize("a, b, overlap", [
    ((10, 11), (10, 11), True), ((10, 11), (11, 12), False), ((10, 12), (10.5, 11), True),
    ((9, 10), (11, 12), False), ((11, 12), (10, 11.5), True),
])
def test_half_open_periods_overlap_only_when_they_share_time(a, b, overlap):
    def t(h):
        return at(1, int(h), int(h % 1 * 60))
    assert rules.overlaps(t(a[0]), t(a[1]), t(b[0]), t(b[1])) is overlap


OPEN_8_TO_21 = {"start": "08:00", "end": "21:00"}
OPEN_LATE = {"start": "18:00", "end": "02:00"}


@pytest.mark.parametrize("opening, start, end, inside", [
    (OPEN_8_TO_21, at(1, 8), at(1, 10), True),
    (OPEN_8_TO_21, at(1, 19), at(1, 21), True),
    (OPEN_8_TO_21, at(1, 7, 30), at(1, 8, 30), False),
    (OPEN_8_TO_21, at(1, 20, 30), at(1, 21, 30), False),
    (OPEN_8_TO_21, at(1, 23), at(2, 1), False),
    (None, at(1, 23), at(2, 1), True),          # around the clock: across midnight
    (None, at(1, 3), at(1, 4), True),
    (OPEN_LATE, at(1, 23), at(2, 1), True),      # hours that run past midnight
    (OPEN_LATE, at(2, 1), at(2, 2), True),
    (OPEN_LATE, at(2, 1, 30), at(2, 2, 30), False),
    (OPEN_LATE, at(1, 12), at(1, 13), False),
])
def test_a_booking_lies_inside_one_opening_window(opening, start, end, inside):
    assert rules.within_opening(start, end, opening) is inside


@pytest.mark.parametrize("start, end, max_minutes, fields", [
    (at(1, 10), at(1, 12), 120, set()),
    (at(1, 10), at(1, 12, 30), 120, {"end"}),           # longer than max_minutes
    (at(1, 10, 15), at(1, 11), 120, {"start"}),         # off the grid
    (at(1, 10), at(1, 10, 45), 120, {"end"}),
    (at(1, 11), at(1, 10), 120, {"end"}),               # end before start
    (at(1, 11), at(1, 11), 120, {"end"}),
    (at(1, 9), at(1, 10), 120, {"start"}),              # in the past (now is 09:07)
    (at(1, 20), at(1, 22), 120, {"start"}),             # outside the opening hours
])
def test_booking_requests_that_are_refused_name_the_field(start, end, max_minutes, fields):
    problems = rules.booking_problems(start, end, NOW, OPEN_8_TO_21, max_minutes)
    assert set(problems) == fields


@pytest.mark.parametrize("opening, problem", [
    (None, False), ({"start": "08:00", "end": "21:00"}, False),
    ({"start": "22:00", "end": "06:00"}, False), ({"start": "08:00", "end": "08:00"}, True),
    ({"start": "08:15", "end": "21:00"}, True),
])
def test_opening_hours_are_on_the_grid_and_not_empty(opening, problem):
    assert (rules.opening_problem(opening) is not None) is problem


@pytest.mark.parametrize("now, minutes, fields", [
    (at(1, 9, 7), 60, set()), (at(1, 9, 7), 45, {"minutes"}), (at(1, 9, 7), 150, {"minutes"}),
    (at(1, 20, 40), 60, {"minutes"}), (at(1, 20, 40), 30, set()),
])
def test_a_walk_in_fits_the_grid_the_limit_and_the_opening_hours(now, minutes, fields):
    assert set(rules.walk_in_problems(now, minutes, OPEN_8_TO_21, 120)) == fields


@pytest.mark.parametrize("now, allowed", [
    (at(1, 9, 49, 59), False), (at(1, 9, 50), True), (at(1, 10), True),
    (at(1, 10, 15), True), (at(1, 10, 15, 1), False),
])
def test_check_in_runs_from_ten_minutes_before_to_fifteen_after(now, allowed):
    assert rules.may_check_in(at(1, 10), now) is allowed


def test_a_booking_not_checked_in_is_released_fifteen_minutes_after_its_start():
    assert rules.no_show_at(at(1, 10)) == at(1, 10, 15)


@pytest.mark.parametrize("now, allowed", [
    (at(1, 9, 59, 59), True), (at(1, 10), False), (at(1, 10, 1), False)])
def test_cancel_only_before_the_start(now, allowed):
    assert rules.may_cancel(at(1, 10), now) is allowed


@pytest.mark.parametrize("viewer, manages, private, view", [
    ("booker", False, True, "full"), ("staff", True, True, "full"),
    ("neighbour", False, False, "times"), ("neighbour", False, True, "taken"),
])
def test_private_rooms_show_other_residents_only_that_a_slot_is_taken(viewer, manages,
                                                                     private, view):
    booking, room = {"resident_id": "booker"}, {"private": private}
    assert rules.view_of(viewer, manages, booking, room) == view


@pytest.mark.parametrize("start, end, days", [
    (at(1, 10), at(1, 12), ["2026-12-01"]), (at(1, 23), at(2, 1), ["2026-12-01", "2026-12-02"]),
    (at(1, 23), at(2, 0), ["2026-12-01"]),
])
def test_a_booking_across_midnight_shows_on_both_days(start, end, days):
    assert rules.local_days(start, end) == days


def test_door_codes_are_eight_unambiguous_characters():
    codes = {rules.new_door_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 8 and not set(c) & set("01ILO") for c in codes)
