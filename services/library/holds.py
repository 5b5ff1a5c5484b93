"""The hold queue as plain functions: who may hold, who is next in line, which copy a
new hold takes, where an assigned copy stands, when a ready hold expires, and what a
copy that arrives or is let go does. The store asks these and writes what they
answer, each write one conditional update; nothing here reads or writes.

A hold is ``waiting`` (in the queue), ``in_transit`` (a copy travels to its pickup
branch), ``ready`` (a copy waits on the pickup shelf until ``expires_at``), then
``collected``, ``cancelled`` or ``expired``."""
import datetime as dt

from services.library import circulation
from shared import clock

HOLD_LIMIT = 5              # active holds (waiting, in transit, ready) a resident may have
HOLD_PICKUP_DAYS = 3        # a ready hold waits this long, then passes on

HOLD_STATES = ("waiting", "in_transit", "ready", "collected", "expired", "cancelled")
OPEN_HOLD_STATES = ("waiting", "in_transit", "ready")
WITH_A_COPY = ("in_transit", "ready")


def hold_refusal(active_holds: int, active_loans: int, overdue_loans: int) -> tuple[str, str] | None:
    """Why a resident may not place a hold now, as ``(code, message)``: a reader who may
    not borrow may not hold either (so nobody ties up shelves they cannot borrow from),
    and nobody holds more than ``HOLD_LIMIT`` titles at once."""
    blocked = circulation.patron_blocked_reason(active_loans, overdue_loans)
    if blocked:
        return "patron_blocked", blocked
    if active_holds >= HOLD_LIMIT:
        return "hold_limit", f"at most {HOLD_LIMIT} active holds at once"
    return None


def may_cancel(status: str) -> bool:
    """A hold is cancelled while it is open (waiting, in transit or ready)."""
    return status in OPEN_HOLD_STATES


# -- the queue ---------------------------------------------------------------------------
def _place_in_line(hold: dict) -> tuple:
    """Earliest placed first; the id breaks a tie (Mongo answers naive UTC instants)."""
    return clock.as_utc(hold["created_at"]), hold["_id"]


def next_in_line(waiting_holds: list[dict]) -> dict | None:
    """The hold served next: the earliest placed (ties broken by id)."""
    if not waiting_holds:
        return None
    return min(waiting_holds, key=_place_in_line)


def waiting_before(waiting_holds: list[dict], hold: dict) -> int:
    """How many of the waiting holds are served before ``hold``."""
    mine = _place_in_line(hold)
    return sum(1 for h in waiting_holds if _place_in_line(h) < mine)


def place_in_queue(waiting_holds: list[dict], hold: dict) -> int:
    """1 for the first in line (also what a new hold is told when it is placed, even
    when it takes a copy at once)."""
    return waiting_before(waiting_holds, hold) + 1


def position(hold: dict, waiting_holds: list[dict]) -> int | None:
    """Where a hold stands, as the reader sees it: its place in the queue while it waits
    (1 is next), 0 once a copy is its (in transit or ready), None once it ended.
    ``waiting_holds`` are the title's waiting holds (only read for a waiting hold)."""
    if hold["status"] == "waiting":
        return place_in_queue(waiting_holds, hold)
    if hold["status"] in WITH_A_COPY:
        return 0
    return None


def takes_a_copy_when_placed(waiting_holds: list[dict]) -> bool:
    """A new hold looks for a copy on the shelves only when nobody waits before it:
    an available copy would already have gone to someone waiting."""
    return not waiting_holds


def copy_for(available_copies: list[dict], pickup_branch_id: str) -> dict | None:
    """Which available copy a hold takes: one at its pickup branch if there is one
    (ready at once), else any (it travels)."""
    if not available_copies:
        return None
    return sorted(available_copies, key=lambda c: c["branch_id"] != pickup_branch_id)[0]


# -- a copy goes to a hold -----------------------------------------------------------------
def copy_state_for_hold(copy_branch_id: str, pickup_branch_id: str) -> tuple[str, str]:
    """Where a copy assigned to a hold stands: ``(copy_status, hold_status)``."""
    if copy_branch_id == pickup_branch_id:
        return "hold_ready", "ready"
    return "in_transit", "in_transit"


def assigned(copy: dict, hold: dict) -> tuple[dict, dict]:
    """What a waiting hold and an available copy become when the copy goes to the hold:
    ``(hold fields, copy fields)``, both in transit (``made_ready`` follows when the copy
    is already at the pickup branch)."""
    return ({"status": "in_transit", "copy_id": copy["_id"], "copy_code": copy["code"]},
            {"status": "in_transit", "hold_id": hold["_id"], "held_for": hold["resident_id"]})


def hold_expires_at(ready_at: dt.datetime) -> dt.datetime:
    return ready_at + dt.timedelta(days=HOLD_PICKUP_DAYS)


def made_ready(hold: dict, now: dt.datetime) -> tuple[dict, dict]:
    """A copy is on the pickup shelf for ``hold`` from ``now``: ``(hold fields, copy
    fields)``; the hold waits ``HOLD_PICKUP_DAYS`` (``ready_expires_at`` is the sweep's
    copy of ``expires_at``, removed when the hold ends)."""
    expires = hold_expires_at(now)
    return ({"status": "ready", "ready_at": now, "expires_at": expires,
             "ready_expires_at": expires},
            {"status": "hold_ready", "hold_id": hold["_id"], "held_for": hold["resident_id"]})


def on_arrival(copy: dict, hold: dict | None, branch_id: str) -> str | None:
    """What a copy received at ``branch_id`` does for the holds: ``"ready"`` when it
    travelled for a hold still waiting for it there; ``"release"`` when the hold it
    travelled for no longer waits for it (the next in line may have it); None when it
    was simply moved, or passes through on its way to another pickup branch."""
    if copy["status"] != "in_transit":
        return None
    if hold and hold["status"] == "in_transit":
        return "ready" if hold["pickup_branch_id"] == branch_id else None
    return "release"


# -- a hold ends -------------------------------------------------------------------------
def ended(how: str, at: dt.datetime) -> dict:
    """The fields of a hold that ended ``how`` (collected, cancelled, expired) ``at``."""
    return {"status": how, f"{how}_at": at}


def has_expired(hold: dict, as_of: dt.datetime) -> bool:
    """A ready hold not collected by its expiry passes on."""
    return (hold["status"] == "ready" and bool(hold.get("ready_expires_at"))
            and clock.as_utc(as_of) >= clock.as_utc(hold["ready_expires_at"]))


def lets_go_of(hold: dict, copy: dict | None) -> bool:
    """Whether a hold that ended had ``copy`` set aside for it (travelling or on the
    shelf): then the copy passes to the next in line, or is free."""
    return bool(copy) and bool(hold.get("copy_id")) and copy.get("hold_id") == hold["_id"]
