"""Rooms and shared equipment through the real gateway: every route, rule and status
of the contract, the two jobs, and the notices that reach the people concerned.

The clock cannot be moved for a request, only for a job (``as_of``): the few tests
that need a booking starting "now" move that booking's start in its own database."""
import datetime as dt
import uuid

import pytest

from tests.helpers import eventually

ROOMS = "/api/v1/facilities/rooms"
BOOKINGS = "/api/v1/facilities/room-bookings"
EQUIPMENT = "/api/v1/facilities/equipment"
LOANS = "/api/v1/facilities/equipment-loans"
RETURNS = "/api/v1/facilities/equipment-returns"
COMPLAINTS = "/api/v1/facilities/complaints"
JOBS = "/api/v1/admin/jobs"
CST = dt.timezone(dt.timedelta(hours=8))
_days = iter(range(3, 400))  # each test books on days of its own


def error(answer):
    return answer.json()["error"]


def local_now() -> dt.datetime:
    return dt.datetime.now(CST)


def slot(day: int, hour: int, minute: int = 0) -> str:
    """An instant ``day`` days from today at hour:minute, community time."""
    date = local_now().date() + dt.timedelta(days=day)
    return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=CST).isoformat()


def hhmm(at: dt.datetime) -> str:
    return at.strftime("%H:%M")


def new_centre(api, people=5):
    community = api.community()
    staff = api.staff(community["id"])
    residents = [api.resident(community["id"], name=f"居民{i}") for i in range(people)]
    return {"community": community, "staff": staff, "people": residents}


@pytest.fixture(scope="module")
def centre(api):
    return new_centre(api)


@pytest.fixture
def own_centre(api):
    """A community of its own, for a test whose job run sweeps the whole community."""
    return new_centre(api, people=1)


def open_room(api, centre, **extra):
    body = {"name": f"阅览室-{uuid.uuid4().hex[:4]}", "community_id": centre["community"]["id"],
            "kind": "reading", "capacity": 12, "opening": {"start": "08:00", "end": "21:00"},
            "private": False, **extra}
    answer = api.post(ROOMS, body, centre["staff"]["token"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def book(api, who, room, start, end, purpose="读书会"):
    return api.post(BOOKINGS, {"room_id": room["id"], "start": start, "end": end,
                               "purpose": purpose}, who["token"])


def run_job(api, token, name, as_of):
    answer = api.post(f"{JOBS}/{name}", {"as_of": as_of.isoformat()}, token)
    assert answer.status_code == 200, answer.text
    return answer.json()["processed"]


# -- rooms ------------------------------------------------------------------------------
def test_staff_open_rooms_and_only_staff_see_the_door_code(api, centre):
    room = open_room(api, centre, kind="calligraphy", opening=None, name="书法室")
    assert room["door_code"] and room["opening"] is None and room["max_minutes"] == 120
    resident = centre["people"][0]
    refused = api.post(ROOMS, {"name": "x", "community_id": centre["community"]["id"],
                               "kind": "reading", "capacity": 3}, resident["token"])
    assert refused.status_code == 403
    assert api.get(ROOMS).status_code == 401
    mine = api.get(ROOMS, resident["token"]).json()["items"]
    assert room["id"] in [r["id"] for r in mine]
    assert all("door_code" not in r for r in mine)
    staff_view = api.get(ROOMS, centre["staff"]["token"],
                         params={"community_id": centre["community"]["id"]}).json()["items"]
    assert {r["id"]: r["door_code"] for r in staff_view}[room["id"]] == room["door_code"]


@pytest.mark.parametrize("change, field", [
    ({"kind": "karaoke"}, "kind"),
    ({"opening": {"start": "08:15", "end": "21:00"}}, "opening"),
    ({"opening": {"start": "25:00", "end": "21:00"}}, "opening"),
    ({"max_minutes": 45}, "max_minutes"),
    ({"capacity": 0}, "capacity"),
    ({"door_code": "ABCDEFGH"}, "door_code"),
    ({"name": {"$gt": ""}}, "name"),
])
def test_a_room_that_makes_no_sense_is_refused(api, centre, change, field):
    body = {"name": "活动室", "community_id": centre["community"]["id"], "kind": "activity",
            "capacity": 20, **change}
    answer = api.post(ROOMS, body, centre["staff"]["token"])
    assert answer.status_code == 422, answer.text
    assert any(k == field or k.startswith(field + ".") for k in error(answer)["details"])


def test_booking_rules_on_the_grid(api, centre):
    room = open_room(api, centre)
    ana, bo, cai = centre["people"][:3]
    d = next(_days)
    first = book(api, ana, room, slot(d, 10), slot(d, 12))
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "booked" and first.json()["resident_id"] == ana["id"]

    overlapping = book(api, bo, room, slot(d, 11), slot(d, 12, 30))
    assert overlapping.status_code == 409 and error(overlapping)["code"] == "slot_taken"
    touching = book(api, bo, room, slot(d, 12), slot(d, 13))
    assert touching.status_code == 201, touching.text

    for start, end, field in [
        (slot(d, 14, 15), slot(d, 15), "start"),                       # off the grid
        (slot(d, 15), slot(d, 14), "end"),                             # end before start
        (slot(d, 14), slot(d, 16, 30), "end"),                         # over max_minutes
        (slot(d, 20), slot(d, 22), "start"),                           # outside opening
        (slot(-1, 10), slot(-1, 11), "start"),                         # in the past
    ]:
        refused = book(api, cai, room, start, end)
        assert refused.status_code == 422, (start, end, refused.text)
        assert field in error(refused)["details"], refused.text
    unknown = api.post(BOOKINGS, {"room_id": "nope", "start": slot(d, 9), "end": slot(d, 10),
                                  "purpose": ""}, cai["token"])
    assert unknown.status_code == 422
    hostile = api.post(BOOKINGS, {"room_id": {"$ne": ""}, "start": slot(d, 9),
                                  "end": slot(d, 10)}, cai["token"])
    assert hostile.status_code == 422


def test_a_room_open_around_the_clock_is_booked_across_midnight(api, centre):
    room = open_room(api, centre, kind="calligraphy", opening=None)
    d = next(_days)
    night = book(api, centre["people"][2], room, slot(d, 23), slot(d + 1, 1))
    assert night.status_code == 201, night.text
    for day in (d, d + 1):
        date = (local_now().date() + dt.timedelta(days=day)).isoformat()
        listed = api.get(f"{ROOMS}/{room['id']}/bookings", centre["staff"]["token"],
                         params={"date": date}).json()["items"]
        assert [b["id"] for b in listed] == [night.json()["id"]]
    api.post(f"{BOOKINGS}/{night.json()['id']}/cancel", None, centre["people"][2]["token"])


def test_a_resident_holds_at_most_two_future_bookings(api, centre):
    room = open_room(api, centre)
    resident = api.resident(centre["community"]["id"])
    d = next(_days)
    ids = []
    for hour in (9, 11):
        answer = book(api, resident, room, slot(d, hour), slot(d, hour + 1))
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    third = book(api, resident, room, slot(d, 14), slot(d, 15))
    assert third.status_code == 409 and error(third)["code"] == "limit_reached"
    cancelled = api.post(f"{BOOKINGS}/{ids[0]}/cancel", None, resident["token"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert book(api, resident, room, slot(d, 14), slot(d, 15)).status_code == 201


def test_cancel_frees_the_time_at_once_and_only_before_the_start(api, centre, stack):
    room = open_room(api, centre)
    ana, bo = centre["people"][3], centre["people"][4]
    d = next(_days)
    booking = book(api, ana, room, slot(d, 16), slot(d, 17)).json()
    assert api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, bo["token"]).status_code == 404
    assert api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, ana["token"]).status_code == 200
    again = api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, ana["token"])
    assert again.status_code == 409
    taken_over = book(api, bo, room, slot(d, 16), slot(d, 17))
    assert taken_over.status_code == 201, taken_over.text

    started = book(api, ana, room, slot(d, 18), slot(d, 19)).json()
    _move_start(stack, started["id"], dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))
    late = api.post(f"{BOOKINGS}/{started['id']}/cancel", None, centre["staff"]["token"])
    assert late.status_code == 409, late.text
    for booking_id in (taken_over.json()["id"],):
        api.post(f"{BOOKINGS}/{booking_id}/cancel", None, bo["token"])


def _move_start(stack, booking_id, start):
    stack.db("facilities")["room_bookings"].update_one(
        {"_id": booking_id}, {"$set": {"start": start,
                                       "no_show_at": start + dt.timedelta(minutes=15)}})


def test_the_day_view_shows_who_and_why_only_to_the_booker_and_staff(api, centre):
    open_one, private = open_room(api, centre), open_room(api, centre, kind="counselling",
                                                             private=True, name="心理咨询室")
    booker, neighbour = api.resident(centre["community"]["id"]), centre["people"][0]
    d = next(_days)
    date = (local_now().date() + dt.timedelta(days=d)).isoformat()
    for room in (open_one, private):
        assert book(api, booker, room, slot(d, 10), slot(d, 11), "家庭咨询").status_code == 201

    def day_of(room, who):
        answer = api.get(f"{ROOMS}/{room['id']}/bookings", who["token"], params={"date": date})
        assert answer.status_code == 200, answer.text
        [only] = answer.json()["items"]
        return only

    assert day_of(open_one, booker)["purpose"] == "家庭咨询"
    assert day_of(private, centre["staff"])["resident_id"] == booker["id"]
    seen = day_of(open_one, neighbour)
    assert set(seen) == {"id", "start", "end", "status"} and seen["status"] == "booked"
    hidden = day_of(private, neighbour)
    assert set(hidden) == {"start", "end", "status"} and hidden["status"] == "taken"
    assert hidden["start"].startswith(date) and hidden["start"].endswith("+08:00")


def test_check_in_at_the_door_within_the_window(api, centre, stack):
    room = open_room(api, centre, opening=None)
    resident = api.resident(centre["community"]["id"])
    d = next(_days)
    booking = book(api, resident, room, slot(d, 10), slot(d, 11)).json()
    path = f"{BOOKINGS}/{booking['id']}/check-in"
    staff_view = api.get(f"{ROOMS}/{room['id']}", centre["staff"]["token"]).json()
    door = staff_view["door_code"]

    early = api.post(path, {"door_code": door}, resident["token"])
    assert early.status_code == 409 and error(early)["code"] == "outside_check_in_window"
    wrong = api.post(path, {"door_code": "WRONG123"}, resident["token"])
    assert wrong.status_code == 422 and "door_code" in error(wrong)["details"]
    other = api.post(path, {"door_code": door}, centre["people"][0]["token"])
    assert other.status_code == 403

    _move_start(stack, booking["id"], dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5))
    checked = api.post(path, {"door_code": door}, resident["token"])
    assert checked.status_code == 200, checked.text
    assert checked.json()["status"] == "checked_in"
    twice = api.post(path, {"door_code": door}, resident["token"])
    assert twice.status_code == 409


def test_a_walk_in_takes_a_free_room_from_now(api, centre):
    room = open_room(api, centre, opening=None, kind="music")
    door = api.get(f"{ROOMS}/{room['id']}", centre["staff"]["token"]).json()["door_code"]
    by_door = api.get(f"/api/v1/facilities/doors/{door}", centre["people"][1]["token"])
    assert by_door.status_code == 200 and by_door.json()["id"] == room["id"]
    walker = api.resident(centre["community"]["id"])
    walk = api.post(f"{ROOMS}/{room['id']}/walk-in", {"door_code": door, "minutes": 60},
                    walker["token"])
    assert walk.status_code == 201, walk.text
    taken = walk.json()
    assert taken["status"] == "checked_in" and taken["walk_in"]
    start = dt.datetime.fromisoformat(taken["start"])
    assert start.minute % 30 == 0 and start <= local_now() < start + dt.timedelta(minutes=30)
    second = api.post(f"{ROOMS}/{room['id']}/walk-in", {"door_code": door, "minutes": 30},
                      centre["people"][1]["token"])
    assert second.status_code == 409 and error(second)["code"] == "slot_taken"
    wrong = api.post(f"{ROOMS}/{room['id']}/walk-in", {"door_code": "NOTTHIS1", "minutes": 30},
                     centre["people"][1]["token"])
    assert wrong.status_code == 422
    odd = api.post(f"{ROOMS}/{room['id']}/walk-in", {"door_code": door, "minutes": 45},
                   centre["people"][1]["token"])
    assert odd.status_code == 422
    cancel = api.post(f"{BOOKINGS}/{taken['id']}/cancel", None, walker["token"])
    assert cancel.status_code == 409


def test_a_no_show_is_released_fifteen_minutes_after_the_start(api, own_centre):
    centre = own_centre
    room = open_room(api, centre)
    resident = api.resident(centre["community"]["id"])
    d = next(_days)
    booking = book(api, resident, room, slot(d, 10), slot(d, 11)).json()
    start = dt.datetime.fromisoformat(booking["start"])
    staff = centre["staff"]["token"]
    assert run_job(api, staff, "facilities-no-show", start + dt.timedelta(minutes=14)) == 0
    assert run_job(api, staff, "facilities-no-show", start + dt.timedelta(minutes=16)) == 1
    assert run_job(api, staff, "facilities-no-show", start + dt.timedelta(minutes=16)) == 0
    after = api.get(f"{BOOKINGS}/{booking['id']}", resident["token"]).json()
    assert after["status"] == "no_show"
    neighbour = api.resident(centre["community"]["id"])
    assert book(api, neighbour, room, slot(d, 10), slot(d, 11)).status_code == 201
    told = eventually(lambda: [m for m in api.get("/api/v1/notifications", resident["token"])
                               .json()["items"] if m["category"] == "facilities.room_no_show"])
    assert room["name"] in told[0]["body"]


def test_own_and_staff_lists_of_bookings(api, centre):
    room = open_room(api, centre)
    resident = api.resident(centre["community"]["id"])
    d = next(_days)
    booking = book(api, resident, room, slot(d, 10), slot(d, 11)).json()
    mine = api.get(BOOKINGS, resident["token"]).json()
    assert [b["id"] for b in mine["items"]] == [booking["id"]] and mine["next_cursor"] is None
    date = (local_now().date() + dt.timedelta(days=d)).isoformat()
    staff_list = api.get(BOOKINGS, centre["staff"]["token"],
                         params={"room_id": room["id"], "date": date}).json()["items"]
    assert [b["id"] for b in staff_list] == [booking["id"]]
    assert api.get(BOOKINGS, resident["token"], params={"cursor": "bogus"}).status_code == 422
    other = api.get(f"{BOOKINGS}/{booking['id']}", centre["people"][0]["token"])
    assert other.status_code == 404


def test_a_booking_reaches_the_inbox_in_both_languages(api, centre):
    room = open_room(api, centre, name="书画室")
    resident = api.resident(centre["community"]["id"])
    d = next(_days)
    assert book(api, resident, room, slot(d, 10), slot(d, 11)).status_code == 201
    zh = eventually(lambda: [m for m in api.get("/api/v1/notifications", resident["token"])
                             .json()["items"] if m["category"] == "facilities.room_booked"])
    assert "书画室" in zh[0]["body"] and "签到" in zh[0]["body"]
    assert api.put("/api/v1/notifications/preferences", {"language": "en"},
                   resident["token"]).status_code == 200
    d2 = next(_days)
    assert book(api, resident, room, slot(d2, 10), slot(d2, 11)).status_code == 201
    en = eventually(lambda: [m for m in api.get("/api/v1/notifications", resident["token"])
                             .json()["items"] if m["category"] == "facilities.room_booked"
                             and "Check in" in m["body"]])
    assert en[0]["title"] == "Room booked"


# -- equipment --------------------------------------------------------------------------
def window_around_now():
    now = local_now()
    return {"start": hhmm(now - dt.timedelta(hours=2)), "end": hhmm(now + dt.timedelta(hours=3))}


def window_later():
    now = local_now()
    return {"start": hhmm(now + dt.timedelta(hours=3)), "end": hhmm(now + dt.timedelta(hours=4))}


def new_item(api, centre, allowed=None, **extra):
    body = {"name": "广场舞音箱", "kind": "speaker", "community_id": centre["community"]["id"],
            "code": f"SPK-{uuid.uuid4().hex[:8]}",
            "rules": {"max_volume_db": 70, "allowed": allowed or window_around_now()}, **extra}
    answer = api.post(EQUIPMENT, body, centre["staff"]["token"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_items_are_registered_by_staff_with_a_unique_code(api, centre):
    item = new_item(api, centre)
    assert item["status"] == "available" and item["rules"]["max_volume_db"] == 70
    again = api.post(EQUIPMENT, {"name": "另一台", "kind": "speaker",
                                 "community_id": centre["community"]["id"], "code": item["code"],
                                 "rules": {"allowed": window_around_now()}},
                     centre["staff"]["token"])
    assert again.status_code == 409 and error(again)["code"] == "code_taken"
    by_resident = api.post(EQUIPMENT, {"name": "x", "kind": "speaker",
                                       "community_id": centre["community"]["id"],
                                       "code": "X-1", "rules": {"allowed": window_around_now()}},
                           centre["people"][0]["token"])
    assert by_resident.status_code == 403
    no_window = api.post(EQUIPMENT, {"name": "x", "kind": "speaker",
                                     "community_id": centre["community"]["id"], "code": "X-2",
                                     "rules": {"max_volume_db": 70}}, centre["staff"]["token"])
    assert no_window.status_code == 422
    listed = api.get(EQUIPMENT, centre["people"][0]["token"], params={"kind": "speaker"}).json()
    assert item["id"] in [i["id"] for i in listed["items"]]


def test_a_loan_needs_the_rules_accepted_and_the_allowed_hours(api, centre):
    item, later = new_item(api, centre), new_item(api, centre, allowed=window_later())
    borrower = api.resident(centre["community"]["id"])
    refused = api.post(LOANS, {"code": item["code"]}, borrower["token"])
    assert refused.status_code == 422 and "accept_rules" in error(refused)["details"]
    refused = api.post(LOANS, {"code": item["code"], "accept_rules": False}, borrower["token"])
    assert refused.status_code == 422 and "accept_rules" in error(refused)["details"]
    outside = api.post(LOANS, {"code": later["code"], "accept_rules": True}, borrower["token"])
    assert outside.status_code == 422, outside.text

    loan = api.post(LOANS, {"code": item["code"], "accept_rules": True}, borrower["token"])
    assert loan.status_code == 201, loan.text
    loan = loan.json()
    due = dt.datetime.fromisoformat(loan["due_at"])
    assert hhmm(due.astimezone(CST)) == item["rules"]["allowed"]["end"]
    assert local_now() < due <= local_now() + dt.timedelta(hours=3, minutes=1)
    assert loan["rules"]["max_volume_db"] == 70 and loan["status"] == "active"

    taken = api.post(LOANS, {"code": item["code"], "accept_rules": True},
                     centre["people"][0]["token"])
    assert taken.status_code == 409 and error(taken)["code"] == "not_available"
    second = new_item(api, centre)
    holding = api.post(LOANS, {"code": second["code"], "accept_rules": True}, borrower["token"])
    assert holding.status_code == 409 and error(holding)["code"] == "patron_blocked"
    told = eventually(lambda: [m for m in api.get("/api/v1/notifications", borrower["token"])
                               .json()["items"] if m["category"] == "facilities.equipment_loaned"])
    assert "70" in told[0]["body"]
    assert api.post(RETURNS, {"code": item["code"], "condition": "ok"},
                    borrower["token"]).status_code == 200


def test_a_damaged_return_goes_to_maintenance_until_staff_restore_it(api, centre):
    item = new_item(api, centre)
    borrower = api.resident(centre["community"]["id"])
    assert api.post(LOANS, {"code": item["code"], "accept_rules": True},
                    borrower["token"]).status_code == 201
    stranger = api.post(RETURNS, {"code": item["code"], "condition": "ok"},
                        centre["people"][0]["token"])
    assert stranger.status_code == 403
    bad = api.post(RETURNS, {"code": item["code"], "condition": "broken"}, borrower["token"])
    assert bad.status_code == 422
    back = api.post(RETURNS, {"code": item["code"], "condition": "damaged", "note": "喇叭破音"},
                    borrower["token"])
    assert back.status_code == 200, back.text
    assert back.json()["item"]["status"] == "maintenance"
    assert back.json()["loan"]["status"] == "returned" and back.json()["loan"]["note"] == "喇叭破音"
    twice = api.post(RETURNS, {"code": item["code"], "condition": "ok"}, borrower["token"])
    assert twice.status_code == 409 and error(twice)["code"] == "not_on_loan"
    blocked = api.post(LOANS, {"code": item["code"], "accept_rules": True}, borrower["token"])
    assert blocked.status_code == 409 and error(blocked)["code"] == "not_available"
    restore = f"{EQUIPMENT}/{item['id']}/restore"
    assert api.post(restore, None, borrower["token"]).status_code == 403
    restored = api.post(restore, None, centre["staff"]["token"])
    assert restored.status_code == 200 and restored.json()["status"] == "available"
    assert api.post(restore, None, centre["staff"]["token"]).status_code == 409
    assert api.post(LOANS, {"code": item["code"], "accept_rules": True},
                    borrower["token"]).status_code == 201
    by_staff = api.post(RETURNS, {"code": item["code"], "condition": "ok"}, centre["staff"]["token"])
    assert by_staff.status_code == 200 and by_staff.json()["item"]["status"] == "available"


def test_an_overdue_loan_is_marked_by_the_job_and_blocks_the_borrower(api, own_centre):
    centre = own_centre
    item, other = new_item(api, centre), new_item(api, centre)
    borrower = api.resident(centre["community"]["id"])
    loan = api.post(LOANS, {"code": item["code"], "accept_rules": True}, borrower["token"]).json()
    due = dt.datetime.fromisoformat(loan["due_at"])
    staff = centre["staff"]["token"]
    assert run_job(api, staff, "facilities-equipment-overdue", due - dt.timedelta(minutes=1)) == 0
    assert run_job(api, staff, "facilities-equipment-overdue", due + dt.timedelta(minutes=1)) == 1
    assert run_job(api, staff, "facilities-equipment-overdue", due + dt.timedelta(minutes=1)) == 0
    mine = api.get(LOANS, borrower["token"]).json()["items"]
    assert [(l["id"], l["status"]) for l in mine] == [(loan["id"], "overdue")]
    eventually(lambda: [m for m in api.get("/api/v1/notifications", borrower["token"])
                        .json()["items"] if m["category"] == "facilities.equipment_overdue"])
    # returned late: the block lifts
    assert api.post(RETURNS, {"code": item["code"], "condition": "ok"},
                    borrower["token"]).status_code == 200
    assert api.post(LOANS, {"code": other["code"], "accept_rules": True},
                    borrower["token"]).status_code == 201
    api.post(RETURNS, {"code": other["code"], "condition": "ok"}, borrower["token"])


def test_a_blocked_borrower_with_an_overdue_loan_cannot_borrow(api, own_centre):
    centre = own_centre
    item, other = new_item(api, centre), new_item(api, centre)
    borrower = api.resident(centre["community"]["id"])
    loan = api.post(LOANS, {"code": item["code"], "accept_rules": True}, borrower["token"]).json()
    due = dt.datetime.fromisoformat(loan["due_at"])
    run_job(api, centre["staff"]["token"], "facilities-equipment-overdue",
            due + dt.timedelta(minutes=1))
    blocked = api.post(LOANS, {"code": other["code"], "accept_rules": True}, borrower["token"])
    assert blocked.status_code == 409 and error(blocked)["code"] == "patron_blocked"
    api.post(RETURNS, {"code": item["code"], "condition": "ok"}, borrower["token"])


def test_a_noise_complaint_is_linked_to_the_loan_out_then_and_told(api, centre):
    item = new_item(api, centre, name="南广场音箱")
    borrower, neighbour = api.resident(centre["community"]["id"]), centre["people"][2]
    loan = api.post(LOANS, {"code": item["code"], "accept_rules": True}, borrower["token"]).json()
    filed = api.post(COMPLAINTS, {"code": item["code"], "description": "晚上音量太大"},
                     neighbour["token"])
    assert filed.status_code == 201, filed.text
    assert filed.json()["loan_id"] == loan["id"] and filed.json()["borrower_id"] == borrower["id"]
    earlier = (local_now() - dt.timedelta(days=1)).isoformat()
    before = api.post(COMPLAINTS, {"code": item["code"], "description": "昨天也很吵",
                                   "at": earlier}, neighbour["token"])
    assert before.status_code == 201 and before.json()["loan_id"] is None
    assert api.post(COMPLAINTS, {"code": "NO-SUCH", "description": "?"},
                    neighbour["token"]).status_code == 422
    assert api.get(COMPLAINTS, neighbour["token"]).status_code == 403
    listed = api.get(COMPLAINTS, centre["staff"]["token"]).json()["items"]
    assert filed.json()["id"] in [c["id"] for c in listed]
    for who in (borrower, centre["staff"]):
        told = eventually(lambda: [m for m in api.get("/api/v1/notifications", who["token"])
                                   .json()["items"]
                                   if m["category"] == "facilities.complaint_filed"
                                   and "晚上音量太大" in m["body"]])
        assert "南广场音箱" in told[0]["body"]
    api.post(RETURNS, {"code": item["code"], "condition": "ok"}, borrower["token"])


def test_the_openapi_spec_names_every_facilities_route(api):
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/facilities/rooms", "/api/v1/facilities/room-bookings",
                 "/api/v1/facilities/rooms/{room_id}/walk-in",
                 "/api/v1/facilities/room-bookings/{booking_id}/check-in",
                 "/api/v1/facilities/equipment-loans", "/api/v1/facilities/equipment-returns",
                 "/api/v1/facilities/equipment/{item_id}/restore", "/api/v1/facilities/complaints"):
        assert path in paths, sorted(p for p in paths if "facilities" in p)
