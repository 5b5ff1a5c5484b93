"""Push rules: quiet hours in the community's time zone, backoff, signatures, URLs."""
import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo

import pytest

from services.notifications import delivery

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(local: str) -> dt.datetime:
    return dt.datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).astimezone(dt.timezone.utc)


@pytest.mark.parametrize("now, window, expected", [
    ("2026-11-23 12:00", None, "2026-11-23 12:00"),
    ("2026-11-23 12:00", {"start": "22:00", "end": "07:00"}, "2026-11-23 12:00"),
    ("2026-11-23 23:30", {"start": "22:00", "end": "07:00"}, "2026-11-24 07:00"),
    ("2026-11-24 06:59", {"start": "22:00", "end": "07:00"}, "2026-11-24 07:00"),
    ("2026-11-24 07:00", {"start": "22:00", "end": "07:00"}, "2026-11-24 07:00"),
    ("2026-11-23 13:15", {"start": "12:00", "end": "14:00"}, "2026-11-23 14:00"),
    ("2026-11-23 14:00", {"start": "12:00", "end": "14:00"}, "2026-11-23 14:00"),
    ("2026-11-23 13:15", {"start": "12:00", "end": "12:00"}, "2026-11-23 13:15"),
])
def test_pushes_wait_for_the_end_of_quiet_hours(now, window, expected):
    assert delivery.push_not_before(at(now), window, SHANGHAI) == at(expected)


def test_muting_stops_the_push_only_for_that_category():
    prefs = {"webhook_url": "https://example.org/hook", "muted_categories": ["library.loan_due_soon"]}
    assert not delivery.should_push("library.loan_due_soon", prefs)
    assert delivery.should_push("library.hold_ready", prefs)
    assert not delivery.should_push("library.hold_ready", {"webhook_url": None})


def test_the_third_attempt_comes_within_a_minute_and_attempts_are_bounded():
    first_two = delivery.next_attempt_delay(1) + delivery.next_attempt_delay(2)
    assert first_two < dt.timedelta(seconds=60)
    assert delivery.next_attempt_delay(delivery.MAX_ATTEMPTS) is None


def test_the_signature_is_an_hmac_of_the_body():
    body = b'{"id": "m1"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert delivery.signature("s3cret", body) == f"sha256={expected}"


@pytest.mark.parametrize("url, production, refused", [
    ("ftp://example.org/x", False, True),
    ("javascript:alert(1)", False, True),
    ("http://127.0.0.1:9000/hook", False, False),
    ("http://127.0.0.1:9000/hook", True, True),
    ("http://10.1.2.3/hook", True, True),
    ("http://[::1]/hook", True, True),
])
def test_webhook_urls(url, production, refused):
    assert bool(delivery.url_problem(url, production)) is refused
