"""The sign-up rules as plain functions: who may join a party, which waiting parties
are offered freed seats, when an offer expires, which state may become which.

A party (1-4 people, the first the resident signing up) is seated whole or waits
whole. Seats are taken by one conditional write in storage (``remaining >= size``);
these rules decide everything that needs no database."""
import datetime as dt

from shared import clock

MAX_PARTY = 4
KINDS = ("class", "course", "talk", "screening", "gathering")
STATUSES = ("confirmed", "waitlisted", "offered", "cancelled", "declined", "expired")
ACTIVE = ("confirmed", "waitlisted", "offered")
OFFER_HOLDS = dt.timedelta(hours=24)
BIRTHDAY_AGE = 60
# what each action may start from
CANCELLABLE = ACTIVE
ANSWERABLE = ("offered",)


def first_day(first_start: dt.datetime) -> dt.date:
    """The local date of the first session: the day on which ages are counted."""
    return clock.today_local(first_start)


def ages_outside(party: list[dict], on: dt.date, min_age: int | None,
                 max_age: int | None) -> dict[int, str]:
    """``{index: reason}`` for each member of the party outside the age limits on
    ``on`` (limits inclusive; None: no limit)."""
    problems = {}
    for i, member in enumerate(party):
        age = clock.age_on(member["birth_date"], on)
        if min_age is not None and age < min_age:
            problems[i] = f"{member['name']} is {age} on {on}; the youngest allowed is {min_age}"
        elif max_age is not None and age > max_age:
            problems[i] = f"{member['name']} is {age} on {on}; the oldest allowed is {max_age}"
    return problems


def signup_open(closes_at: dt.datetime, now: dt.datetime) -> bool:
    return now < clock.as_utc(closes_at)


def offers_for(waiting: list[dict], free_seats: int) -> list[dict]:
    """The waiting parties (in waitlist order) offered ``free_seats``: each in turn
    while the seats fit it; a party that does not fit is passed over and keeps its
    place for the next seats."""
    offered = []
    for party in waiting:
        if party["size"] <= free_seats:
            offered.append(party)
            free_seats -= party["size"]
    return offered


def offer_expires_at(now: dt.datetime, first_start: dt.datetime) -> dt.datetime:
    """24 hours after the offer, or the first session's start if that is sooner."""
    return min(now + OFFER_HOLDS, clock.as_utc(first_start))


def offers_still_made(now: dt.datetime, first_start: dt.datetime) -> bool:
    """Seats are no longer offered once the activity has begun (an offer would
    expire the moment it is made)."""
    return now < clock.as_utc(first_start)


def offer_expired(expires_at: dt.datetime, now: dt.datetime) -> bool:
    return now >= clock.as_utc(expires_at)


def attendance_open(first_start: dt.datetime, now: dt.datetime) -> bool:
    """Staff mark attendance from the first session's start."""
    return now >= clock.as_utc(first_start)


def positions(waiting_seqs: list[int]) -> dict[int, int]:
    """Waitlist position (1 = next) of each waiting sequence number."""
    return {seq: i for i, seq in enumerate(sorted(waiting_seqs), start=1)}


def birthday_guests(members: list[dict], month: int, on: dt.date) -> list[str]:
    """Residents born in ``month`` and aged 60 or over on ``on`` (the gathering's
    date): the ones a birthday gathering invites (staff accounts are not residents)."""
    guests = []
    for member in members:
        born = member.get("birth_date")
        if not born or member.get("role", "resident") != "resident":
            continue
        born = dt.date.fromisoformat(born) if isinstance(born, str) else born
        if born.month == month and clock.age_on(born, on) >= BIRTHDAY_AGE:
            guests.append(member["_id"])
    return guests


def may_see(who, signup: dict) -> bool:
    """The resident who signed up, staff of the activity's community, an admin."""
    return signup["resident_id"] == who.id or who.manages(signup["community_id"])
