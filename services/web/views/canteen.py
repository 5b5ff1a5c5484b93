"""Resident canteen: the week's menus by site, book, cancel, the pickup code."""
import datetime as dt

from flask import Blueprint, abort, g, render_template, request, url_for

from services.web import gateway
from services.web.sessions import signed_in
from services.web.views.common import int_or_none, now, refused, see_other, today

bp = Blueprint("canteen", __name__)


def _week_of_menus(site_id: str | None):
    """The community's sites, the chosen one, and its menus of the next seven days grouped
    by date (two gateway calls)."""
    sites = gateway.get("/canteen/sites", params={"community_id": g.community_id}
                        if g.community_id else None).items()
    site = next((s for s in sites if s["id"] == site_id), sites[0] if sites else None)
    days = []
    if site:
        start = today()
        menus = gateway.get(f"/canteen/sites/{site['id']}/menus",
                            params={"from": start.isoformat(),
                                    "to": (start + dt.timedelta(days=6)).isoformat()}).items()
        order = {"breakfast": 0, "lunch": 1, "dinner": 2}
        menus.sort(key=lambda m: (m["date"], order.get(m["meal"], 9)))
        for menu in menus:
            menu["open"] = _still_open(menu.get("booking_cutoff"))
            if not days or days[-1][0] != menu["date"]:
                days.append((menu["date"], []))
            days[-1][1].append(menu)
    return sites, site, days


def _still_open(cutoff: str | None) -> bool:
    """Whether to offer the booking button (the gateway decides; this only hides a
    button that would certainly be refused)."""
    if not cutoff:
        return True
    try:
        return dt.datetime.fromisoformat(cutoff) > now()
    except ValueError:
        return True


@bp.get("/app/canteen")
@signed_in
def menus():
    sites, site, days = _week_of_menus(request.args.get("site_id"))
    return render_template("app/canteen.html", sites=sites, site=site, days=days, errors={},
                           problem=None, form={})


@bp.post("/app/canteen/bookings")
@signed_in
def book():
    body = {"site_id": request.form.get("site_id", ""), "date": request.form.get("date", ""),
            "meal": request.form.get("meal", ""),
            "portions": int_or_none(request.form.get("portions", "1")) or request.form.get("portions")}
    answer = gateway.post("/canteen/bookings", body)
    if not answer.ok:
        sites, site, days = _week_of_menus(body["site_id"])
        return refused("app/canteen.html", answer, sites=sites, site=site, days=days,
                       failed=(body["date"], body["meal"]))
    return see_other(url_for("canteen.booking", booking_id=answer.body["id"]))


@bp.get("/app/canteen/bookings")
@signed_in
def bookings():
    answer = gateway.get("/canteen/bookings")
    items = answer.items()
    items.sort(key=lambda b: (b["status"] != "booked", b["date"]), reverse=False)
    return render_template("app/bookings.html", bookings=items)


@bp.get("/app/canteen/bookings/<booking_id>")
@signed_in
def booking(booking_id):
    answer = gateway.get(f"/canteen/bookings/{booking_id}")
    if answer.status in (403, 404, 422):
        abort(404)
    return render_template("app/booking.html", booking=answer.body, problem=None)


@bp.post("/app/canteen/bookings/<booking_id>/cancel")
@signed_in
def cancel(booking_id):
    answer = gateway.post(f"/canteen/bookings/{booking_id}/cancel")
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        current = gateway.get(f"/canteen/bookings/{booking_id}")
        return refused("app/booking.html", answer, booking=current.body)
    return see_other(url_for("canteen.booking", booking_id=booking_id))
