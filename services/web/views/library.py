"""Library: search with availability per branch, my loans (renew), my holds, and the
page a copy's QR code opens (one tap borrows it)."""
from flask import Blueprint, abort, render_template, request, url_for

from services.web import gateway
from services.web.sessions import signed_in
from services.web.views.common import refused, see_other

bp = Blueprint("library", __name__)


def _search(q: str):
    titles = gateway.get("/library/titles", params={"q": q, "limit": 30}).items() if q else []
    branches = gateway.get("/library/branches").items() if titles else []
    return titles, branches


@bp.get("/app/library")
@signed_in
def search():
    q = request.args.get("q", "").strip()
    titles, branches = _search(q)
    return render_template("app/library.html", q=q, titles=titles, branches=branches,
                           errors={}, problem=None, held=request.args.get("held"))


@bp.post("/app/library/holds")
@signed_in
def place_hold():
    body = {"title_id": request.form.get("title_id", ""),
            "pickup_branch_id": request.form.get("pickup_branch_id", "")}
    answer = gateway.post("/library/holds", body)
    if not answer.ok:
        q = request.form.get("q", "")
        titles, branches = _search(q)
        return refused("app/library.html", answer, q=q, titles=titles, branches=branches,
                       held=None, failed_title=body["title_id"])
    return see_other(url_for("library.holds"))


@bp.get("/app/library/loans")
@signed_in
def loans():
    items = gateway.get("/library/loans").items()
    items.sort(key=lambda loan: (loan["status"] == "returned", loan.get("due_date") or ""))
    return render_template("app/loans.html", loans=items, problem=None,
                           renewed=request.args.get("renewed"))


@bp.post("/app/library/loans/<loan_id>/renew")
@signed_in
def renew(loan_id):
    answer = gateway.post(f"/library/loans/{loan_id}/renew")
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        items = gateway.get("/library/loans").items()
        return refused("app/loans.html", answer, loans=items, renewed=None, failed_loan=loan_id)
    return see_other(url_for("library.loans", renewed=loan_id))


@bp.get("/app/library/holds")
@signed_in
def holds():
    return render_template("app/holds.html", holds=gateway.get("/library/holds").items())


@bp.post("/app/library/holds/<hold_id>/cancel")
@signed_in
def cancel_hold(hold_id):
    answer = gateway.delete(f"/library/holds/{hold_id}")
    if answer.status in (403, 404):
        abort(404)
    return see_other(url_for("library.holds"))


def _copy_page(code: str, **context):
    copy = gateway.get(f"/library/copies/{code}")
    if copy.status in (404, 422):
        abort(404)
    title = gateway.get(f"/library/titles/{copy.body['title_id']}")
    return copy.body, (title.body if title.ok else {})


@bp.get("/app/scan/<code>")
@signed_in
def scan(code):
    copy, title = _copy_page(code)
    return render_template("app/scan.html", copy=copy, title=title, problem=None)


@bp.post("/app/scan/<code>")
@signed_in
def borrow(code):
    copy, title = _copy_page(code)
    answer = gateway.post("/library/loans", {"code": code, "branch_id": copy["branch_id"]})
    if not answer.ok:
        return refused("app/scan.html", answer, copy=copy, title=title)
    return see_other(url_for("library.loans", borrowed=answer.body["id"]))
