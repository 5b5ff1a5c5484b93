"""Classes and gatherings: residents browse this week and next, sign up themselves
and family, see their place on the waitlist and answer an offer (/app/activities);
staff publish activities with sessions, see rosters and mark attendance at the door
(/console/activities)."""
import datetime as dt

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as L

from services.web import gateway
from services.web.sessions import signed_in, staff_only
from services.web.views.common import int_or_none, now, refused, see_other, today

bp = Blueprint("activities", __name__)
SHOWN_DAYS = 14  # this week and next
FAMILY_ROWS = 3  # the caller and up to three more: a party of four
KINDS = {"class": L("class"), "course": L("course"), "talk": L("talk"),
         "screening": L("screening"), "gathering": L("gathering")}
SIGNUP_STATES = {"confirmed": L("confirmed"), "waitlisted": L("on the waitlist"),
                 "offered": L("seats offered"), "cancelled": L("cancelled"),
                 "declined": L("declined"), "expired": L("offer expired")}
ACTIONS = ("accept", "decline", "cancel")


def _labels():
    return {"KINDS": KINDS, "SIGNUP_STATES": SIGNUP_STATES}


def _coming(items):
    """The activities that start before the end of next week, soonest first."""
    last = today() + dt.timedelta(days=SHOWN_DAYS)
    shown = [a for a in items if dt.date.fromisoformat(a["starts_at"][:10]) < last]
    return sorted(shown, key=lambda a: a["starts_at"])


def _app_context():
    activities = _coming(gateway.get("/activities", params={
        "from": today().isoformat(), "limit": 200}).items())
    signups = gateway.get("/activities/signups", params={"limit": 200}).items()
    mine = {s["activity_id"]: s for s in signups
            if s["status"] in ("confirmed", "waitlisted", "offered")}
    return {"activities": activities, "mine": mine, "signups": signups,
            "me": gateway.get("/me").body or {}, "family_rows": FAMILY_ROWS, **_labels()}


@bp.get("/app/activities")
@signed_in
def browse():
    return render_template("app/activities.html", errors={}, problem=None, form={},
                           failed=None, **_app_context())


def _party_from_form(form):
    party = [{"name": form.get("name", "").strip(), "birth_date": form.get("birth_date", "")}]
    for name, born in zip(form.getlist("member_name"), form.getlist("member_birth_date")):
        if name.strip() or born.strip():
            party.append({"name": name.strip(), "birth_date": born.strip()})
    return party


@bp.post("/app/activities/<activity_id>/signups")
@signed_in
def sign_up(activity_id):
    answer = gateway.post(f"/activities/{activity_id}/signups",
                          {"party": _party_from_form(request.form)})
    if not answer.ok:
        return refused("app/activities.html", answer, failed=activity_id, **_app_context())
    return see_other(url_for("activities.browse", _anchor=f"signup-{answer.body['id']}"))


@bp.post("/app/activities/signups/<signup_id>/<action>")
@signed_in
def answer_signup(signup_id, action):
    if action not in ACTIONS:
        abort(404)
    answer = gateway.post(f"/activities/signups/{signup_id}/{action}")
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        return refused("app/activities.html", answer, failed=None, **_app_context())
    return see_other(url_for("activities.browse", _anchor=f"signup-{signup_id}"))


# -- the console -----------------------------------------------------------------------
def _console_context():
    items = gateway.get("/activities", params={"from": today().isoformat(), "limit": 200}).items()
    return {"activities": sorted(items, key=lambda a: a["starts_at"]),
            "default_date": (today() + dt.timedelta(days=7)).isoformat(), **_labels()}


@bp.get("/console/activities")
@staff_only
def console():
    return render_template("console/activities.html", errors={}, problem=None, form={},
                           **_console_context())


def _instant(day: str, time: str) -> str:
    """``2026-12-05`` and ``09:30`` as an instant in the community's time zone; the text
    as typed when it is not one, so the gateway names the field."""
    try:
        local = dt.datetime.fromisoformat(f"{day}T{time}")
    except ValueError:
        return f"{day}T{time}"
    return local.replace(tzinfo=now().tzinfo).isoformat()


def _activity_from_form(form):
    day, start, end = form.get("date", ""), form.get("start", ""), form.get("end", "")
    weeks = max(1, min(int_or_none(form.get("weeks")) or 1, 12))
    sessions = []
    for week in range(weeks):
        try:
            on = (dt.date.fromisoformat(day) + dt.timedelta(weeks=week)).isoformat()
        except ValueError:
            on = day
        sessions.append({"start": _instant(on, start), "end": _instant(on, end)})
    body = {"community_id": form.get("community_id") or None, "title": form.get("title", ""),
            "kind": form.get("kind", ""), "description": form.get("description", ""),
            "sessions": sessions, "location": form.get("location", ""),
            "capacity": int_or_none(form.get("capacity")) or form.get("capacity"),
            "signup_closes_at": _instant(form.get("closes_date") or day,
                                         form.get("closes_time") or start),
            "attendance_points": int_or_none(form.get("attendance_points")) or 0}
    for name in ("min_age", "max_age", "birthday_month"):
        if form.get(name, "").strip():
            body[name] = int_or_none(form[name]) if int_or_none(form[name]) is not None \
                else form[name]
    return body


@bp.post("/console/activities")
@staff_only
def publish():
    body = _activity_from_form(request.form)
    if not body["community_id"]:
        body["community_id"] = (gateway.get("/me").body or {}).get("community_id")
    answer = gateway.post("/activities", body)
    if not answer.ok:
        return refused("console/activities.html", answer, **_console_context())
    return see_other(url_for("activities.roster", activity_id=answer.body["id"]))


def _roster_context(activity_id):
    activity = gateway.get(f"/activities/{activity_id}")
    if activity.status in (403, 404):
        abort(404)
    signups = gateway.get(f"/activities/{activity_id}/signups", params={"limit": 200})
    if signups.status == 403:
        abort(404)
    order = {"confirmed": 0, "offered": 1, "waitlisted": 2}
    items = sorted(signups.items(), key=lambda s: (order.get(s["status"], 3),
                                                   s.get("position") or 0))
    return {"activity": activity.body, "signups": items, **_labels()}


@bp.get("/console/activities/<activity_id>")
@staff_only
def roster(activity_id):
    return render_template("console/activity.html", errors={}, problem=None,
                           **_roster_context(activity_id))


@bp.post("/console/activities/<activity_id>/attendance")
@staff_only
def attendance(activity_id):
    signup_id = request.form.get("signup_id", "")
    answer = gateway.post(f"/activities/{activity_id}/attendance",
                          {"signup_id": signup_id, "attended": True})
    if not answer.ok:
        return refused("console/activity.html", answer, **_roster_context(activity_id))
    return see_other(url_for("activities.roster", activity_id=activity_id,
                             _anchor=f"signup-{signup_id}"))
