"""Circulation rules as plain functions: due dates, renewals, overdue, holds.

Dates are the community's local calendar dates (``datetime.date``); instants are
aware UTC datetimes. Nothing here knows about nameko or Mongo."""
import datetime as dt

DEFAULT_LOAN_PERIOD_DAYS = 30
PATRON_LIMIT = 5            # active loans a resident may have at once
HOLD_LIMIT = 5              # active holds (waiting, in transit, ready) a resident may have
MAX_RENEWALS = 2
HOLD_PICKUP_DAYS = 3        # a ready hold waits this long, then passes on
DUE_SOON_DAYS = 2           # the reminder goes out this many days before the due date

COPY_STATES = ("available", "on_loan", "in_transit", "hold_ready")
LOAN_STATES = ("active", "overdue", "returned")
HOLD_STATES = ("waiting", "in_transit", "ready", "collected", "expired", "cancelled")
OPEN_LOAN_STATES = ("active", "overdue")
OPEN_HOLD_STATES = ("waiting", "in_transit", "ready")


def due_date(borrowed_on: dt.date, loan_period_days: int) -> dt.date:
    """The last day a loan may be returned without being overdue."""
    return borrowed_on + dt.timedelta(days=loan_period_days)


def renewed_due_date(current_due: dt.date, loan_period_days: int) -> dt.date:
    """A renewal counts from the current due date, not from the day of renewing."""
    return current_due + dt.timedelta(days=loan_period_days)


def is_overdue(due: dt.date, today: dt.date) -> bool:
    return today > due


def days_overdue(due: dt.date, today: dt.date) -> int:
    return max(0, (today - due).days)


def due_soon_on(due: dt.date) -> dt.date:
    """The day the due-soon reminder is sent."""
    return due - dt.timedelta(days=DUE_SOON_DAYS)


def renewal_refusal(status: str, renewals: int, due: dt.date, today: dt.date,
                    someone_waits: bool) -> tuple[str, str] | None:
    """Why a loan cannot be renewed, as ``(code, message)``; None when it can."""
    if status == "returned":
        return "illegal_transition", "the loan is already returned"
    if status == "overdue" or is_overdue(due, today):
        return "loan_overdue", "an overdue loan cannot be renewed; please return it"
    if renewals >= MAX_RENEWALS:
        return "renewal_limit", f"a loan can be renewed at most {MAX_RENEWALS} times"
    if someone_waits:
        return "hold_waiting", "another reader is waiting for this title"
    return None


def patron_blocked_reason(active_loans: int, overdue_loans: int) -> str | None:
    """Why a resident may not borrow now (None when they may)."""
    if overdue_loans > 0:
        return "you have an overdue loan; return it before borrowing again"
    if active_loans >= PATRON_LIMIT:
        return f"at most {PATRON_LIMIT} loans at once"
    return None


def hold_refusal(active_holds: int, active_loans: int, overdue_loans: int) -> tuple[str, str] | None:
    """Why a resident may not place a hold now, as ``(code, message)``: a reader who may
    not borrow may not hold either (so nobody ties up shelves they cannot borrow from),
    and nobody holds more than ``HOLD_LIMIT`` titles at once."""
    blocked = patron_blocked_reason(active_loans, overdue_loans)
    if blocked:
        return "patron_blocked", blocked
    if active_holds >= HOLD_LIMIT:
        return "hold_limit", f"at most {HOLD_LIMIT} active holds at once"
    return None


def copy_state_for_hold(copy_branch_id: str, pickup_branch_id: str) -> tuple[str, str]:
    """Where a copy assigned to a hold stands: ``(copy_status, hold_status)``."""
    if copy_branch_id == pickup_branch_id:
        return "hold_ready", "ready"
    return "in_transit", "in_transit"


def may_receive(copy_status: str, manages_copy_community: bool) -> bool:
    """A copy in transit is taken in by the staff it arrives at, wherever it comes from;
    an available copy is moved only by staff of the community it stands in (else staff
    of one community could pull another's shelves into theirs)."""
    return copy_status == "in_transit" or (copy_status == "available" and manages_copy_community)


def hold_expires_at(ready_at: dt.datetime) -> dt.datetime:
    return ready_at + dt.timedelta(days=HOLD_PICKUP_DAYS)


def hold_has_expired(expires_at: dt.datetime, as_of: dt.datetime) -> bool:
    return as_of >= expires_at


def queue_position(waiting_before: int) -> int:
    """1 for the first in line."""
    return waiting_before + 1


def next_in_line(waiting_holds: list[dict]) -> dict | None:
    """The hold served next: the earliest placed (ties broken by id)."""
    if not waiting_holds:
        return None
    return min(waiting_holds, key=lambda h: (h["created_at"], h["_id"]))
