"""Needs and micro-wishes. Residents: record a need and follow it (/app/needs); post a
wish, browse the wall, claim, fulfil, confirm with thanks (/app/wishes). Staff: the
needs list with its summary, record a need for a resident who phoned or walked in,
route and close (/console/needs); review wishes and confirm them (/console/wishes)."""
from flask import Blueprint, abort, request, url_for
from flask import render_template
from flask_babel import lazy_gettext as L

from services.web import gateway
from services.web.sessions import signed_in, staff_only
from services.web.views.common import int_or_none, refused, see_other, yuan_to_fen

bp = Blueprint("needs", __name__)

NEED_CATEGORIES = {"culture": L("culture"), "hardship": L("hardship"), "safety": L("safety"),
                   "health": L("health"), "elderly_care": L("elderly care"),
                   "childcare": L("childcare"), "other": L("other")}
SOURCES = {"app": L("in the app"), "visit": L("home visit"), "phone": L("phone call"),
           "walk_in": L("walk-in at the desk")}
NEED_STATES = {"open": L("open"), "routed": L("passed on"), "resolved": L("resolved"),
               "closed": L("closed")}
WISH_STATES = {"pending_review": L("under review"), "open": L("waiting for a neighbour"),
               "rejected": L("not approved"), "claimed": L("claimed"),
               "fulfilled": L("fulfilled"), "closed": L("thanked")}
ROUTES = {"volunteer_request": L("a volunteer request"), "wish": L("the wish wall")}
TABLES = {"NEED_CATEGORIES": NEED_CATEGORIES, "SOURCES": SOURCES, "NEED_STATES": NEED_STATES,
          "WISH_STATES": WISH_STATES, "ROUTES": ROUTES}
WISH_ACTIONS = ("claim", "unclaim", "fulfil", "confirm")


def _form(*names):
    return {name: request.form.get(name, "").strip() for name in names}


def _page(template, status=None, answer=None, **context):
    """The page, or (``answer`` refused) the page with the refusal next to the form."""
    context = {**TABLES, **context}
    if answer is not None:
        return refused(template, answer, status, **context)
    return render_template(template, errors={}, problem=None, form={}, **context)


# -- resident: needs ---------------------------------------------------------------
def _my_needs():
    return {"needs": gateway.get("/needs").items()}


@bp.get("/app/needs")
@signed_in
def my_needs():
    return _page("app/needs.html", recorded=request.args.get("recorded"), **_my_needs())


@bp.post("/app/needs")
@signed_in
def record_need():
    body = {**_form("category", "description", "address"), "source": "app"}
    if not body["address"]:
        body.pop("address")
    answer = gateway.post("/needs", body)
    if not answer.ok:
        return _page("app/needs.html", answer=answer, recorded=None, **_my_needs())
    return see_other(url_for("needs.my_needs", recorded=1))


# -- resident: the wish wall --------------------------------------------------------
def _wall():
    return {"wall": gateway.get("/wishes").items(),
            "wished": gateway.get("/wishes", params={"mine": "wished"}).items(),
            "claimed": gateway.get("/wishes", params={"mine": "claimed",
                                                      "status": "claimed"}).items()}


@bp.get("/app/wishes")
@signed_in
def wishes():
    return _page("app/wishes.html", **_wall())


@bp.post("/app/wishes")
@signed_in
def post_wish():
    body = _form("title", "description")
    budget = yuan_to_fen(request.form.get("budget_fen"))
    if budget is not None:
        body["budget_fen"] = budget
    answer = gateway.post("/wishes", body)
    if not answer.ok:
        return _page("app/wishes.html", answer=answer, **_wall())
    return see_other(url_for("needs.wishes") + "#mine")


@bp.post("/app/wishes/<wish_id>/<action>")
@signed_in
def wish_step(wish_id, action):
    if action not in WISH_ACTIONS:
        abort(404)
    body = {"fulfil": lambda: _form("note"),
            "confirm": lambda: {k: v for k, v in _form("thanks").items() if v}}.get(
        action, dict)()
    answer = gateway.post(f"/wishes/{wish_id}/{action}", body)
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        return _page("app/wishes.html", answer=answer, **_wall())
    return see_other(url_for("needs.wishes") + f"#wish-{wish_id}")


# -- console: the needs list ---------------------------------------------------------
def _needs_list(status=None, category=None, q=None):
    params = {k: v for k, v in (("status", status), ("category", category)) if v}
    found = gateway.get("/residents", params={"q": q}).items() if q else []
    return {"needs": gateway.get("/needs", params=params).items(),
            "summary": gateway.get("/needs/summary").body or {},
            "status": status, "category": category, "q": q or "",
            "found": [r for r in found if r.get("role") == "resident"]}


@bp.get("/console/needs")
@staff_only
def console_needs():
    args = request.args
    status = args.get("status") if args.get("status") in NEED_STATES else None
    category = args.get("category") if args.get("category") in NEED_CATEGORIES else None
    return _page("console/needs.html", resident_id=args.get("resident_id", ""),
                 **_needs_list(status, category, args.get("q", "").strip()))


@bp.post("/console/needs")
@staff_only
def record_for_resident():
    body = _form("resident_id", "category", "description", "address", "source")
    if not body["address"]:
        body.pop("address")
    answer = gateway.post("/needs", body)
    if not answer.ok:
        return _page("console/needs.html", answer=answer, resident_id=body["resident_id"],
                     **_needs_list())
    return see_other(url_for("needs.console_needs") + f"#need-{answer.body['id']}")


@bp.post("/console/needs/<need_id>/<action>")
@staff_only
def need_step(need_id, action):
    bodies = {"route": lambda: _form("to"), "close": lambda: _form("resolution")}
    if action not in bodies:
        abort(404)
    answer = gateway.post(f"/needs/{need_id}/{action}", bodies[action]())
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        return _page("console/needs.html", answer=answer, resident_id="", **_needs_list())
    return see_other(url_for("needs.console_needs") + f"#need-{need_id}")


# -- console: reviewing wishes --------------------------------------------------------
def _review(status):
    return {"wishes": gateway.get("/wishes", params={"status": status}).items(),
            "status": status}


@bp.get("/console/wishes")
@staff_only
def console_wishes():
    status = request.args.get("status") if request.args.get("status") in WISH_STATES \
        else "pending_review"
    return _page("console/wishes.html", **_review(status))


@bp.post("/console/wishes/<wish_id>/<action>")
@staff_only
def review(wish_id, action):
    bodies = {"approve": lambda: {"points": int_or_none(request.form.get("points"))
                                  if request.form.get("points", "").strip() else None},
              "reject": lambda: _form("reason"),
              "confirm": lambda: {k: v for k, v in _form("thanks").items() if v}}
    if action not in bodies:
        abort(404)
    body = {k: v for k, v in bodies[action]().items() if v is not None}
    answer = gateway.post(f"/wishes/{wish_id}/{action}", body)
    if answer.status == 404:
        abort(404)
    status = request.form.get("status") or "pending_review"
    if not answer.ok:
        return _page("console/wishes.html", answer=answer, **_review(status))
    return see_other(url_for("needs.console_wishes", status=status))
