"""The directory's rules: opening hours and "open now", when a place goes stale, what a
keyword search matches. Plain values in, plain values out; no I/O.

Hours are a list of ``{days: [1-7], open: "HH:MM", close: "HH:MM"}`` with ISO
weekdays (1 = Monday). Each entry opens on each of its days at ``open``; a ``close``
earlier than ``open`` runs past midnight into the next day (a pharmacy open 20:00-02:00
on Friday is still open at 01:00 on Saturday); ``close`` equal to ``open`` means the
whole 24 hours from ``open``; ``close`` may be ``24:00``."""
import datetime as dt
from zoneinfo import ZoneInfo

CATEGORIES = ("clinic", "pharmacy", "repair", "housekeeping", "government", "police",
              "utility", "education", "elderly_care", "other")
STALE_AFTER = dt.timedelta(days=180)
DAY = 24 * 60
WEEK = 7 * DAY


def minutes(text: str) -> int:
    """Minutes since midnight of ``HH:MM`` (``24:00`` is 1440)."""
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def hours_problem(entry: dict) -> str | None:
    """What is wrong with one opening-hours entry, or None."""
    if minutes(entry["open"]) >= DAY:
        return "open is a time of day before 24:00"
    if len(set(entry["days"])) != len(entry["days"]):
        return "each day once"
    return None


def _spans(hours: list[dict]):
    """Each opening as ``(start, end)`` in minutes since Monday 00:00 of a week; an
    opening may end past the week's end (Sunday night into Monday)."""
    for entry in hours:
        start, end = minutes(entry["open"]), minutes(entry["close"])
        length = (end - start) % DAY or DAY
        if end == DAY:
            length = DAY - start
        for weekday in entry["days"]:
            begins = (weekday - 1) * DAY + start
            yield begins, begins + length


def open_at(hours: list[dict], local: dt.datetime) -> bool:
    """Is a place with these ``hours`` open at ``local`` (a wall-clock time in the
    community's zone)?"""
    at = (local.isoweekday() - 1) * DAY + local.hour * 60 + local.minute
    for begins, ends in _spans(hours):
        # an opening that ran past Sunday midnight is also open early next Monday
        if begins <= at < ends or begins <= at + WEEK < ends:
            return True
    return False


def open_now(hours: list[dict], at: dt.datetime, tz: ZoneInfo) -> bool:
    """Is a place open at instant ``at``, read on the community's clock ``tz``?"""
    return open_at(hours, at.astimezone(tz))


def stale(verified_at: dt.datetime, at: dt.datetime) -> bool:
    """Not verified for 180 days: residents may be calling a number that moved."""
    return at - verified_at >= STALE_AFTER


def stale_from(verified_at: dt.datetime) -> dt.datetime:
    return verified_at + STALE_AFTER


def keywords(place: dict) -> str:
    """What a keyword search looks in: name, address, phone, notes, category."""
    return " ".join(str(place.get(k) or "") for k in
                    ("name", "address", "phone", "notes", "category")).casefold()


def matches(place: dict, q: str | None) -> bool:
    """Every word of ``q`` appears somewhere in the place (any case)."""
    if not q:
        return True
    text = keywords(place)
    return all(word in text for word in q.casefold().split())
