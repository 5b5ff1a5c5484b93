"""Push rules: quiet hours in the community's time zone, backoff, signatures, URLs."""
import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo

import pytest

from services.notifications import delivery, messaging

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


def test_the_signature_covers_the_timestamp_and_the_body():
    body = b'{"id": "m1"}'
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert delivery.signature("s3cret", 1767225600, body) == f"sha256={expected}"
    assert delivery.signature("s3cret", 1767225601, body) != f"sha256={expected}"


def test_a_receiver_accepts_a_fresh_signature_and_refuses_an_old_or_forged_one():
    body, sent_at = b'{"id": "m1"}', 1767225600
    signed = delivery.signature("s3cret", sent_at, body)
    assert delivery.signature_is_valid("s3cret", str(sent_at), body, signed, now=sent_at + 60)
    assert not delivery.signature_is_valid("s3cret", str(sent_at), body, signed,
                                           now=sent_at + delivery.SIGNATURE_TOLERANCE_SECONDS + 1)
    assert not delivery.signature_is_valid("s3cret", str(sent_at + 600), body, signed,
                                           now=sent_at + 600)  # replayed with a new time
    assert not delivery.signature_is_valid("s3cret", str(sent_at), body + b" ", signed,
                                           now=sent_at)
    assert not delivery.signature_is_valid("s3cret", "soon", body, signed, now=sent_at)


@pytest.mark.parametrize("url, production, refused", [
    ("ftp://example.org/x", False, True),
    ("javascript:alert(1)", False, True),
    ("http://127.0.0.1:9000/hook", False, False),
    ("http://127.0.0.1:9000/hook", True, True),
    ("http://10.1.2.3/hook", True, True),
    ("http://[::1]/hook", True, True),
    ("http://100.64.0.1/hook", True, True),
    ("http://169.254.169.254/latest/meta-data", True, True),
])
def test_webhook_urls(url, production, refused):
    assert bool(delivery.url_problem(url, production)) is refused


@pytest.mark.parametrize("address, in_production, in_development", [
    ("93.184.216.34", True, True),
    ("2606:2800:220:1:248:1893:25c8:1946", True, True),
    ("127.0.0.1", False, True),
    ("127.8.9.10", False, True),
    ("::1", False, True),
    ("10.0.0.8", False, True),
    ("192.168.1.20", False, True),
    ("fd12:3456::1", False, True),
    ("100.64.0.1", False, False),          # carrier-grade NAT, cloud metadata in some clouds
    ("100.100.100.200", False, False),
    ("169.254.169.254", False, False),     # link-local: cloud metadata
    ("fe80::1%eth0", False, False),
    ("::ffff:127.0.0.1", False, True),     # loopback in IPv6 clothing
    ("::ffff:169.254.169.254", False, False),
    ("0.0.0.0", False, False),
    ("224.0.0.1", False, False),
    ("240.0.0.1", False, False),
    ("not an address", False, False),
])
def test_pushes_connect_only_to_public_addresses_in_production(address, in_production,
                                                                in_development):
    assert (delivery.address_problem(address, production=True) is None) is in_production
    assert (delivery.address_problem(address, production=False) is None) is in_development


def test_a_push_belongs_to_the_recipients_community_else_the_events():
    assert delivery.push_community({"community_id": "c1"}, {"community_id": "c2"}) == "c1"
    assert delivery.push_community({"community_id": None}, {"community_id": "c2"}) == "c2"
    assert delivery.push_community({}, {"resident_id": "r"}) is None


def test_the_owner_sees_state_times_status_and_outcome_only():
    push = {"state": "pending", "url": "https://hooks.example/x?token=secret", "tries": 1,
            "attempts": [{"at": "t1", "ok": False, "status_code": 500, "outcome": "rejected",
                          "error": "HTTP 500", "ms": 3.2, "answer": "stack trace"}]}
    assert delivery.push_view("m1", push) == {
        "id": "m1", "state": "pending",
        "attempts": [{"at": "t1", "ok": False, "status_code": 500, "outcome": "rejected"}]}


def test_each_recipient_gets_a_message_and_only_webhook_owners_a_push():
    event = {"event_id": "e1", "type": "library.hold_ready",
             "data": {"hold_id": "h1", "resident_id": "r1", "title": "活着", "community_id": "c9"}}
    preferences = {
        "r1": {"language": "en", "muted_categories": [], "quiet_hours": None,
               "webhook_url": "https://hooks.example/x", "community_id": "c1"},
        "r2": {"language": "zh-CN", "muted_categories": [], "quiet_hours": None,
               "webhook_url": None},
        "r3": {"language": "zh-CN", "muted_categories": ["library.hold_ready"],
               "quiet_hours": None, "webhook_url": "https://hooks.example/y"},
    }
    now = at("2026-11-23 12:00")
    messages = messaging.messages_for(event, ["r1", "r2", "r3"], preferences, now, SHANGHAI)
    assert [(m["resident_id"], m["event_id"]) for m in messages] == [
        ("r1", "e1"), ("r2", "e1"), ("r3", "e1")]
    assert messages[0]["push"] == {"state": "pending", "tries": 0, "attempts": [],
                                   "community_id": "c1", "not_before": now}
    assert "push" not in messages[1] and "push" not in messages[2]
