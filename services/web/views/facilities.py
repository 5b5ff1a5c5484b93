"""Rooms and shared equipment. Residents: find a free room and book it, check in by
scanning the door's QR code (or walk in), borrow and return a speaker under its rules,
file a noise complaint. Staff: the day's rooms and bookings, loans, maintenance,
complaints, and printable QR labels for doors and items.

Longer than ~300 lines: the resident and staff pages of two capabilities and their
printable labels, each a short view."""
import datetime as dt

import segno
from flask import Blueprint, abort, g, render_template, request, url_for
from flask_babel import lazy_gettext as L

from services.web import gateway, i18n
from services.web.sessions import signed_in, staff_only
from services.web.views.common import int_or_none, see_other, today

bp = Blueprint("facilities", __name__)

KINDS = {"reading": L("reading room"), "calligraphy": L("calligraphy room"),
         "music": L("music room"), "counselling": L("counselling room"),
         "activity": L("activity room"), "training": L("training room"), "other": L("other room"),
         "speaker": L("speaker"), "projector": L("projector")}
STATES = {"booked": L("booked"), "checked_in": L("checked in"), "cancelled": L("cancelled"),
          "no_show": L("no-show"), "taken": L("taken"), "active": L("on loan"),
          "overdue": L("overdue"), "returned": L("returned"), "available": L("available"),
          "on_loan": L("on loan"), "maintenance": L("in maintenance")}
ERRORS = {
    "slot_taken": L("That time is already taken. Choose another time or room."),
    "limit_reached": L("You already hold 2 future room bookings."),
    "wrong_door_code": L("That is not this room's door code."),
    "outside_check_in_window": L("Check-in opens 10 minutes before the start and closes 15 minutes after it."),
    "already_started": L("The booking has started and can no longer be cancelled."),
    "not_available": L("This item is not available right now."),
    "patron_blocked": L("Return the item you hold (or an overdue one) first."),
    "outside_allowed_hours": L("This item may only be borrowed during its allowed hours."),
    "not_on_loan": L("This item is not on loan."),
}
HALF_HOURS = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)]


def _problem(answer) -> str:
    known = ERRORS.get(answer.error_code)
    return str(known) if known is not None else i18n.error_text(answer)


def _page(template, answer=None, status=None, **context):
    """A page, with the gateway's refusal (if any) next to its fields and on top."""
    errors = i18n.field_errors(answer) if answer is not None else {}
    problem = _problem(answer) if answer is not None else None
    html = render_template(template, errors=errors, problem=problem, form=request.form,
                           KINDS=KINDS, FSTATES=STATES, HALF_HOURS=HALF_HOURS, **context)
    if answer is None:
        return html
    return html, status or (answer.status if answer.status >= 400 else 422)


def _qr(target: str) -> str:
    """An inline SVG QR code of ``target`` (the page it opens)."""
    return segno.make(target, error="m").svg_inline(scale=5, border=2)


def _community_params():
    return {"community_id": g.community_id} if g.community_id else None


# -- rooms: residents -------------------------------------------------------------------
def _rooms_context(room_id, date):
    rooms = gateway.get("/facilities/rooms", params=_community_params()).items()
    room = next((r for r in rooms if r["id"] == room_id), rooms[0] if rooms else None)
    day = date or today().isoformat()
    taken = []
    if room:
        taken = gateway.get(f"/facilities/rooms/{room['id']}/bookings",
                            params={"date": day}).items()
    mine = gateway.get("/facilities/room-bookings", params={"limit": 20}).items()
    return {"rooms": rooms, "room": room, "day": day, "taken": taken, "mine": mine}


@bp.get("/app/rooms")
@signed_in
def rooms():
    return _page("app/rooms.html", **_rooms_context(request.args.get("room_id"),
                                                    request.args.get("date")))


def _instant(day: str, hhmm: str, after: str | None = None) -> str:
    """``day`` at ``hhmm`` as the API reads it (community time); an end at or before
    the start is on the next day (a night booking of a room open around the clock)."""
    try:
        date = dt.date.fromisoformat(day)
        if after is not None and hhmm <= after:
            date += dt.timedelta(days=1)
        return f"{date.isoformat()}T{hhmm}:00"
    except (TypeError, ValueError):
        return f"{day}T{hhmm}"


@bp.post("/app/rooms/bookings")
@signed_in
def book():
    form = request.form
    day, start, end = form.get("date", ""), form.get("start", ""), form.get("end", "")
    body = {"room_id": form.get("room_id", ""), "start": _instant(day, start),
            "end": _instant(day, end, after=start), "purpose": form.get("purpose", "").strip()}
    if not body["purpose"]:
        body.pop("purpose")
    answer = gateway.post("/facilities/room-bookings", body)
    if not answer.ok:
        return _page("app/rooms.html", answer, **_rooms_context(body["room_id"], day))
    return see_other(url_for("facilities.rooms", room_id=body["room_id"], date=day) + "#mine")


@bp.post("/app/rooms/bookings/<booking_id>/cancel")
@signed_in
def cancel(booking_id):
    answer = gateway.post(f"/facilities/room-bookings/{booking_id}/cancel")
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        return _page("app/rooms.html", answer, **_rooms_context(None, None))
    return see_other(url_for("facilities.rooms") + "#mine")


@bp.get("/app/rooms/door/<door_code>")
@signed_in
def door(door_code):
    """What the door's QR code opens: check in to my booking, or walk in when free."""
    answer = gateway.get(f"/facilities/doors/{door_code}")
    if answer.status in (404, 422):
        abort(404)
    return _page("app/door.html", **_door_context(answer.body))


def _door_context(room):
    mine = [b for b in gateway.get("/facilities/room-bookings",
                                   params={"room_id": room["id"], "limit": 20}).items()
            if b["status"] == "booked"]
    taken = gateway.get(f"/facilities/rooms/{room['id']}/bookings").items()
    return {"room": room, "mine": mine, "taken": taken}


@bp.post("/app/rooms/door/<door_code>/check-in")
@signed_in
def check_in(door_code):
    booking_id = request.form.get("booking_id", "")
    answer = gateway.post(f"/facilities/room-bookings/{booking_id}/check-in",
                          {"door_code": request.form.get("door_code", door_code)})
    if answer.ok:
        return see_other(url_for("facilities.door", door_code=door_code, done="checked_in"))
    room = gateway.get(f"/facilities/doors/{door_code}")
    if not room.ok:
        abort(404)
    return _page("app/door.html", answer, **_door_context(room.body))


@bp.post("/app/rooms/door/<door_code>/walk-in")
@signed_in
def walk_in(door_code):
    room = gateway.get(f"/facilities/doors/{door_code}")
    if not room.ok:
        abort(404)
    minutes = request.form.get("minutes", "")
    answer = gateway.post(f"/facilities/rooms/{room.body['id']}/walk-in",
                          {"door_code": door_code, "minutes": int_or_none(minutes) or minutes})
    if answer.ok:
        return see_other(url_for("facilities.door", door_code=door_code, done="walked_in"))
    return _page("app/door.html", answer, **_door_context(room.body))


# -- equipment: residents -----------------------------------------------------------------
def _equipment_context():
    items = gateway.get("/facilities/equipment", params=_community_params()).items()
    loans = gateway.get("/facilities/equipment-loans", params={"limit": 20}).items()
    return {"items": items, "loans": loans}


@bp.get("/app/equipment")
@signed_in
def equipment():
    return _page("app/equipment.html", **_equipment_context())


@bp.get("/app/equipment/scan/<code>")
@signed_in
def scan(code):
    """What an item's QR code opens: its rules, borrow (accepting them), return."""
    answer = gateway.get(f"/facilities/equipment/by-code/{code}")
    if answer.status in (404, 422):
        abort(404)
    return _page("app/item.html", item=answer.body, **_equipment_context())


def _equipment_action(path, body, code):
    answer = gateway.post(path, body)
    back_to_item = request.form.get("from") == "item"
    if answer.ok:
        target = url_for("facilities.scan", code=code) if back_to_item else url_for("facilities.equipment")
        return see_other(target + "#loans")
    if back_to_item:
        item = gateway.get(f"/facilities/equipment/by-code/{code}")
        if item.ok:
            return _page("app/item.html", answer, item=item.body, **_equipment_context())
    return _page("app/equipment.html", answer, **_equipment_context())


@bp.post("/app/equipment/loans")
@signed_in
def borrow():
    code = request.form.get("code", "")
    body = {"code": code, "accept_rules": request.form.get("accept_rules") == "true"}
    return _equipment_action("/facilities/equipment-loans", body, code)


@bp.post("/app/equipment/returns")
@signed_in
def give_back():
    code = request.form.get("code", "")
    body = {"code": code, "condition": request.form.get("condition", "")}
    if request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()
    return _equipment_action("/facilities/equipment-returns", body, code)


@bp.post("/app/equipment/complaints")
@signed_in
def complain():
    code = request.form.get("code", "")
    body = {"code": code, "description": request.form.get("description", "").strip()}
    return _equipment_action("/facilities/complaints", body, code)


# -- the console --------------------------------------------------------------------------
def _console_rooms(date):
    day = date or today().isoformat()
    rooms = gateway.get("/facilities/rooms", params=_community_params()).items()
    days = [(room, gateway.get(f"/facilities/rooms/{room['id']}/bookings",
                               params={"date": day}).items()) for room in rooms]
    return {"day": day, "days": days}


@bp.get("/console/rooms")
@staff_only
def console_rooms():
    return _page("console/rooms.html", **_console_rooms(request.args.get("date")))


@bp.post("/console/rooms")
@staff_only
def open_room():
    form = request.form
    body = {"name": form.get("name", ""), "community_id": form.get("community_id") or g.community_id,
            "kind": form.get("kind", ""), "capacity": int_or_none(form.get("capacity")) or form.get("capacity"),
            "private": form.get("private") == "true",
            "max_minutes": int_or_none(form.get("max_minutes")) or form.get("max_minutes")}
    opening_start, opening_end = form.get("opening_start", ""), form.get("opening_end", "")
    body["opening"] = {"start": opening_start, "end": opening_end} if opening_start and opening_end else None
    answer = gateway.post("/facilities/rooms", body)
    if not answer.ok:
        return _page("console/rooms.html", answer, **_console_rooms(None))
    return see_other(url_for("facilities.console_rooms"))


@bp.get("/console/rooms/<room_id>/label")
@staff_only
def door_label(room_id):
    answer = gateway.get(f"/facilities/rooms/{room_id}")
    if not answer.ok or "door_code" not in answer.body:
        abort(404)
    room = answer.body
    target = url_for("facilities.door", door_code=room["door_code"], _external=True)
    return render_template("console/label.html", title=room["name"], code=room["door_code"],
                           qr=_qr(target), target=target, KINDS=KINDS, kind=room["kind"])


def _console_equipment():
    items = gateway.get("/facilities/equipment", params=_community_params()).items()
    loans = gateway.get("/facilities/equipment-loans").items()
    complaints = gateway.get("/facilities/complaints").items()
    return {"items": items, "loans": loans, "complaints": complaints}


@bp.get("/console/equipment")
@staff_only
def console_equipment():
    return _page("console/equipment.html", **_console_equipment())


@bp.post("/console/equipment")
@staff_only
def add_item():
    form = request.form
    rules = {"allowed": {"start": form.get("allowed_start", ""), "end": form.get("allowed_end", "")}}
    if form.get("max_volume_db", "").strip():
        rules["max_volume_db"] = int_or_none(form["max_volume_db"]) or form["max_volume_db"]
    body = {"name": form.get("name", ""), "kind": form.get("kind", ""),
            "community_id": form.get("community_id") or g.community_id,
            "code": form.get("code", "").strip(), "rules": rules}
    answer = gateway.post("/facilities/equipment", body)
    if not answer.ok:
        return _page("console/equipment.html", answer, **_console_equipment())
    return see_other(url_for("facilities.console_equipment"))


@bp.post("/console/equipment/<item_id>/restore")
@staff_only
def restore(item_id):
    answer = gateway.post(f"/facilities/equipment/{item_id}/restore")
    if not answer.ok:
        return _page("console/equipment.html", answer, **_console_equipment())
    return see_other(url_for("facilities.console_equipment"))


@bp.post("/console/equipment/returns")
@staff_only
def staff_return():
    body = {"code": request.form.get("code", ""), "condition": request.form.get("condition", "")}
    answer = gateway.post("/facilities/equipment-returns", body)
    if not answer.ok:
        return _page("console/equipment.html", answer, **_console_equipment())
    return see_other(url_for("facilities.console_equipment"))


@bp.get("/console/equipment/<item_id>/label")
@staff_only
def item_label(item_id):
    answer = gateway.get(f"/facilities/equipment/{item_id}")
    if not answer.ok:
        abort(404)
    item = answer.body
    target = url_for("facilities.scan", code=item["code"], _external=True)
    return render_template("console/label.html", title=item["name"], code=item["code"],
                           qr=_qr(target), target=target, KINDS=KINDS, kind=item["kind"],
                           rules=item["rules"])
