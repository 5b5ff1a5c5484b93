"""Account rules in the community's words."""
import datetime as dt

import pytest

from services.residents import accounts
from services.residents.accounts import (check_changes_allowed, normalise_phone,
                                         weak_password_reasons)
from services.residents.schemas import Credentials, Register, ResidentChanges
from shared.auth import Actor
from shared.clock import age_on
from shared.config import REGISTRATIONS_PER_HOUR, load_settings
from shared.errors import Forbidden, Invalid
from shared.schemas import load


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


@pytest.mark.parametrize("typed", [
    "13800000000", "+8613800000000", "+86 138-0000-0000", "0086 138 0000 0000",
    "138-0000-0000", "+86-13800000000",
])
def test_one_phone_has_one_normal_form(typed):
    assert normalise_phone(typed) == "13800000000"


@pytest.mark.parametrize("typed", [
    "13800000000\n", " 13800000000", "13800000000 ", "\t13800000000", "+86", "1380000000a",
    "１３８００００００００", "138.0000.0000", "1234",
])
def test_phones_with_a_line_break_or_other_characters_are_refused(typed):
    with pytest.raises(ValueError):
        normalise_phone(typed)


def test_a_foreign_number_keeps_its_plus():
    assert normalise_phone("+44 20-7946-0958") == "+442079460958"


def test_schemas_load_phones_normalised_and_name_the_field():
    assert load(Credentials(), {"phone": "+86 138-0000-0000", "password": "x"})["phone"] == \
        "13800000000"
    with pytest.raises(Invalid) as refused:
        load(Register(), {"phone": "13800000000\n", "password": "good-pass-1", "name": "王",
                          "birth_date": "1950-01-01", "community_id": "c"})
    assert "phone" in refused.value.details


def test_a_growing_delay_per_address_never_a_lockout():
    free = accounts.ADDRESS_FREE_FAILURES
    assert accounts.address_delay(0) == accounts.address_delay(free) == 0
    delays = [accounts.address_delay(free + n) for n in range(1, 12)]
    assert delays[0] == accounts.ADDRESS_FIRST_DELAY_SECONDS
    assert delays == sorted(delays) and delays[1] == 2 * delays[0]
    assert max(delays) == accounts.ADDRESS_MAX_DELAY_SECONDS
    assert accounts.address_delay(10_000) == accounts.ADDRESS_MAX_DELAY_SECONDS


def test_guesses_are_counted_per_phone_and_per_address_and_phone():
    assert accounts.sign_in_counters("13800000000", "10.0.0.1") == [
        ("phone|13800000000", accounts.PHONE_ATTEMPTS),
        ("client-phone|10.0.0.1|13800000000", accounts.CLIENT_PHONE_ATTEMPTS)]
    # one address alone cannot use up the phone's allowance and lock its owner out
    assert accounts.CLIENT_PHONE_ATTEMPTS < accounts.PHONE_ATTEMPTS
    assert accounts.sign_in_counters("13800000000", None) == [
        ("phone|13800000000", accounts.PHONE_ATTEMPTS)]


def test_registration_limit_is_a_setting():
    assert load_settings({"LINLI_ENV": "production"}).register_limit_per_hour \
        == REGISTRATIONS_PER_HOUR == 200
    assert load_settings({"LINLI_ENV": "test"}).register_limit_per_hour == 0
    assert load_settings({"LINLI_ENV": "test",
                          "LINLI_REGISTER_LIMIT_PER_HOUR": "5"}).register_limit_per_hour == 5


STAFF_A = Actor(id="staff-a", role="staff", community_id="A")
ADMIN = Actor(id="admin", role="admin")
RESIDENT_OF_A = {"_id": "r1", "role": "resident", "community_id": "A"}
OTHER_STAFF_OF_A = {"_id": "staff-b", "role": "staff", "community_id": "A"}


@pytest.mark.parametrize("actor, account, changes, allowed", [
    (STAFF_A, RESIDENT_OF_A, {"groups": ["sanitation_worker"]}, True),
    (STAFF_A, RESIDENT_OF_A, {"birth_date": "1950-01-01"}, True),
    (ADMIN, RESIDENT_OF_A, {"birth_date": "1950-01-01"}, True),
    (STAFF_A, {"_id": "staff-a", "role": "staff", "community_id": "A"},
     {"groups": ["sanitation_worker"]}, False),
    (STAFF_A, {"_id": "staff-a", "role": "staff", "community_id": "A"},
     {"birth_date": "1950-01-01"}, False),
    (STAFF_A, {"_id": "staff-a", "role": "staff", "community_id": "A"}, {"name": "李"}, True),
    (STAFF_A, OTHER_STAFF_OF_A, {"groups": ["delivery_rider"]}, False),
    (ADMIN, OTHER_STAFF_OF_A, {"groups": ["delivery_rider"]}, True),
    (ADMIN, {"_id": "admin", "role": "admin", "community_id": None}, {"groups": ["x"]}, False),
    (Actor(id="staff-z", role="staff", community_id="Z"), RESIDENT_OF_A,
     {"birth_date": "1950-01-01"}, False),
    (Actor(id="r1", role="resident", community_id="A"), RESIDENT_OF_A,
     {"birth_date": "1950-01-01"}, False),
])
def test_who_may_change_groups_and_birth_dates(actor, account, changes, allowed):
    if allowed:
        check_changes_allowed(actor, account, changes)
    else:
        with pytest.raises(Forbidden):
            check_changes_allowed(actor, account, changes)


def test_a_birth_date_correction_records_who_when_old_and_new():
    at = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)
    assert accounts.birth_date_correction(STAFF_A, "1990-05-01", "1950-05-01", at) == {
        "by": "staff-a", "by_role": "staff", "at": at, "old": "1990-05-01", "new": "1950-05-01"}


def test_a_birth_date_in_the_future_is_refused():
    with pytest.raises(Invalid) as refused:
        load(ResidentChanges(), {"birth_date": "2999-01-01"})
    assert "birth_date" in refused.value.details
