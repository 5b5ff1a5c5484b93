"""Booking rules: meal times, cutoffs, pickup codes, what may happen to a booking,
and the kitchen's counts. Plain values in and out; no nameko, no Mongo."""
import datetime as dt
import secrets

from shared import clock

MEALS = ("breakfast", "lunch", "dinner")
STATUSES = ("booked", "cancelled", "served", "no_show")
# When each meal starts, community time; the serving window is how long the counter
# stays open after the start (a booking not served by its end is a no-show).
MEAL_STARTS = {"breakfast": dt.time(7, 0), "lunch": dt.time(11, 30), "dinner": dt.time(17, 30)}
SERVING_WINDOW = dt.timedelta(hours=2)
REMINDER_LEAD = dt.timedelta(minutes=60)
MAX_PORTIONS = 4
# Six characters without the look-alikes 0/O, 1/I/L, so a code reads aloud cleanly.
PICKUP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PICKUP_CODE_LENGTH = 6


def meal_start(day: dt.date, meal: str) -> dt.datetime:
    """The instant (aware, UTC) a meal starts on ``day`` in the community's time zone."""
    local = dt.datetime.combine(day, MEAL_STARTS[meal], tzinfo=clock.community_tz())
    return local.astimezone(clock.UTC)


def reminder_due_at(day: dt.date, meal: str) -> dt.datetime:
    return meal_start(day, meal) - REMINDER_LEAD


def serving_ends_at(day: dt.date, meal: str) -> dt.datetime:
    return meal_start(day, meal) + SERVING_WINDOW


def cutoff_problem(cutoff: dt.datetime, day: dt.date, meal: str) -> str | None:
    """Why a menu's booking cutoff is unacceptable, or None."""
    if cutoff > meal_start(day, meal):
        return "the booking cutoff must not be after the meal starts"
    return None


def booking_open(cutoff: dt.datetime, now: dt.datetime) -> bool:
    return now < clock.as_utc(cutoff)


def new_pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))


def may_see(actor, booking: dict) -> bool:
    return booking["resident_id"] == actor.id or actor.manages(booking["community_id"])


def kitchen_counts(bookings: list[dict]) -> dict:
    """Per meal: bookings and portions not cancelled, then served, cancelled, no-shows."""
    meals = {meal: {"meal": meal, "bookings": 0, "portions": 0, "served": 0,
                    "cancelled": 0, "no_shows": 0} for meal in MEALS}
    for booking in bookings:
        row = meals[booking["meal"]]
        status = booking["status"]
        if status == "cancelled":
            row["cancelled"] += 1
            continue
        row["bookings"] += 1
        row["portions"] += booking["portions"]
        if status == "served":
            row["served"] += 1
        elif status == "no_show":
            row["no_shows"] += 1
    return meals


def portions_by_tag(checkout_lines: list[dict]) -> dict:
    """What the counter handed out, per dish tag: fixed dishes count their quantity,
    weighed dishes one serving per line."""
    counts: dict[str, int] = {}
    for line in checkout_lines:
        servings = line.get("quantity") or 1
        for tag in line.get("tags", []):
            counts[tag] = counts.get(tag, 0) + servings
    return dict(sorted(counts.items()))
