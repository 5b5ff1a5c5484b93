"""Account rules: phones, password strength, sign-in and registration throttling,
roles, who may see and change whom."""
import datetime as dt
import re

from shared.auth import Actor
from shared.errors import Forbidden, TooManyRequests

GROUPS = ("sanitation_worker", "delivery_rider", "property_staff", "elderly_alone")

# -- phones --------------------------------------------------------------------------
_PHONE = re.compile(r"\+?[0-9]{5,20}")
_SEPARATORS = re.compile(r"[ \-]")
_CHINA_PREFIXES = ("+86", "0086")


def normalise_phone(text: str) -> str:
    """One person, one account: ``+86 138-0000-0000``, ``0086 13800000000`` and
    ``13800000000`` are the same phone. Spaces and dashes inside are dropped; space or
    a line break around the number is refused (ValueError), not quietly stripped."""
    if text != text.strip():
        raise ValueError("no spaces or line breaks around the number")
    compact = _SEPARATORS.sub("", text)
    for prefix in _CHINA_PREFIXES:
        if compact.startswith(prefix):
            compact = compact[len(prefix):]
            break
    if not _PHONE.fullmatch(compact):
        raise ValueError("a phone number: digits, 5 to 20")
    return compact


# -- passwords -----------------------------------------------------------------------
def weak_password_reasons(password: str, phone: str) -> list[str]:
    reasons = []
    if len(password) < 8:
        reasons.append("at least 8 characters")
    if password.isdigit():
        reasons.append("not only digits")
    if password == phone:
        reasons.append("not the phone number")
    return reasons


# -- sign-in throttling ----------------------------------------------------------------
# Every attempt is counted before its password is checked (one conditional write a
# counter), so parallel guesses cannot pass a limit; a successful sign-in takes its
# own count back, so what stays counted is failures (and attempts still in flight).
SIGN_IN_WINDOW = dt.timedelta(minutes=15)
# From one client address, for one phone: the contract's ten.
CLIENT_PHONE_ATTEMPTS = 10
# For one phone from every address together: a cap on guessing from many addresses.
# Higher than ten, so that one address guessing alone cannot lock the owner out.
PHONE_ATTEMPTS = 30
# Per client address (a community centre's Wi-Fi is one address for everybody behind
# it): never a lockout, a delay that grows with the address's recent failures.
ADDRESS_FREE_FAILURES = 20
ADDRESS_FIRST_DELAY_SECONDS = 0.25
ADDRESS_MAX_DELAY_SECONDS = 2.0   # well inside the gateway's RPC timeout
# A delayed failure holds a service worker while it waits; so that a flood cannot hold
# them all, only this many wait at once per process; more are answered at once.
DELAYED_SIGN_INS_AT_ONCE = 4


def sign_in_counters(phone: str, client_addr: str | None) -> list[tuple[str, int]]:
    """The counters one attempt takes a count from, with each counter's limit."""
    counters = [(f"phone|{phone}", PHONE_ATTEMPTS)]
    if client_addr:
        counters.append((f"client-phone|{client_addr}|{phone}", CLIENT_PHONE_ATTEMPTS))
    return counters


def address_counter(client_addr: str | None) -> str | None:
    return f"client|{client_addr}" if client_addr else None


def too_many_attempts():
    return TooManyRequests("too many failed sign-ins for this phone; try again later",
                           code="too_many_attempts")


def address_delay(recent_failures: int) -> float:
    """Seconds a failed sign-in from an address waits before it is answered."""
    beyond = recent_failures - ADDRESS_FREE_FAILURES
    if beyond <= 0:
        return 0.0
    return min(ADDRESS_MAX_DELAY_SECONDS, ADDRESS_FIRST_DELAY_SECONDS * 2 ** min(beyond - 1, 30))


# -- registration throttling --------------------------------------------------------------
REGISTRATION_WINDOW = dt.timedelta(hours=1)


def registration_counter(client_addr: str | None) -> str | None:
    return f"register|{client_addr}" if client_addr else None


def too_many_registrations():
    return TooManyRequests("too many registrations from this address; try again later",
                           code="too_many_registrations")


# -- who may do what ----------------------------------------------------------------------
# Fields that decide a price (the caring lunch, the elder price).
PRICED_FIELDS = ("groups", "birth_date")


def check_changes_allowed(actor: Actor, account: dict, changes: dict):
    """Staff of the account's community (or an admin) change it; nobody changes their
    own groups or birth date; a staff or admin account's groups and birth date are set
    by an admin only (staff cannot put each other on the caring lunch)."""
    actor.require_manager(account.get("community_id"), "staff of that community only")
    priced = [name for name in PRICED_FIELDS if name in changes]
    if not priced:
        return
    if account["_id"] == actor.id:
        raise Forbidden(f"nobody changes their own {' or '.join(priced)}")
    if account.get("role") != "resident" and not actor.is_admin:
        raise Forbidden(f"a staff account's {' or '.join(priced)} is set by an admin")


def birth_date_correction(actor: Actor, old: str | None, new: str, at: dt.datetime) -> dict:
    """The audit record of one correction: who, when, from what, to what."""
    return {"by": actor.id, "by_role": actor.role, "at": at, "old": old, "new": new}
