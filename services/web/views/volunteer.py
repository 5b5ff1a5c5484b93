"""Volunteer help: order it, follow my requests with their history, rate a finished
one; a team member accepts, rejects and completes what is dispatched to the team."""
from flask import Blueprint, abort, g, render_template, request, url_for

from services.web import gateway
from services.web.sessions import signed_in
from services.web.views.common import int_or_none, refused, see_other

bp = Blueprint("volunteer", __name__)
CATEGORIES = ("elderly_care", "repair", "escort", "cleaning", "tutoring", "companionship", "other")


def _requests():
    items = gateway.get("/volunteer/requests").items()
    mine = [r for r in items if r.get("resident_id") == g.resident_id]
    team = [r for r in items if r.get("resident_id") != g.resident_id]
    return mine, team


@bp.get("/app/volunteer")
@signed_in
def volunteer():
    mine, team = _requests()
    return render_template("app/volunteer.html", mine=mine, team=team, categories=CATEGORIES,
                           errors={}, problem=None, form={})


@bp.post("/app/volunteer/requests")
@signed_in
def order():
    body = {name: request.form.get(name, "").strip()
            for name in ("category", "description", "address", "preferred_time", "urgency")}
    if not body["preferred_time"]:
        body.pop("preferred_time")
    body["urgency"] = body["urgency"] or "normal"
    answer = gateway.post("/volunteer/requests", body)
    if not answer.ok:
        mine, team = _requests()
        return refused("app/volunteer.html", answer, mine=mine, team=team, categories=CATEGORIES)
    return see_other(url_for("volunteer.detail", request_id=answer.body["id"]))


def _one(request_id):
    answer = gateway.get(f"/volunteer/requests/{request_id}")
    if answer.status in (403, 404, 422):
        abort(404)
    return answer.body


@bp.get("/app/volunteer/requests/<request_id>")
@signed_in
def detail(request_id):
    return render_template("app/request.html", item=_one(request_id), errors={}, problem=None,
                           form={})


@bp.post("/app/volunteer/requests/<request_id>/<action>")
@signed_in
def act(request_id, action):
    http = request
    bodies = {
        "cancel": lambda: {},
        "accept": lambda: {},
        "reject": lambda: {"reason": http.form.get("reason", "")},
        "complete": lambda: {"hours": _number(http.form.get("hours")),
                             "volunteer_ids": http.form.getlist("volunteer_ids") or [g.resident_id]},
        "confirm": lambda: {"rating": int_or_none(http.form.get("rating")) or http.form.get("rating"),
                            **({"comment": http.form["comment"]} if http.form.get("comment") else {})},
    }
    if action not in bodies:
        abort(404)
    answer = gateway.post(f"/volunteer/requests/{request_id}/{action}", bodies[action]())
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        return refused("app/request.html", answer, item=_one(request_id))
    return see_other(url_for("volunteer.detail", request_id=request_id))


def _number(text):
    try:
        value = float(text)
        return int(value) if value.is_integer() else value
    except (TypeError, ValueError):
        return text
