"""Room booking rules: the 30-minute grid, opening hours (or around the clock), the
check-in window, no-shows, and who may see what of a booking. Plain values in and
out; no nameko, no Mongo.

A booking is stored with the grid cells it covers. Each cell is claimed under a unique
key (``cell_key``) in the transaction that writes the booking, so two overlapping
active bookings of one room cannot both commit, whichever replica writes them."""
import datetime as dt
import secrets

from shared import clock

GRID = dt.timedelta(minutes=30)
GRID_MINUTES = 30
CHECK_IN_EARLY = dt.timedelta(minutes=10)
CHECK_IN_LATE = dt.timedelta(minutes=15)  # also when a booking not checked in is a no-show
MAX_FUTURE_BOOKINGS = 2
DEFAULT_MAX_MINUTES = 120
LONGEST_MAX_MINUTES = 24 * 60
KINDS = ("reading", "calligraphy", "music", "counselling", "activity", "training", "other")
STATUSES = ("booked", "checked_in", "cancelled", "no_show")
ACTIVE = ("booked", "checked_in")
# Door codes are read from a QR label, but also typed at the door when a phone's camera
# fails: no look-alikes (0/O, 1/I/L).
DOOR_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
DOOR_CODE_LENGTH = 8


def parse_hhmm(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def local(at: dt.datetime) -> dt.datetime:
    return clock.as_utc(at).astimezone(clock.community_tz())


def on_grid(at: dt.datetime) -> bool:
    """On a whole or half hour of the community's clock, to the second."""
    here = local(at)
    return here.minute % GRID_MINUTES == 0 and here.second == 0 and here.microsecond == 0


def round_down(at: dt.datetime) -> dt.datetime:
    """The grid point at or before ``at`` (UTC)."""
    here = local(at)
    floored = here.replace(minute=here.minute - here.minute % GRID_MINUTES, second=0,
                           microsecond=0)
    return floored.astimezone(clock.UTC)


def cells(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The grid cells ``[start, end)`` covers, by their starts (UTC)."""
    at, found = clock.as_utc(start), []
    while at < clock.as_utc(end):
        found.append(at)
        at += GRID
    return found


def cell_key(room_id: str, cell: dt.datetime) -> str:
    """The unique key of one room's cell: the claim two bookings cannot both hold."""
    return f"{room_id}:{clock.as_utc(cell):%Y-%m-%dT%H:%MZ}"


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    """Half-open periods: one ending at 10:00 and one starting at 10:00 do not overlap."""
    return a_start < b_end and b_start < a_end


def local_days(start: dt.datetime, end: dt.datetime) -> list[str]:
    """The community's dates a booking touches (a day view lists it on each)."""
    first, last = local(start).date(), local(end - dt.timedelta(microseconds=1)).date()
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = clock.community_tz()
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz)
    return start.astimezone(clock.UTC), end.astimezone(clock.UTC)


def opening_windows(opening: dict | None, around: dt.datetime) -> list[tuple]:
    """The opening windows (UTC) that could contain ``around``: the one that began on
    its local date and, for hours that run past midnight, the one of the day before.
    None: open around the clock (no window: everything is inside)."""
    if opening is None:
        return []
    opens, closes = parse_hhmm(opening["start"]), parse_hhmm(opening["end"])
    tz, day = clock.community_tz(), local(around).date()
    windows = []
    for d in (day - dt.timedelta(days=1), day):
        start = dt.datetime.combine(d, opens, tzinfo=tz)
        end_day = d if closes > opens else d + dt.timedelta(days=1)
        end = dt.datetime.combine(end_day, closes, tzinfo=tz)
        windows.append((start.astimezone(clock.UTC), end.astimezone(clock.UTC)))
    return windows


def within_opening(start: dt.datetime, end: dt.datetime, opening: dict | None) -> bool:
    """The whole booking lies inside one opening window (always, around the clock)."""
    if opening is None:
        return True
    return any(w_start <= start and end <= w_end
               for w_start, w_end in opening_windows(opening, start))


def opening_problem(opening: dict | None) -> str | None:
    """Why a room's opening hours cannot be used, or None."""
    if opening is None:
        return None
    opens, closes = opening["start"], opening["end"]
    if opens == closes:
        return "opening start and end are the same; use null for around the clock"
    for text in (opens, closes):
        if parse_hhmm(text).minute % GRID_MINUTES:
            return "opening hours are on the 30-minute grid"
    return None


def booking_problems(start: dt.datetime, end: dt.datetime, now: dt.datetime,
                     opening: dict | None, max_minutes: int) -> dict[str, list[str]]:
    """Field errors of a booking request (the contract's 422s), empty when none."""
    problems: dict[str, list[str]] = {}
    for field, at in (("start", start), ("end", end)):
        if not on_grid(at):
            problems.setdefault(field, []).append("on the 30-minute grid (:00 or :30)")
    if end <= start:
        problems.setdefault("end", []).append("after start")
    elif end - start > dt.timedelta(minutes=max_minutes):
        problems.setdefault("end", []).append(f"at most {max_minutes} minutes after start")
    if start < now:
        problems.setdefault("start", []).append("not in the past")
    if not problems and not within_opening(start, end, opening):
        problems["start"] = [f"within the opening hours {opening['start']}-{opening['end']}"]
    return problems


def walk_in_period(now: dt.datetime, minutes: int) -> tuple[dt.datetime, dt.datetime]:
    start = round_down(now)
    return start, start + dt.timedelta(minutes=minutes)


def walk_in_problems(now: dt.datetime, minutes: int, opening: dict | None,
                     max_minutes: int) -> dict[str, list[str]]:
    if minutes % GRID_MINUTES or minutes <= 0:
        return {"minutes": ["a multiple of 30"]}
    if minutes > max_minutes:
        return {"minutes": [f"at most {max_minutes}"]}
    start, end = walk_in_period(now, minutes)
    if not within_opening(start, end, opening):
        return {"minutes": [f"within the opening hours {opening['start']}-{opening['end']}"]}
    return {}


def check_in_window(start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = clock.as_utc(start)
    return start - CHECK_IN_EARLY, start + CHECK_IN_LATE


def may_check_in(start: dt.datetime, now: dt.datetime) -> bool:
    opens, closes = check_in_window(start)
    return opens <= now <= closes


def no_show_at(start: dt.datetime) -> dt.datetime:
    """When a booking not checked in is released (the ``facilities-no-show`` job)."""
    return clock.as_utc(start) + CHECK_IN_LATE


def may_cancel(start: dt.datetime, now: dt.datetime) -> bool:
    return now < clock.as_utc(start)


def view_of(viewer_id: str, viewer_manages: bool, booking: dict, room: dict) -> str:
    """How much of a booking a viewer sees: ``full`` (who and why: the booker and
    staff), ``times`` (id, start, end and status: other residents, open rooms) or
    ``taken`` (only that the time is taken: other residents, private rooms)."""
    if viewer_manages or booking["resident_id"] == viewer_id:
        return "full"
    return "taken" if room.get("private", False) else "times"


def new_door_code() -> str:
    return "".join(secrets.choice(DOOR_ALPHABET) for _ in range(DOOR_CODE_LENGTH))
