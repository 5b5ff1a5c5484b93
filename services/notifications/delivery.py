"""Push delivery rules: quiet hours, retry backoff, webhook signatures, which URLs
may receive pushes. Plain functions; the sending itself lives in push.py."""
import datetime as dt
import hashlib
import hmac
import ipaddress
import socket
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

MAX_ATTEMPTS = 5
# Delay before attempt n+1: 2 s, 8 s, 32 s, 128 s (the third attempt lands ~10 s after
# the first, well within the contract's 60 s).
BACKOFF_SECONDS = (2, 8, 32, 128)
SENDING_TIMEOUT = dt.timedelta(seconds=60)
SIGNATURE_HEADER = "X-Linli-Signature"


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


def next_attempt_delay(attempts_made: int) -> dt.timedelta | None:
    """Wait before the next attempt, or None when the attempts are used up."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return dt.timedelta(seconds=BACKOFF_SECONDS[min(attempts_made, len(BACKOFF_SECONDS)) - 1])


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def url_problem(url: str, production: bool) -> str | None:
    """Why a webhook URL is refused, or None. In production, loopback and private
    addresses are refused (no pushing into the operator's own network)."""
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
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return "a public address"
    return None
