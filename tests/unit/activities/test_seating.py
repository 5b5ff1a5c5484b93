"""The sign-up rules as tables: ages on the first session's date, which waiting
parties freed seats go to, when an offer expires."""
import datetime as dt

import pytest

from services.activities import seating

UTC = dt.timezone.utc
AT = dt.datetime(2026, 12, 5, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def party(*births):
    return [{"name": f"p{i}", "birth_date": dt.date.fromisoformat(b)} for i, b in enumerate(births)]


@pytest.mark.parametrize("births, min_age, max_age, outside", [
    (("1990-01-01",), None, None, []),
    (("1990-01-01", "2019-12-05"), 7, None, []),          # seven on the day itself
    (("1990-01-01", "2019-12-06"), 7, None, [1]),         # seven the day after
    (("2012-12-05",), None, 13, [0]),                      # fourteen that day: too old
    (("2013-12-06",), None, 12, []),                       # twelve until the next day
    (("1950-03-01", "2018-01-01", "2017-01-01"), 6, 12, [0]),
])
def test_every_member_of_the_party_is_checked_on_the_first_sessions_date(
        births, min_age, max_age, outside):
    problems = seating.ages_outside(party(*births), seating.first_day(AT), min_age, max_age)
    assert sorted(problems) == outside


def test_the_first_day_is_the_local_date_of_the_first_start():
    late_utc = dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 01:00 on 5 December in Shanghai
    assert seating.first_day(late_utc) == dt.date(2026, 12, 5)


def sizes(*parties):
    return [{"id": f"s{i}", "size": n} for i, n in enumerate(parties)]


@pytest.mark.parametrize("waiting, free, offered", [
    (sizes(), 3, []),
    (sizes(2, 1), 0, []),
    (sizes(2, 1), 2, ["s0"]),                   # first in line takes both seats
    (sizes(3, 1, 2), 2, ["s1"]),                # a party too big is passed over, keeps its place
    (sizes(3, 1, 2), 3, ["s0"]),
    (sizes(1, 1, 1, 1), 3, ["s0", "s1", "s2"]),
    (sizes(4, 2, 1, 1), 3, ["s1", "s2"]),
    (sizes(2, 2, 1), 4, ["s0", "s1"]),
])
def test_freed_seats_go_down_the_waitlist_in_order_while_they_fit(waiting, free, offered):
    assert [p["id"] for p in seating.offers_for(waiting, free)] == offered


@pytest.mark.parametrize("now, first_start, expires", [
    (AT - dt.timedelta(days=3), AT, AT - dt.timedelta(days=2)),       # 24 hours
    (AT - dt.timedelta(hours=5), AT, AT),                              # the start is sooner
    (AT - dt.timedelta(hours=24), AT, AT),                             # both at once
])
def test_an_offer_holds_24_hours_or_until_the_first_start(now, first_start, expires):
    assert seating.offer_expires_at(now, first_start) == expires


@pytest.mark.parametrize("expires_at, now, expired", [
    (AT, AT - dt.timedelta(seconds=1), False),
    (AT, AT, True),
    (AT, AT + dt.timedelta(hours=1), True),
])
def test_an_offer_expires_at_its_instant(expires_at, now, expired):
    assert seating.offer_expired(expires_at, now) is expired


@pytest.mark.parametrize("closes_at, now, open_", [
    (AT, AT - dt.timedelta(minutes=1), True),
    (AT, AT, False),
    (AT, AT + dt.timedelta(minutes=1), False),
])
def test_sign_up_closes_at_its_instant(closes_at, now, open_):
    assert seating.signup_open(closes_at, now) is open_


@pytest.mark.parametrize("now, attendance, offers", [
    (AT - dt.timedelta(minutes=1), False, True),
    (AT, True, False),
])
def test_the_first_start_opens_attendance_and_ends_offers(now, attendance, offers):
    assert seating.attendance_open(AT, now) is attendance
    assert seating.offers_still_made(now, AT) is offers


def test_positions_follow_the_waitlist_order_without_gaps():
    assert seating.positions([17, 4, 9]) == {4: 1, 9: 2, 17: 3}


@pytest.mark.parametrize("born, invited", [
    ("1966-12-05", True),     # sixty on the day
    ("1966-12-06", False),    # sixty the day after
    ("1940-12-31", True),
    ("1940-11-30", False),    # another month
    (None, False),
])
def test_a_birthday_gathering_invites_those_sixty_and_over_born_that_month(born, invited):
    members = [{"_id": "r1", "birth_date": born, "role": "resident"},
               {"_id": "s1", "birth_date": born, "role": "staff"}]
    assert seating.birthday_guests(members, 12, dt.date(2026, 12, 5)) == (["r1"] if invited else [])
