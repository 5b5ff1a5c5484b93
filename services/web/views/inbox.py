"""The inbox: messages newest first, read one, read all (htmx swaps the one row)."""
from flask import Blueprint, abort, render_template, request, url_for

from services.web import gateway
from services.web.sessions import signed_in
from services.web.views.common import see_other, unread_count

bp = Blueprint("inbox", __name__)


@bp.get("/app/inbox")
@signed_in
def inbox():
    params = {"unread": "true"} if request.args.get("unread") == "true" else None
    answer = gateway.get("/notifications", params=params)
    return render_template("app/inbox.html", messages=answer.items(),
                           only_unread=bool(params), unread_inline=True)


@bp.get("/app/inbox/badge")
@signed_in
def badge():
    """The unread count in the page header, loaded after the page (one gateway call)."""
    return render_template("app/_badge.html", unread=unread_count())


@bp.post("/app/inbox/<message_id>/read")
@signed_in
def read(message_id):
    answer = gateway.post(f"/notifications/{message_id}/read")
    if answer.status in (403, 404):
        abort(404)
    if request.headers.get("HX-Request") and answer.ok:
        return render_template("app/_message.html", message=answer.body)
    return see_other(url_for("inbox.inbox"))


@bp.post("/app/inbox/read-all")
@signed_in
def read_all():
    gateway.post("/notifications/read-all")
    return see_other(url_for("inbox.inbox"))
