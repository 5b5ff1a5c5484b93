"""The micro-wish wall ("微心愿") as plain rules: the wish's state machine, its limits,
and who may see who the wisher is.

``pending_review -> open -> claimed -> fulfilled -> closed``; staff approve (with the
points the claimer will earn) or reject a wish under review; the claimer may give a
claim back (``unclaim``), or an unfulfilled claim runs out (the claim-expiry job);
the wisher or staff confirm a fulfilled wish with thanks. Storage enforces each step
with a conditional update on the status read here: of 30 claimers, one matches."""
import datetime as dt

from shared.errors import Conflict, step

STATUSES = ("pending_review", "open", "rejected", "claimed", "fulfilled", "closed")
ON_THE_WALL = ("open", "claimed", "fulfilled", "closed")  # reviewed and approved
MAX_BUDGET_FEN = 20_000  # a micro-wish is small: at most 200 yuan
DEFAULT_POINTS = 5
MAX_POINTS = 50
MASK = "**"

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "approve": (("pending_review",), "open"),
    "reject": (("pending_review",), "rejected"),
    "claim": (("open",), "claimed"),
    "unclaim": (("claimed",), "open"),
    "expire": (("claimed",), "open"),
    "fulfil": (("claimed",), "fulfilled"),
    "confirm": (("fulfilled",), "closed"),
}
PAST = {"approve": "approved", "reject": "rejected", "claim": "claimed",
        "unclaim": "unclaimed", "expire": "expired", "fulfil": "fulfilled",
        "confirm": "confirmed"}


def next_status(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; 409 if none. A wish somebody
    else claimed first answers ``already_claimed``."""
    if action == "claim" and status in ("claimed", "fulfilled", "closed"):
        raise Conflict("somebody has already claimed this wish", code="already_claimed")
    return step(TRANSITIONS, status, action, f"a {status} wish cannot be {PAST[action]}")


def masked_name(name: str | None) -> str:
    """What the wall shows of the wisher: the family name and two stars (王** for
    王小明, also for 王五: the length of the given name is not shown either)."""
    name = (name or "").strip()
    return (name[0] if name else "") + MASK


def sees_wisher(viewer_id: str, manages_community: bool, wish: dict) -> bool:
    """The wisher's name, phone and address are for the wisher, the community's staff,
    and the claimer while the wish is theirs."""
    if viewer_id == wish["wisher_id"] or manages_community:
        return True
    return wish["status"] in ("claimed", "fulfilled", "closed") and viewer_id == wish.get("claimer_id")


def claim_due(claimed_at: dt.datetime, claim_days: float) -> dt.datetime:
    """When an unfulfilled claim runs out and the wish goes back on the wall."""
    return claimed_at + dt.timedelta(days=claim_days)


def home_address(resident: dict) -> str | None:
    """A resident's building and unit as one line (None when neither is known)."""
    parts = [p for p in (resident.get("building"), resident.get("unit")) if p]
    return " ".join(parts) or None
