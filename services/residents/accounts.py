"""Account rules: password strength, roles, who may see and change whom."""
import datetime as dt

from shared.auth import Actor
from shared.errors import Forbidden, TooManyRequests

GROUPS = ("sanitation_worker", "delivery_rider", "property_staff", "elderly_alone")
LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
# Per client address: enough for a busy community centre's shared counter terminal,
# far too few for guessing passwords across many phones.
CLIENT_LOCKOUT_FAILURES = 50


def weak_password_reasons(password: str, phone: str) -> list[str]:
    reasons = []
    if len(password) < 8:
        reasons.append("at least 8 characters")
    if password.isdigit():
        reasons.append("not only digits")
    if password == phone:
        reasons.append("not the phone number")
    return reasons


def check_not_locked_out(recent_failures: int, recent_client_failures: int = 0):
    if recent_failures >= LOCKOUT_FAILURES:
        raise TooManyRequests("too many failed sign-ins for this phone; try again later",
                              code="too_many_attempts")
    if recent_client_failures >= CLIENT_LOCKOUT_FAILURES:
        raise TooManyRequests("too many failed sign-ins from this address; try again later",
                              code="too_many_attempts")


def require_admin(actor: Actor):
    if not actor.is_admin:
        raise Forbidden("admins only")


def require_manager_of(actor: Actor, community_id: str | None):
    """Staff act in their own community, admins everywhere."""
    if not actor.manages(community_id):
        raise Forbidden("staff of that community only")


def age_on(birth_date: dt.date, day: dt.date) -> int:
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)
