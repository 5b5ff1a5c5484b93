"""The staff console: today, menus, the counter, the lending desk, dispatch,
residents, rewards and jobs. Staff see their community (the gateway scopes every
answer); an admin sees every community.

Longer than ~300 lines: eight small pages of the original console, each a view or two
of a few lines; the newer capabilities' console pages live in their own modules."""
import datetime as dt

from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import gettext as _

from services.web import gateway
from services.web.sessions import staff_only
from services.web.views.common import int_or_none, now, refused, see_other, today, yuan_to_fen

bp = Blueprint("console", __name__, url_prefix="/console")
MEALS = ("breakfast", "lunch", "dinner")
JOBS = ("canteen-no-show", "canteen-pickup-reminder", "library-overdue", "library-hold-expiry",
        "volunteer-sla", "facilities-no-show", "facilities-equipment-overdue",
        "needs-claim-expiry", "directory-stale", "activities-offer-expiry")
GROUPS = ("sanitation_worker", "delivery_rider", "property_staff", "elderly_alone")


def _sites():
    params = {"community_id": g.community_id} if g.community_id else None
    return gateway.get("/canteen/sites", params=params).items()


def _chosen(items, wanted):
    return next((i for i in items if i["id"] == wanted), items[0] if items else None)


def _current_meal() -> str:
    hour = now().hour
    return "breakfast" if hour < 10 else "lunch" if hour < 15 else "dinner"


@bp.get("")
@staff_only
def today_page():
    """The community's day in one gateway call: kitchens, help waiting, the desk."""
    day = gateway.get("/console/today").body or {}
    return render_template("console/today.html", day=day.get("date", today().isoformat()),
                           kitchens=day.get("kitchens", []),
                           waiting=day.get("waiting_requests", []), desk=day.get("desk") or {})


# -- menus ---------------------------------------------------------------------------
def _menus_context(site_id):
    sites = _sites()
    site = _chosen(sites, site_id)
    start = today()
    menus = []
    if site:
        menus = gateway.get(f"/canteen/sites/{site['id']}/menus",
                            params={"from": start.isoformat(),
                                    "to": (start + dt.timedelta(days=6)).isoformat()}).items()
    return {"sites": sites, "site": site, "menus": menus, "meals": MEALS,
            "default_date": (start + dt.timedelta(days=1)).isoformat()}


@bp.get("/menus")
@staff_only
def menus():
    return render_template("console/menus.html", errors={}, problem=None, form={},
                           copied=request.args.get("copied"),
                           **_menus_context(request.args.get("site_id")))


def _dishes_from_form(form):
    dishes = []
    names = form.getlist("name")
    prices = form.getlist("price_fen")
    weighed = form.getlist("price_per_100g_fen")
    tags = form.getlist("tags")
    for i, name in enumerate(names):
        if not name.strip():
            continue
        dish = {"name": name.strip(), "tags": [t.strip() for t in (tags[i] if i < len(tags) else "").replace("，", ",").split(",") if t.strip()]}
        price = yuan_to_fen(prices[i] if i < len(prices) else "")
        per_100g = yuan_to_fen(weighed[i] if i < len(weighed) else "")
        if per_100g is not None:
            dish["price_per_100g_fen"] = per_100g
        else:
            dish["price_fen"] = price
        dishes.append(dish)
    return dishes


def _cutoff(text: str, date: str):
    """The datetime-local field as an instant with the community's offset."""
    text = (text or "").strip()
    if not text:
        return text
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return local.replace(tzinfo=now().tzinfo).isoformat() if local.tzinfo is None else text


@bp.post("/menus")
@staff_only
def publish():
    site_id, date, meal = (request.form.get(k, "") for k in ("site_id", "date", "meal"))
    body = {"capacity": int_or_none(request.form.get("capacity")) or request.form.get("capacity"),
            "booking_cutoff": _cutoff(request.form.get("booking_cutoff"), date),
            "dishes": _dishes_from_form(request.form)}
    if meal not in MEALS or not site_id or not date:
        abort(404)
    answer = gateway.put(f"/canteen/sites/{site_id}/menus/{date}/{meal}", body)
    if not answer.ok:
        return refused("console/menus.html", answer, copied=None, **_menus_context(site_id))
    return see_other(url_for("console.menus", site_id=site_id))


@bp.post("/menus/copy-last-week")
@staff_only
def copy_last_week():
    """Publish last week's menus again seven days later (the cutoffs moved with them)."""
    site_id = request.form.get("site_id", "")
    start = today()
    last = gateway.get(f"/canteen/sites/{site_id}/menus",
                       params={"from": (start - dt.timedelta(days=7)).isoformat(),
                               "to": (start - dt.timedelta(days=1)).isoformat()})
    if last.status in (403, 404, 422):
        abort(404)
    copied = 0
    for menu in last.items():
        date = (dt.date.fromisoformat(menu["date"]) + dt.timedelta(days=7)).isoformat()
        cutoff = (dt.datetime.fromisoformat(menu["booking_cutoff"]) + dt.timedelta(days=7)).isoformat()
        dishes = [{k: v for k, v in d.items() if k in ("name", "tags", "price_fen", "price_per_100g_fen") and v is not None}
                  for d in menu["dishes"]]
        answer = gateway.put(f"/canteen/sites/{site_id}/menus/{date}/{menu['meal']}",
                             {"capacity": menu["capacity"], "booking_cutoff": cutoff, "dishes": dishes})
        copied += 1 if answer.ok else 0
    return see_other(url_for("console.menus", site_id=site_id, copied=copied))


# -- counter -------------------------------------------------------------------------
def _counter_context(site_id, date, meal):
    sites = _sites()
    site = _chosen(sites, site_id)
    menu = None
    if site:
        found = gateway.get(f"/canteen/sites/{site['id']}/menus", params={"from": date, "to": date})
        menu = next((m for m in found.items() if m["meal"] == meal), None)
    return {"sites": sites, "site": site, "menu": menu, "date": date, "meal": meal, "meals": MEALS}


@bp.get("/counter")
@staff_only
def counter():
    date = request.args.get("date") or today().isoformat()
    meal = request.args.get("meal") if request.args.get("meal") in MEALS else _current_meal()
    return render_template("console/counter.html", errors={}, problem=None, form={}, bill=None,
                           **_counter_context(request.args.get("site_id"), date, meal))


@bp.post("/counter")
@staff_only
def checkout():
    form = request.form
    site_id, date, meal = form.get("site_id", ""), form.get("date", ""), form.get("meal", "")
    items = []
    for name, quantity, grams in zip(form.getlist("dish_name"), form.getlist("quantity"),
                                     form.getlist("grams")):
        if int_or_none(grams):
            items.append({"dish_name": name, "grams": int_or_none(grams)})
        elif int_or_none(quantity):
            items.append({"dish_name": name, "quantity": int_or_none(quantity)})
    body = {"site_id": site_id, "date": date, "meal": meal, "items": items}
    who = "pickup_code" if form.get("pickup_code", "").strip() else "resident_id"
    body[who] = form.get(who, "").strip().upper() if who == "pickup_code" else form.get(who, "").strip()
    answer = gateway.post("/canteen/checkouts", body)
    context = _counter_context(site_id, date, meal)
    if not answer.ok:
        return refused("console/counter.html", answer, bill=None, **context)
    return render_template("console/counter.html", errors={}, problem=None, form={},
                           bill=answer.body, **context), 201


# -- lending desk ------------------------------------------------------------------
def _desk_context(with_lists=True):
    """The community's branches and (on the page itself) the desk's lists: two calls."""
    params = {"community_id": g.community_id} if g.community_id else None
    return {"branches": gateway.get("/library/branches", params=params).items(),
            "today": gateway.get("/library/desk").body if with_lists and g.community_id else None}


@bp.get("/desk")
@staff_only
def desk():
    return render_template("console/desk.html", errors={}, problem=None, form={}, done=None,
                           **_desk_context())


DESK_ACTIONS = {"loans": "/library/loans", "returns": "/library/returns",
                "receive": "/library/transfers/receive"}


@bp.post("/desk/<action>")
@staff_only
def desk_action(action):
    """Lend (to the resident with this phone), take back, or receive a copy."""
    if action not in DESK_ACTIONS:
        abort(404)
    form = request.form
    body = {"code": form.get("code", "").strip(), "branch_id": form.get("branch_id", "")}
    reader = None
    if action == "loans":
        phone = form.get("phone", "").strip()
        found = gateway.get("/residents", params={"community_id": g.community_id, "q": phone}
                            if g.community_id else {"q": phone}).items() if phone else []
        reader = next((r for r in found if r.get("phone") == phone), None)
        if reader is None:
            return render_template("console/desk.html", problem=None, form=form, done=None,
                                   errors={"phone": _("No resident of your community has this phone number.")},
                                   failed_action=action, **_desk_context(False)), 422
        body["resident_id"] = reader["id"]
    answer = gateway.post(DESK_ACTIONS[action], body)
    if not answer.ok:
        return refused("console/desk.html", answer, done=None, failed_action=action,
                       **_desk_context(False))
    return render_template("console/desk.html", errors={}, problem=None, form={},
                           done={"action": action, "result": answer.body, "reader": reader},
                           **_desk_context(False))


# -- dispatch ------------------------------------------------------------------------
@bp.get("/dispatch")
@staff_only
def dispatch():
    status = request.args.get("status") or "submitted"
    items = gateway.get("/volunteer/requests", params={"status": status}).items()
    return render_template("console/dispatch.html", items=items, status=status)


@bp.get("/dispatch/<request_id>")
@staff_only
def dispatch_one(request_id):
    item = gateway.get(f"/volunteer/requests/{request_id}")
    if item.status in (403, 404, 422):
        abort(404)
    suggestions = gateway.get(f"/volunteer/requests/{request_id}/suggestions")
    return render_template("console/dispatch_one.html", item=item.body,
                           suggestions=suggestions.items(), errors={}, problem=None)


@bp.post("/dispatch/<request_id>")
@staff_only
def dispatch_post(request_id):
    body = {"team_id": request.form.get("team_id", "")}
    if request.form.get("note"):
        body["note"] = request.form["note"]
    answer = gateway.post(f"/volunteer/requests/{request_id}/dispatch", body)
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        item = gateway.get(f"/volunteer/requests/{request_id}")
        suggestions = gateway.get(f"/volunteer/requests/{request_id}/suggestions")
        return refused("console/dispatch_one.html", answer, item=item.body,
                       suggestions=suggestions.items())
    return see_other(url_for("console.dispatch_one", request_id=request_id))


# -- residents -----------------------------------------------------------------------
@bp.get("/residents")
@staff_only
def residents():
    q = request.args.get("q", "").strip()
    params = {"q": q} if q else {}
    if g.community_id:
        params["community_id"] = g.community_id
    found = gateway.get("/residents", params=params).items() if q else []
    return render_template("console/residents.html", q=q, residents=found, groups=GROUPS,
                           problem=None)


@bp.post("/residents/<resident_id>")
@staff_only
def set_groups(resident_id):
    answer = gateway.patch(f"/residents/{resident_id}", {"groups": request.form.getlist("groups")})
    if answer.status == 404:
        abort(404)
    q = request.form.get("q", "")
    if not answer.ok:
        found = gateway.get("/residents", params={"q": q}).items() if q else []
        return refused("console/residents.html", answer, q=q, residents=found, groups=GROUPS)
    return see_other(url_for("console.residents", q=q))


# -- rewards ---------------------------------------------------------------------------
def _rewards_context():
    return {"rewards": gateway.get("/points/rewards").items(),
            "redemptions": gateway.get("/points/redemptions").items()}


@bp.get("/rewards")
@staff_only
def rewards():
    return render_template("console/rewards.html", errors={}, problem=None, form={},
                           **_rewards_context())


@bp.post("/rewards")
@staff_only
def create_reward():
    body = {"name": request.form.get("name", "").strip(),
            "cost_points": int_or_none(request.form.get("cost_points")) or request.form.get("cost_points"),
            "stock": int_or_none(request.form.get("stock")) if int_or_none(request.form.get("stock")) is not None else request.form.get("stock")}
    answer = gateway.post("/points/rewards", body)
    if not answer.ok:
        return refused("console/rewards.html", answer, **_rewards_context())
    return see_other(url_for("console.rewards"))


@bp.post("/rewards/redemptions/<redemption_id>/handover")
@staff_only
def hand_over(redemption_id):
    answer = gateway.post(f"/points/redemptions/{redemption_id}/handover")
    if answer.status == 404:
        abort(404)
    if not answer.ok:
        return refused("console/rewards.html", answer, **_rewards_context())
    return see_other(url_for("console.rewards"))


# -- jobs ------------------------------------------------------------------------------
@bp.get("/jobs")
@staff_only
def jobs():
    return render_template("console/jobs.html", jobs=JOBS, result=None, problem=None)


@bp.post("/jobs")
@staff_only
def run_job():
    name = request.form.get("name", "")
    if name not in JOBS:
        abort(404)
    answer = gateway.post(f"/admin/jobs/{name}", {})
    if not answer.ok:
        return refused("console/jobs.html", answer, jobs=JOBS, result=None)
    return render_template("console/jobs.html", jobs=JOBS, problem=None,
                           result={"name": name, "processed": (answer.body or {}).get("processed", 0)})
