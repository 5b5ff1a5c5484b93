"""Directory rules: open now (overnight hours, closed days, the time zone), stale places,
keyword search."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.directory import places

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = [{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "17:30"}]
OVERNIGHT = [{"days": [5, 6], "open": "20:00", "close": "02:00"}]
SUNDAY_NIGHT = [{"days": [7], "open": "22:00", "close": "06:00"}]
ROUND_THE_CLOCK = [{"days": [1, 2, 3, 4, 5, 6, 7], "open": "00:00", "close": "00:00"}]
TO_MIDNIGHT = [{"days": [3], "open": "18:00", "close": "24:00"}]
SPLIT_DAY = [{"days": [1], "open": "08:00", "close": "11:30"},
             {"days": [1], "open": "14:00", "close": "17:00"}]


def local(y, m, d, hh, mm, tz=SHANGHAI):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


# 2026-11-30 is a Monday; 2026-12-04 a Friday, 12-05 a Saturday, 12-06 a Sunday.
@pytest.mark.parametrize("hours, at, expected", [
    (WEEKDAYS, local(2026, 11, 30, 8, 0), True),          # opens at the minute
    (WEEKDAYS, local(2026, 11, 30, 7, 59), False),
    (WEEKDAYS, local(2026, 11, 30, 17, 29), True),
    (WEEKDAYS, local(2026, 11, 30, 17, 30), False),       # closes at the minute
    (WEEKDAYS, local(2026, 12, 5, 10, 0), False),         # Saturday is not listed
    (WEEKDAYS, local(2026, 12, 6, 10, 0), False),         # nor Sunday
    (OVERNIGHT, local(2026, 12, 4, 23, 0), True),         # Friday night
    (OVERNIGHT, local(2026, 12, 5, 1, 59), True),         # past midnight into Saturday
    (OVERNIGHT, local(2026, 12, 5, 2, 0), False),
    (OVERNIGHT, local(2026, 12, 5, 12, 0), False),        # Saturday daytime is closed
    (OVERNIGHT, local(2026, 12, 6, 1, 0), True),          # Saturday night into Sunday
    (OVERNIGHT, local(2026, 12, 4, 1, 0), False),         # Thursday night is not listed
    (OVERNIGHT, local(2026, 12, 7, 1, 0), False),         # nor Sunday night
    (SUNDAY_NIGHT, local(2026, 12, 6, 23, 0), True),
    (SUNDAY_NIGHT, local(2026, 12, 7, 5, 59), True),      # across the week's end
    (SUNDAY_NIGHT, local(2026, 12, 7, 6, 0), False),
    (SUNDAY_NIGHT, local(2026, 11, 30, 12, 0), False),
    (ROUND_THE_CLOCK, local(2026, 12, 2, 3, 33), True),
    (TO_MIDNIGHT, local(2026, 12, 2, 23, 59), True),
    (TO_MIDNIGHT, local(2026, 12, 3, 0, 0), False),
    (SPLIT_DAY, local(2026, 11, 30, 12, 0), False),       # the lunch break
    (SPLIT_DAY, local(2026, 11, 30, 15, 0), True),
    ([], local(2026, 11, 30, 12, 0), False),              # no hours: never open
])
def test_open_at_a_local_time(hours, at, expected):
    assert places.open_at(hours, at) is expected


@pytest.mark.parametrize("instant, tz, expected", [
    # 01:00 UTC on Monday is 09:00 in Shanghai (open) and 20:00 Sunday in New York
    (dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc), SHANGHAI, True),
    (dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc), NEW_YORK, False),
    # 10:00 UTC on Monday is 18:00 in Shanghai (closed) and 05:00 in New York (closed)
    (dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone.utc), SHANGHAI, False),
    # 15:00 UTC on Monday: 23:00 in Shanghai, 10:00 in New York
    (dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.timezone.utc), NEW_YORK, True),
])
def test_open_now_reads_the_community_clock(instant, tz, expected):
    assert places.open_now(WEEKDAYS, instant, tz) is expected


VERIFIED = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("days_later, expected", [
    (0, False), (179, False), (180, True), (400, True),
])
def test_a_place_not_verified_for_180_days_is_stale(days_later, expected):
    assert places.stale(VERIFIED, VERIFIED + dt.timedelta(days=days_later)) is expected
    assert places.stale_from(VERIFIED) == VERIFIED + dt.timedelta(days=180)


@pytest.mark.parametrize("entry, problem", [
    ({"days": [1], "open": "08:00", "close": "17:00"}, None),
    ({"days": [1], "open": "22:00", "close": "02:00"}, None),
    ({"days": [1], "open": "24:00", "close": "02:00"}, "open is a time of day before 24:00"),
    ({"days": [1, 1], "open": "08:00", "close": "17:00"}, "each day once"),
])
def test_hours_entries_are_checked(entry, problem):
    assert places.hours_problem(entry) == problem


PHARMACY = {"name": "益丰大药房 (Yifeng Pharmacy)", "address": "幸福路 12 号",
            "phone": "021-5555 0101", "notes": "夜间售药窗口", "category": "pharmacy"}


@pytest.mark.parametrize("q, expected", [
    (None, True), ("", True), ("药房", True), ("yifeng", True), ("YIFENG pharmacy", True),
    ("幸福路", True), ("5555", True), ("夜间", True), ("clinic", False), ("药房 锁", False),
])
def test_keyword_search_needs_every_word(q, expected):
    assert places.matches(PHARMACY, q) is expected
