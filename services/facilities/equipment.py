"""Shared equipment rules: the daily window in which an item may be out (a loan starts
inside it and is due at its end), overdue, returns and which loan a complaint is
about. Plain values in and out; no nameko, no Mongo."""
import datetime as dt

from services.facilities.rooms import opening_windows
from shared import clock

KINDS = ("speaker", "projector", "other")
ITEM_STATUSES = ("available", "on_loan", "maintenance")
LOAN_STATUSES = ("active", "overdue", "returned")
CONDITIONS = ("ok", "damaged")


def loan_window(allowed: dict, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """The allowed window (UTC) ``now`` falls in: today's, or yesterday's when the
    window runs past midnight and has not closed yet. None outside every window."""
    for start, end in opening_windows(allowed, now):
        if start <= now < end:
            return start, end
    return None


def due_at(allowed: dict, now: dt.datetime) -> dt.datetime | None:
    """When a loan started ``now`` is due: the end of the window it starts in."""
    window = loan_window(allowed, now)
    return window[1] if window else None


def is_overdue(due: dt.datetime, as_of: dt.datetime) -> bool:
    return clock.as_utc(due) <= as_of


def item_after_return(condition: str) -> str:
    """A damaged item goes to maintenance until staff restore it."""
    return "maintenance" if condition == "damaged" else "available"


def loan_at(loans: list[dict], at: dt.datetime) -> dict | None:
    """The loan of one item that was out at ``at``: started at or before it and not
    returned by then. Loans of one item never overlap, so there is at most one."""
    for loan in loans:
        started = clock.as_utc(loan["started_at"])
        returned = loan.get("returned_at")
        if started <= at and (returned is None or at < clock.as_utc(returned)):
            return loan
    return None


def rules_text(rules: dict) -> dict:
    """The rules as the borrower accepts them: the window and the volume cap."""
    allowed = rules["allowed"]
    return {"allowed": {"start": allowed["start"], "end": allowed["end"]},
            "max_volume_db": rules.get("max_volume_db")}
