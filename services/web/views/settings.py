"""Settings: the language messages come in, quiet hours, muted categories."""
from flask import Blueprint, g, render_template, request, url_for

from services.web import gateway, i18n
from services.web.sessions import signed_in
from services.web.views.common import refused, see_other

bp = Blueprint("settings", __name__)


def _page(preferences, **context):
    return render_template("app/settings.html", preferences=preferences or {},
                           categories=i18n.NOTICE_CATEGORIES, **context)


@bp.get("/app/settings")
@signed_in
def settings():
    me = gateway.get("/me")
    answer = gateway.get("/notifications/preferences")
    return _page(answer.body, me=me.body, errors={}, problem=None, saved=request.args.get("saved"))


@bp.post("/app/settings")
@signed_in
def save():
    start, end = request.form.get("quiet_start", ""), request.form.get("quiet_end", "")
    body = {"language": request.form.get("language", "zh-CN"),
            "muted_categories": request.form.getlist("muted_categories"),
            "quiet_hours": {"start": start, "end": end} if start and end else None}
    answer = gateway.put("/notifications/preferences", body)
    if not answer.ok:
        me = gateway.get("/me")
        return refused("app/settings.html", answer, preferences=body, me=me.body,
                       categories=i18n.NOTICE_CATEGORIES)
    g.set_language = body["language"] if body["language"] in i18n.LANGUAGES else None
    return see_other(url_for("settings.settings", saved=1))
