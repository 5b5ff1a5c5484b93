"""Circulation rules as plain functions: who may borrow, due dates, renewals, returns,
overdue notices and reminders, transfers, and what a title has on the shelves. The
hold queue has its own module (``holds``).

Dates are the community's local calendar dates (``datetime.date``); instants are
aware UTC datetimes. Nothing here knows about nameko or Mongo."""
import datetime as dt

DEFAULT_LOAN_PERIOD_DAYS = 30
PATRON_LIMIT = 5            # active loans a resident may have at once
MAX_RENEWALS = 2
DUE_SOON_DAYS = 2           # the reminder goes out this many days before the due date

COPY_STATES = ("available", "on_loan", "in_transit", "hold_ready")
LOAN_STATES = ("active", "overdue", "returned")
OPEN_LOAN_STATES = ("active", "overdue")
RECEIVABLE_COPY_STATES = ("in_transit", "available")


# -- borrowing ---------------------------------------------------------------------------
def checkout_refusal(copy: dict, resident_id: str) -> tuple[str, str, dict | None] | None:
    """Why a scanned copy cannot be lent to this resident, as ``(code, message,
    details)``: it is on the pickup shelf for someone else, or not on a shelf at all."""
    if copy["status"] == "hold_ready" and copy.get("held_for") != resident_id:
        return "copy_held", "this copy is held for another reader", None
    if copy["status"] not in ("available", "hold_ready"):
        return ("copy_unavailable", f"this copy is {copy['status'].replace('_', ' ')}",
                {"status": copy["status"]})
    return None


def patron_blocked_reason(active_loans: int, overdue_loans: int) -> str | None:
    """Why a resident may not borrow now (None when they may)."""
    if overdue_loans > 0:
        return "you have an overdue loan; return it before borrowing again"
    if active_loans >= PATRON_LIMIT:
        return f"at most {PATRON_LIMIT} loans at once"
    return None


def loan_period(branch: dict) -> int:
    """Days a loan lasts: the lending branch's own period, else the default."""
    return branch.get("loan_period_days") or DEFAULT_LOAN_PERIOD_DAYS


def due_date(borrowed_on: dt.date, loan_period_days: int) -> dt.date:
    """The last day a loan may be returned without being overdue."""
    return borrowed_on + dt.timedelta(days=loan_period_days)


def due_soon_on(due: dt.date) -> dt.date:
    """The day the due-soon reminder is sent."""
    return due - dt.timedelta(days=DUE_SOON_DAYS)


# -- renewing ----------------------------------------------------------------------------
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


def renewed_due_date(current_due: dt.date, loan_period_days: int) -> dt.date:
    """A renewal counts from the current due date, not from the day of renewing."""
    return current_due + dt.timedelta(days=loan_period_days)


# -- returning ---------------------------------------------------------------------------
def may_return(is_borrower: bool, manages_return_branch: bool, manages_loan_community: bool) -> bool:
    """A copy is returned by its borrower, or by staff where it comes back or where it
    was lent."""
    return is_borrower or manages_return_branch or manages_loan_community


def counters_on_return(loan_status: str) -> dict[str, int]:
    """How the reader's counters change when a loan in ``loan_status`` is returned."""
    counters = {"active_loans": -1}
    if loan_status == "overdue":
        counters["overdue"] = -1
    return counters


# -- overdue and reminders ---------------------------------------------------------------
def is_overdue(due: dt.date, today: dt.date) -> bool:
    return today > due


def days_overdue(due: dt.date, today: dt.date) -> int:
    return max(0, (today - due).days)


def overdue_notice_due(last_notified_on: dt.date | None, today: dt.date) -> bool:
    """An overdue loan gets at most one notice a day."""
    return last_notified_on != today


def due_soon_reminder_due(status: str, due: dt.date, today: dt.date) -> bool:
    """The reminder still says something: the loan is open and not yet past due."""
    return status == "active" and not is_overdue(due, today)


# -- transfers and shelves ---------------------------------------------------------------
def may_receive(copy_status: str, manages_copy_community: bool) -> bool:
    """A copy in transit is taken in by the staff it arrives at, wherever it comes from;
    an available copy is moved only by staff of the community it stands in (else staff
    of one community could pull another's shelves into theirs)."""
    return copy_status == "in_transit" or (copy_status == "available" and manages_copy_community)


def availability(title_id: str, copies: list[dict], branches: dict[str, dict],
                 community_id: str | None) -> tuple[list[dict], int]:
    """A title's available copies per branch (``[{branch_id, branch_name, kind, count}]``,
    by branch name; in ``community_id`` when given) and how many copies it has at all."""
    counts, total = {}, 0
    for c in copies:
        if c["title_id"] != title_id:
            continue
        total += 1
        branch = branches.get(c["branch_id"])
        if c["status"] == "available" and branch and (
                community_id is None or branch["community_id"] == community_id):
            counts[c["branch_id"]] = counts.get(c["branch_id"], 0) + 1
    available = [{"branch_id": b, "branch_name": branches[b]["name"],
                  "kind": branches[b]["kind"], "count": n}
                 for b, n in sorted(counts.items(), key=lambda kv: branches[kv[0]]["name"])]
    return available, total
