"""The request state machine and the SLA, as plain rules.

``submitted -> dispatched -> accepted -> completed -> closed``; a dispatched request
goes back to ``submitted`` when the team rejects it or the SLA runs out; the resident
may cancel while it is ``submitted`` or ``dispatched``. Storage enforces each step
with a conditional update on the status read here, so a racing step loses."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from shared.errors import Forbidden, Invalid, step
from shared.mongo import new_id

CATEGORIES = ("elderly_care", "repair", "escort", "cleaning", "tutoring",
              "companionship", "other")
URGENCIES = ("normal", "urgent")
STATUSES = ("submitted", "dispatched", "accepted", "completed", "closed", "cancelled")
OPEN = ("dispatched", "accepted")  # the team's open load

# action -> (statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "dispatch": (("submitted",), "dispatched"),
    "accept": (("dispatched",), "accepted"),
    "reject": (("dispatched",), "submitted"),
    "escalate": (("dispatched",), "submitted"),
    "complete": (("accepted",), "completed"),
    "confirm": (("completed",), "closed"),
    "cancel": (("submitted", "dispatched"), "cancelled"),
}

SLA_MINUTES = {"normal": 30, "urgent": 10}
POINTS_PER_HOUR = 10
MAX_HOURS = 24
# the least service that earns a point (points are rounded half up): 0.05 h at 10/h
MIN_HOURS = float(Decimal("0.5") / POINTS_PER_HOUR)
SYSTEM = "system"  # who the SLA job acts as in a request's history


def next_status(status: str, action: str) -> str:
    """The status ``action`` leads to from ``status``; 409 illegal_transition if none."""
    return step(TRANSITIONS, status, action, f"a {status} request cannot be {_past(action)}")


def _past(action: str) -> str:
    return {"dispatch": "dispatched", "accept": "accepted", "reject": "rejected",
            "escalate": "escalated", "complete": "completed", "confirm": "confirmed",
            "cancel": "cancelled"}[action]


def history_entry(at: dt.datetime, by: str, from_status: str | None, to_status: str,
                  note: str | None = None) -> dict:
    return {"at": at, "by": by, "from": from_status, "to": to_status, "note": note}


def sla_due(dispatched_at: dt.datetime, urgency: str) -> dt.datetime:
    """When a dispatched request that nobody accepted is escalated (at the last
    instant the calendar holds, if the deadline would fall past the year 9999)."""
    try:
        return dispatched_at + dt.timedelta(minutes=SLA_MINUTES[urgency])
    except OverflowError:
        return dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def is_overdue(sla_due_at: dt.datetime, as_of: dt.datetime) -> bool:
    return sla_due_at <= as_of


def points_for(hours, points_per_hour: int = POINTS_PER_HOUR) -> int:
    """Points a volunteer earns for ``hours`` of service, rounded half up."""
    return int((Decimal(str(hours)) * points_per_hour).quantize(Decimal(1), ROUND_HALF_UP))


def hours_problem(hours) -> str | None:
    """Why ``hours`` cannot be reported as a length of service, or None. Service too
    short to earn a point is refused when it is reported: a credit of 0 points is no
    transfer, and the request could never be confirmed."""
    if hours is None or hours != hours or hours <= 0:
        return f"at least {MIN_HOURS:g} hours (the least that earns a point)"
    if hours > MAX_HOURS:
        return f"at most {MAX_HOURS} hours"
    if points_for(hours) < 1:
        return f"at least {MIN_HOURS:g} hours (the least that earns a point)"
    return None


def serves_own_request(requester_id: str, volunteer_ids) -> bool:
    """A resident who asked for help is not the volunteer who helps: taking on or
    reporting work on one's own request would credit points to oneself."""
    return requester_id in volunteer_ids


def credits(requester_id: str, volunteer_ids, hours) -> list[dict]:
    """Who is credited how much when the requester confirms: each volunteer but the
    requester, ``points_for(hours)`` each, nobody for 0 points (requests completed
    before these rules were enforced at ``complete`` still close)."""
    points = points_for(hours)
    if points < 1:
        return []
    return [{"volunteer_id": v, "points": points} for v in volunteer_ids
            if not serves_own_request(requester_id, [v])]


def strangers(volunteer_ids, members) -> list[str]:
    """The listed volunteers who are not members of the team."""
    members = set(members)
    return [v for v in volunteer_ids if v not in members]


def check_volunteers(requester_id: str, volunteer_ids, members):
    """Who reports work: members of the team, never the requester (422 naming
    ``volunteer_ids``)."""
    outsiders = strangers(volunteer_ids, members)
    if outsiders:
        raise Invalid("every volunteer must be a member of the team",
                      details={"volunteer_ids": [f"not a member: {s}" for s in outsiders]})
    if serves_own_request(requester_id, volunteer_ids):
        raise Invalid("the requester cannot be a volunteer on their own request",
                      details={"volunteer_ids": [f"the requester of this request: {requester_id}"]})


def check_member(resident: dict | None, team: dict):
    """A team's members are residents (not staff) of the team's community."""
    if (not resident or resident["community_id"] != team["community_id"]
            or resident["role"] != "resident"):
        raise Invalid("not a resident of this team's community",
                      details={"resident_id": ["not a resident of this community"]})


def check_not_own(requester_id: str, member_id: str):
    if serves_own_request(requester_id, [member_id]):
        raise Forbidden("you cannot take on your own request", code="own_request")


# -- a request's documents and events --------------------------------------------------
# What a request holds while no team has it (after a reject or an escalation).
NO_TEAM = {"team_id": None, "team_name": None, "member_ids": [], "dispatched_at": None,
           "sla_due_at": None}


def new_request(data: dict, resident_id: str, community_id: str, now: dt.datetime) -> dict:
    """A resident's request as stored: ``submitted``, no team yet."""
    return {"_id": new_id(), **data, "resident_id": resident_id, "community_id": community_id,
            "status": "submitted", "team_id": None, "team_name": None, "member_ids": [],
            "dispatched_at": None, "sla_due_at": None, "hours": None, "volunteer_ids": [],
            "rating": None, "comment": None, "escalations": 0,
            "history": [history_entry(now, resident_id, None, "submitted")],
            "created_at": now, "updated_at": now}


def dispatch_changes(team: dict, urgency: str, now: dt.datetime) -> dict:
    """A dispatch hands the request to the team's members and starts the SLA."""
    return {"team_id": team["_id"], "team_name": team["name"], "member_ids": team["members"],
            "dispatched_at": now, "sla_due_at": sla_due(now, urgency)}


def event_of(request: dict, *fields: str, **extra) -> dict:
    """The data of an event about ``request``: its id, requester and community, the
    named fields of the request, and ``extra``."""
    return {"request_id": request["_id"], "resident_id": request["resident_id"],
            "community_id": request["community_id"],
            **{name: request.get(name) for name in fields}, **extra}
