"""Push delivery rules: quiet hours, retry backoff, webhook signatures, which addresses
may receive pushes, what the owner sees of a push. Plain functions; the sending itself
lives in push.py."""
import datetime as dt
import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from shared.config import settings

MAX_ATTEMPTS = 5
# Delay before attempt n+1: 2 s, 8 s, 32 s, 128 s (the third attempt lands ~10 s after
# the first, well within the contract's 60 s).
BACKOFF_SECONDS = (2, 8, 32, 128)
SENDING_TIMEOUT = dt.timedelta(seconds=60)
# One push, from name resolution to the last byte read, never takes longer than this
# (a deadline for the whole request, not for each read).
PUSH_DEADLINE_SECONDS = settings().push_deadline_seconds
# The receiver's answer (status line, headers, body) is read up to this many bytes.
ANSWER_CAP_BYTES = 64 * 1024
# How many pushes one replica sends at once; a slow receiver holds one of them.
PUSH_CONCURRENCY = settings().push_concurrency

SIGNATURE_HEADER = "X-Linli-Signature"
TIMESTAMP_HEADER = "X-Linli-Timestamp"
# Receivers should refuse a signature whose timestamp is further than this from now.
SIGNATURE_TOLERANCE_SECONDS = 300

# What an attempt came to, as the owner sees it (never the receiver's answer or our
# internal error text).
OUTCOMES = ("delivered", "rejected", "timeout", "connection_failed", "tls_failed",
            "address_refused", "unresolvable", "answer_too_large", "bad_answer")
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def push_not_before(now: dt.datetime, quiet_hours: dict | None, tz: ZoneInfo) -> dt.datetime:
    """The earliest instant a push may go out: ``now``, or the end of the quiet hours
    that ``now`` falls in (windows may wrap midnight, e.g. 22:00-07:00)."""
    if not quiet_hours:
        return now
    start, end = _minutes(quiet_hours["start"]), _minutes(quiet_hours["end"])
    if start == end:
        return now
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return now
    end_day = local.date()
    if start > end and minute >= start:
        end_day += dt.timedelta(days=1)
    end_local = dt.datetime.combine(end_day, dt.time(end // 60, end % 60), tzinfo=tz)
    return end_local.astimezone(dt.timezone.utc)


def should_push(category: str, preferences: dict) -> bool:
    """Muting stops pushes, never the inbox."""
    return bool(preferences.get("webhook_url")) and category not in preferences.get(
        "muted_categories", [])


def push_community(preferences: dict, event_data: dict) -> str | None:
    """The community a push belongs to (staff run the push job for theirs only): the
    recipient's, recorded with their webhook preference, else the event's."""
    return preferences.get("community_id") or event_data.get("community_id")


def next_attempt_delay(attempts_made: int) -> dt.timedelta | None:
    """Wait before the next attempt, or None when the attempts are used up."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts_made, len(BACKOFF_SECONDS)) - 1])


# -- signatures ----------------------------------------------------------------------
def signed_content(timestamp: int, body: bytes) -> bytes:
    """What the signature covers: ``"{timestamp}.{body}"`` (Stripe's scheme), so an
    old body cannot be replayed with a new timestamp."""
    return f"{timestamp}.".encode() + body


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), signed_content(timestamp, body), hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signature_is_valid(secret: str, timestamp_header: str, body: bytes, signature_header: str,
                       now: float, tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver checks: the timestamp is recent and the signature matches (in
    constant time). ``now`` is the receiver's clock, in Unix seconds."""
    try:
        timestamp = int(timestamp_header)
    except (TypeError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), signature_header or "")


# -- where pushes may go ---------------------------------------------------------------
def address_problem(address: str, production: bool) -> str | None:
    """Why a push may not connect to ``address``, or None. In production only global
    addresses (``is_global``: no loopback, private, link-local, 100.64.0.0/10 ...); in
    development and tests also loopback and private networks, for local receivers,
    but never link-local (cloud metadata), unspecified, multicast or shared space."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return "an IP address"
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return "a public address"
    if ip.is_global:
        return None
    if production or ip.is_link_local or (ip.version == 4 and ip in _SHARED_ADDRESS_SPACE):
        return "a public address"
    if ip.is_loopback or (ip.is_private and not ip.is_reserved):
        return None
    return "a public address"


def url_problem(url: str, production: bool) -> str | None:
    """Why a webhook URL is refused when it is saved, or None. In production its host
    must resolve to public addresses only (checked again at every send: a name may
    resolve differently later)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return "an http(s) URL"
    if not production:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parsed.hostname, None)}
    except socket.gaierror:
        return "a host name that resolves"
    for address in addresses:
        problem = address_problem(address, production)
        if problem:
            return problem
    return None


def push_view(message_id: str, push: dict) -> dict:
    """What the owner sees of a push: its state and, per attempt, when and how it went
    (outcome class and HTTP status), not the URL, the answer or internal errors."""
    return {"id": message_id, "state": push["state"],
            "attempts": [{"at": a["at"], "ok": a["ok"], "status_code": a.get("status_code"),
                          "outcome": a.get("outcome") or ("delivered" if a["ok"] else "rejected")}
                         for a in push.get("attempts", [])]}
