"""The needs list as plain rules: what a need is, who records it, where it goes.

``open -> routed -> resolved``; staff may close a need that is ``open`` or ``routed``
with a resolution; a routed need is ``open`` again when its request is cancelled or its
wish rejected. A routed need points at what was made of it (``ref``): a
volunteer request submitted on the resident's behalf, or a wish of that resident on
the wall; it becomes ``resolved`` by itself when that request is closed or that wish
fulfilled. Storage enforces each step with a conditional update on the status read
here, so of two racing steps one wins."""
from shared.errors import step

CATEGORIES = ("culture", "hardship", "safety", "health", "elderly_care", "childcare", "other")
SOURCES = ("app", "visit", "phone", "walk_in")
STATUSES = ("open", "routed", "resolved", "closed")
ROUTES = ("volunteer_request", "wish")

# action -> (statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "route": (("open",), "routed"),
    "resolve": (("routed",), "resolved"),
    "close": (("open", "routed"), "closed"),
    # what it was routed to came to nothing (the request cancelled, the wish rejected)
    "reopen": (("routed",), "open"),
}

# The volunteer request a need becomes: the nearest of the volunteer categories.
VOLUNTEER_CATEGORY = {
    "culture": "companionship", "hardship": "other", "safety": "repair", "health": "escort",
    "elderly_care": "elderly_care", "childcare": "tutoring", "other": "other",
}
WISH_TITLE_LENGTH = 30
NO_ADDRESS = "见社区网格员登记"  # a request needs an address; the grid worker has it


def next_status(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; 409 illegal_transition if none."""
    return step(TRANSITIONS, status, action, f"a need that is {status} cannot be {_past(action)}")


def _past(action: str) -> str:
    return {"route": "routed", "resolve": "resolved", "close": "closed",
            "reopen": "reopened"}[action]


def source_problem(recorded_by_staff: bool, source: str) -> str | None:
    """A resident records their own need in the app; staff record what they heard on
    a visit, a call or at the desk."""
    if recorded_by_staff and source == "app":
        return "staff record a need from a visit, a phone call or a walk-in"
    if not recorded_by_staff and source != "app":
        return "a resident records a need in the app"
    return None


def volunteer_request_for(need: dict, home_address: str | None) -> dict:
    """The volunteer request submitted for ``need`` on the resident's behalf."""
    return {"category": VOLUNTEER_CATEGORY[need["category"]],
            "description": need["description"],
            "address": need.get("address") or home_address or NO_ADDRESS,
            "urgency": "urgent" if need["category"] == "safety" else "normal"}


def wish_title_for(need: dict) -> str:
    """A wish made of a need is titled by the start of its description."""
    text = " ".join(need["description"].split())
    return text if len(text) <= WISH_TITLE_LENGTH else text[:WISH_TITLE_LENGTH - 1] + "…"


def summary(rows: list[dict]) -> dict:
    """The needs list the community reports on: how many in each category and status
    (every category and status named, zeros included)."""
    by_category = dict.fromkeys(CATEGORIES, 0)
    by_status = dict.fromkeys(STATUSES, 0)
    for row in rows:
        by_category[row["category"]] = by_category.get(row["category"], 0) + 1
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
    return {"by_category": by_category, "by_status": by_status, "total": len(rows)}
