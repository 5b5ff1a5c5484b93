"""Booking rules: meal times, cutoffs, pickup codes, what may happen to a booking,
and the kitchen's counts. Plain values in and out; no nameko, no Mongo."""
import datetime as dt
import secrets

from shared import clock
from shared.errors import Conflict, Invalid
from shared.mongo import new_id

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


def closed(cutoff: dt.datetime) -> Invalid:
    """The 422 for a booking or cancellation past the menu's cutoff."""
    return Invalid("booking for this meal has closed", code="booking_closed",
                   details={"booking_cutoff": [f"booking closed at {clock.local_iso(cutoff)}"]})


def no_menu(day: str, meal: str) -> Invalid:
    return Invalid("no menu is published for this meal", code="no_menu",
                   details={"meal": [f"no {meal} menu on {day}"]})


# -- menus ---------------------------------------------------------------------------
def menu_changes(data: dict, day: dt.date, meal: str) -> dict:
    """What a publish sets on a slot's menu (422 naming ``booking_cutoff`` when the
    cutoff is after the meal starts); dishes keep only the prices they have."""
    problem = cutoff_problem(data["booking_cutoff"], day, meal)
    if problem:
        raise Invalid(problem, details={"booking_cutoff": [problem]})
    return {"capacity": data["capacity"], "booking_cutoff": data["booking_cutoff"],
            "dishes": [{k: v for k, v in dish.items() if v is not None}
                       for dish in data["dishes"]]}


def new_menu(site: dict, day: dt.date, meal: str, changes: dict, now: dt.datetime) -> dict:
    """A slot's first menu: nothing booked, every portion remaining."""
    return {"_id": new_id(), "site_id": site["_id"], "community_id": site["community_id"],
            "date": day.isoformat(), "meal": meal, "booked": 0,
            "remaining": changes["capacity"], "created_at": now, **changes}


def menu_published_event(site: dict, day: dt.date, meal: str, changes: dict) -> dict:
    return {"site_id": site["_id"], "site_name": site["name"],
            "community_id": site["community_id"], "date": day.isoformat(), "meal": meal,
            "capacity": changes["capacity"], "dishes": len(changes["dishes"])}


def capacity_refusal(booked: int, capacity: int) -> Conflict | None:
    """Capacity never drops below what is booked."""
    if booked > capacity:
        return Conflict(f"{booked} portions are already booked", code="capacity_below_booked",
                        details={"capacity": [f"at least {booked}"]})
    return None


# -- bookings ------------------------------------------------------------------------
def new_booking(site: dict, menu_id: str, resident_id: str, day: dt.date, meal: str,
                portions: int, price_rule: str, now: dt.datetime) -> dict:
    """A booking as stored, without its ``_id`` and ``pickup_code`` (drawn when it is
    written: a code taken in the slot is drawn again)."""
    return {
        "site_id": site["_id"], "site_name": site["name"],
        "community_id": site["community_id"], "menu_id": menu_id,
        "resident_id": resident_id, "date": day.isoformat(), "meal": meal,
        "portions": portions, "status": "booked", "active": True, "price_rule": price_rule,
        "meal_starts_at": meal_start(day, meal), "remind_at": reminder_due_at(day, meal),
        "ends_at": serving_ends_at(day, meal), "reminded": False, "created_at": now,
    }


def with_pickup_code(booking: dict) -> dict:
    """``booking`` with a fresh id and pickup code: one attempt at writing it."""
    return {**booking, "_id": new_id(), "pickup_code": new_pickup_code()}


def booking_created_event(booking: dict) -> dict:
    return {"booking_id": booking["_id"], "resident_id": booking["resident_id"],
            "site_id": booking["site_id"], "site_name": booking["site_name"],
            "date": booking["date"], "meal": booking["meal"], "portions": booking["portions"],
            "pickup_code": booking["pickup_code"]}


def booking_cancelled_event(booking: dict) -> dict:
    event = {k: booking[k] for k in ("resident_id", "site_id", "site_name", "date", "meal",
                                     "portions")}
    event["booking_id"] = booking["_id"]
    return event


def refusal(menu: dict, now: dt.datetime, already_booked: bool) -> Exception:
    """Why the one conditional take on the menu matched nothing, read afterwards:
    past the cutoff (422), a second active booking (409 ``already_booked``), or full
    (409 ``slot_full``)."""
    if not booking_open(menu["booking_cutoff"], now):
        return closed(menu["booking_cutoff"])
    if already_booked:
        return Conflict("you already have a booking for this meal", code="already_booked")
    return Conflict("this meal is fully booked", code="slot_full",
                    details={"remaining": menu["remaining"]})


def check_servable(booking: dict):
    """The counter serves a booking that is ``booked``, once."""
    if booking["status"] == "served":
        raise Conflict("this booking is already served", code="already_served")
    if booking["status"] != "booked":
        raise Conflict(f"this booking is {booking['status']}", code="illegal_transition")


def check_cancellable(booking: dict):
    """Only a ``booked`` booking is cancelled (and only before the cutoff)."""
    if booking["status"] != "booked":
        raise Conflict(f"a {booking['status']} booking cannot be cancelled",
                       code="illegal_transition")


# -- the counter -----------------------------------------------------------------------
def new_checkout(site: dict, day: dt.date, meal: str, resident_id: str, booking: dict | None,
                 portions: int, priced: dict, now: dt.datetime) -> dict:
    """The bill as stored: a walk-in when no booking was waiting."""
    return {"_id": new_id(), "site_id": site["_id"], "community_id": site["community_id"],
            "date": day.isoformat(), "meal": meal, "resident_id": resident_id,
            "booking_id": booking["_id"] if booking else None, "walk_in": booking is None,
            "portions": portions, "created_at": now, **priced}


def meal_served_event(bill: dict, site_name: str) -> dict:
    return {"booking_id": bill["booking_id"], "resident_id": bill["resident_id"],
            "site_id": bill["site_id"], "site_name": site_name, "date": bill["date"],
            "meal": bill["meal"], "total_fen": bill["total_fen"],
            "price_rule": bill["price_rule"], "checkout_id": bill["_id"]}


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


def kitchen_day(bookings: list[dict], menus: list[dict], checkouts: list[dict]) -> list[dict]:
    """The kitchen's rows of a day, breakfast to dinner: the booking counts, whether
    the menu is published and its capacity, the walk-ins and what was served by tag."""
    meals = kitchen_counts(bookings)
    by_meal = {m["meal"]: m for m in menus}
    for meal, row in meals.items():
        row["published"] = meal in by_meal
        row["capacity"] = by_meal[meal]["capacity"] if meal in by_meal else None
        of_meal = [c for c in checkouts if c["meal"] == meal]
        row["walk_ins"] = sum(1 for c in of_meal if not c.get("booking_id"))
        row["served_by_tag"] = portions_by_tag([line for c in of_meal for line in c["lines"]])
    return [meals[m] for m in MEALS]


def portions_by_tag(checkout_lines: list[dict]) -> dict:
    """What the counter handed out, per dish tag: fixed dishes count their quantity,
    weighed dishes one serving per line."""
    counts: dict[str, int] = {}
    for line in checkout_lines:
        servings = line.get("quantity") or 1
        for tag in line.get("tags", []):
            counts[tag] = counts.get(tag, 0) + servings
    return dict(sorted(counts.items()))
