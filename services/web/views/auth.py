"""Sign up, sign in, sign out; the language and elder-mode switches."""
from flask import Blueprint, make_response, redirect, render_template, request, url_for

from services.web import gateway, sessions
from services.web.views.common import refused, see_other

bp = Blueprint("auth", __name__)


@bp.get("/")
def root():
    return redirect(url_for("home.home"), 303)


@bp.get("/app/login")
def login():
    return render_template("app/login.html", errors={}, problem=None, form={},
                           next=sessions.safe_next(request.args.get("next")))


@bp.post("/app/login")
def login_post():
    target = sessions.safe_next(request.form.get("next"))
    answer = gateway.post("/auth/token", {"phone": request.form.get("phone", ""),
                                          "password": request.form.get("password", "")},
                          signed_in=False)
    replay = sessions.safe_next(request.form.get("replay"), default="")
    carried = sessions.carried_form(sessions.CARRY_PREFIX)
    if not answer.ok:
        return refused("app/login.html", answer, next=target, replay=replay, carried=carried)
    if target == "/app" and answer.body.get("role") in ("staff", "admin"):
        target = "/console"
    resume = bool(replay and carried)  # the form sent when the session ended
    response = make_response() if resume else see_other(target)
    sessions.sign_in(response, answer.body["access_token"], answer.body.get("expires_in", 3600))
    if resume:  # rendered after the sign-in: the page carries the new session's CSRF token
        # what the resident wrote in words (not the form's codes), shown before sending
        written = [v.strip()[:200] for _, v in carried
                   if v.strip() and (not v.isascii() or " " in v.strip())]
        response.set_data(render_template("app/resume.html", replay=replay, carried=carried,
                                          written=written, back=target))
    return response


def _communities() -> list[dict]:
    """The communities to choose from (public); none when the gateway does not answer:
    the page then asks for the community code from the centre's poster instead."""
    try:
        answer = gateway.get("/communities", signed_in=False)
    except gateway.GatewayDown:
        return []
    return answer.body if answer.ok and isinstance(answer.body, list) else []


@bp.get("/app/register")
def register():
    form = {"community_id": request.args.get("community_id", "")}
    return render_template("app/register.html", errors={}, problem=None, form=form,
                           communities=_communities())


@bp.post("/app/register")
def register_post():
    fields = ("phone", "password", "name", "birth_date", "community_id", "building", "unit")
    body = {name: request.form.get(name, "").strip() for name in fields}
    body["password"] = request.form.get("password", "")
    body = {k: v for k, v in body.items() if v or k not in ("building", "unit")}
    answer = gateway.post("/auth/register", body, signed_in=False)
    if not answer.ok:
        return refused("app/register.html", answer, communities=_communities())
    signed = gateway.post("/auth/token", {"phone": body["phone"], "password": body["password"]},
                          signed_in=False)
    if not signed.ok:
        return see_other(url_for("auth.login"))
    response = see_other(url_for("home.home"))
    sessions.sign_in(response, signed.body["access_token"], signed.body.get("expires_in", 3600))
    return response


@bp.post("/app/logout")
def logout():
    response = see_other(url_for("auth.login"))
    sessions.sign_out(response)
    return response


@bp.post("/app/elder")
def elder():
    """Switch elder mode (长辈版) on or off; back to the page it was switched on."""
    response = see_other(request.form.get("next") or "/app")
    if request.form.get("elder") == "1":
        response.set_cookie(sessions.ELDER_COOKIE, "1", max_age=365 * 86400, httponly=True,
                            samesite="Lax", path="/")
    else:
        response.delete_cookie(sessions.ELDER_COOKIE, path="/")
    return response
