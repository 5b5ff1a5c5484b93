"""Account rules in the community's words."""
import datetime as dt

import pytest

from services.residents.accounts import age_on, check_not_locked_out, weak_password_reasons
from shared.errors import TooManyRequests


@pytest.mark.parametrize("password, phone, weak", [
    ("short", "13800000000", True),
    ("12345678901", "13800000000", True),
    ("13800000000", "13800000000", True),
    ("good-pass-1", "13800000000", False),
    ("长城长城长城长城", "13800000000", False),
])
def test_weak_passwords(password, phone, weak):
    assert bool(weak_password_reasons(password, phone)) is weak


@pytest.mark.parametrize("born, day, age", [
    ("1966-05-10", "2026-05-09", 59),
    ("1966-05-10", "2026-05-10", 60),
    ("1964-02-29", "2024-02-28", 59),
    ("1964-02-29", "2024-02-29", 60),
])
def test_age_on_a_day(born, day, age):
    assert age_on(dt.date.fromisoformat(born), dt.date.fromisoformat(day)) == age


def test_the_tenth_failure_locks_the_phone():
    check_not_locked_out(9)
    with pytest.raises(TooManyRequests):
        check_not_locked_out(10)


def test_one_address_guessing_across_many_phones_is_throttled():
    check_not_locked_out(0, 49)
    with pytest.raises(TooManyRequests):
        check_not_locked_out(0, 50)
