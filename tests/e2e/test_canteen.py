"""The canteen through the real gateway: sites, menus, bookings, the counter, the
kitchen, the jobs and the diner's inbox."""
import datetime as dt
import uuid

import pytest

from tests.helpers import eventually

SITES = "/api/v1/canteen/sites"
BOOKINGS = "/api/v1/canteen/bookings"
CHECKOUTS = "/api/v1/canteen/checkouts"

DISHES = [
    {"name": "鱼香肉丝", "tags": ["meat"], "price_fen": 1200},
    {"name": "西红柿炒鸡蛋", "tags": ["vegetable", "soft"], "price_fen": 800},
    {"name": "清炒时蔬", "tags": ["vegetable", "low_salt"], "price_fen": 600},
    {"name": "米饭", "tags": [], "price_fen": 100},
    {"name": "自选素菜", "tags": ["vegetable"], "price_per_100g_fen": 333},
]


def day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def cutoff(date: str, hour: int = 10) -> str:
    return f"{date}T{hour:02d}:00:00+08:00"


def error(answer):
    return answer.json()["error"]


def names(answer, field):
    """True when the 422's details name ``field`` (or a part of it, ``items.0.grams``)."""
    return any(key == field or key.startswith(field + ".") for key in error(answer)["details"])


@pytest.fixture(scope="module")
def canteen(api):
    """A community with its staff, a site and two residents."""
    community = api.community()
    staff = api.staff(community["id"])
    answer = api.post(SITES, {"name": f"初心食堂-{uuid.uuid4().hex[:4]}",
                              "community_id": community["id"], "elder_discount_percent": 20,
                              "caring_lunch_price_fen": 990}, staff["token"])
    assert answer.status_code == 201, answer.text
    return {"community": community, "staff": staff, "site": answer.json()}


def new_site(api, canteen, **extra):
    answer = api.post(SITES, {"name": f"社区食堂-{uuid.uuid4().hex[:4]}",
                              "community_id": canteen["community"]["id"], **extra},
                      canteen["staff"]["token"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def publish(api, token, site_id, date, meal="lunch", capacity=50, dishes=DISHES, hour=10):
    return api.put(f"{SITES}/{site_id}/menus/{date}/{meal}",
                   {"capacity": capacity, "booking_cutoff": cutoff(date, hour), "dishes": dishes},
                   token)


def book(api, token, site_id, date, meal="lunch", portions=1):
    return api.post(BOOKINGS, {"site_id": site_id, "date": date, "meal": meal,
                               "portions": portions}, token)


# -- sites --------------------------------------------------------------------------
def test_staff_open_a_site_and_everyone_signed_in_sees_it(api, canteen):
    site = canteen["site"]
    assert site["caring_lunch_price_fen"] == 990 and site["elder_discount_percent"] == 20
    assert site["community_id"] == canteen["community"]["id"] and site["id"]
    plain = new_site(api, canteen, elder_discount_percent=10)
    assert plain["caring_lunch_price_fen"] == 990  # the default
    resident = api.resident(canteen["community"]["id"])
    listed = api.get(f"{SITES}?community_id={canteen['community']['id']}", resident["token"])
    assert listed.status_code == 200
    ids = [s["id"] for s in listed.json()["items"]]
    assert site["id"] in ids and plain["id"] in ids and listed.json()["next_cursor"] is None
    assert api.get(SITES).status_code == 401


def test_only_staff_of_the_community_open_sites(api, canteen):
    body = {"name": "食堂", "community_id": canteen["community"]["id"],
            "elder_discount_percent": 10}
    resident = api.resident(canteen["community"]["id"])
    assert api.post(SITES, body, resident["token"]).status_code == 403
    other = api.community()
    outsider = api.staff(other["id"])
    assert api.post(SITES, body, outsider["token"]).status_code == 403
    unknown = api.post(SITES, {**body, "community_id": "no-such-community"}, api.admin())
    assert unknown.status_code == 422 and "community_id" in error(unknown)["details"]
    bad = api.post(SITES, {**body, "caring_lunch_price_fen": 9.9}, canteen["staff"]["token"])
    assert bad.status_code == 422 and "caring_lunch_price_fen" in error(bad)["details"]
    bad = api.post(SITES, {**body, "elder_discount_percent": 150}, canteen["staff"]["token"])
    assert bad.status_code == 422 and "elder_discount_percent" in error(bad)["details"]


# -- menus --------------------------------------------------------------------------
def test_a_published_menu_is_visible_ahead_with_its_counts(api, canteen):
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(3)
    answer = publish(api, token, site["id"], date, "lunch", capacity=40)
    assert answer.status_code == 200, answer.text
    menu = answer.json()
    assert menu["site_id"] == site["id"] and menu["date"] == date and menu["meal"] == "lunch"
    assert (menu["capacity"], menu["booked"], menu["remaining"]) == (40, 0, 40)
    assert [d["name"] for d in menu["dishes"]] == [d["name"] for d in DISHES]
    assert menu["dishes"][4]["price_per_100g_fen"] == 333
    assert dt.datetime.fromisoformat(menu["booking_cutoff"]) == \
        dt.datetime.fromisoformat(cutoff(date))
    assert publish(api, token, site["id"], date, "breakfast", hour=6).status_code == 200
    assert publish(api, token, site["id"], day(4), "dinner", hour=16).status_code == 200

    resident = api.resident(canteen["community"]["id"])
    listed = api.get(f"{SITES}/{site['id']}/menus?from={date}&to={day(4)}", resident["token"])
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(m["date"], m["meal"]) for m in items] == [
        (date, "breakfast"), (date, "lunch"), (day(4), "dinner")]
    assert items[1]["dishes"][0]["name"] == "鱼香肉丝"
    only = api.get(f"{SITES}/{site['id']}/menus?from={day(4)}&to={day(4)}", resident["token"])
    assert [m["meal"] for m in only.json()["items"]] == ["dinner"]
    assert api.get(f"{SITES}/nope/menus", resident["token"]).status_code == 404
    bad = api.get(f"{SITES}/{site['id']}/menus?from=2026-13-01", resident["token"])
    assert bad.status_code == 422 and "from" in error(bad)["details"]


def test_republishing_replaces_dishes_and_never_drops_capacity_below_booked(api, canteen):
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(3)
    assert publish(api, token, site["id"], date, capacity=10).status_code == 200
    diner = api.resident(canteen["community"]["id"])
    week = f"{SITES}/{site['id']}/menus?from={date}&to={date}"
    assert len(api.get(week, diner["token"]).json()["items"][0]["dishes"]) == len(DISHES)
    assert book(api, diner["token"], site["id"], date, portions=3).status_code == 201

    answer = publish(api, token, site["id"], date, capacity=5, dishes=DISHES[:2])
    assert answer.status_code == 200, answer.text
    menu = answer.json()
    assert (menu["capacity"], menu["booked"], menu["remaining"]) == (5, 3, 2)
    assert [d["name"] for d in menu["dishes"]] == ["鱼香肉丝", "西红柿炒鸡蛋"]
    # the next read shows the new dishes, though the canteen kept the old ones
    assert api.get(week, diner["token"]).json()["items"] == [menu]

    below = publish(api, token, site["id"], date, capacity=2)
    assert below.status_code == 409, below.text
    assert error(below)["code"] == "capacity_below_booked"
    exactly = publish(api, token, site["id"], date, capacity=3)
    assert exactly.status_code == 200 and exactly.json()["remaining"] == 0


@pytest.mark.parametrize("path_date, meal, change, field", [
    ("2026-02-30", "lunch", {}, "date"),
    ("tomorrow", "lunch", {}, "date"),
    (None, "supper", {}, "meal"),
    (None, "lunch", {"booking_cutoff": "{date}T11:45:00+08:00"}, "booking_cutoff"),
    (None, "lunch", {"booking_cutoff": "not-a-time"}, "booking_cutoff"),
    (None, "lunch", {"capacity": 12.5}, "capacity"),
    (None, "lunch", {"capacity": -1}, "capacity"),
    (None, "lunch", {"dishes": [{"name": "米饭", "price_fen": 1.5}]}, "dishes"),
    (None, "lunch", {"dishes": [{"name": "米饭", "price_fen": "100"}]}, "dishes"),
    (None, "lunch", {"dishes": [{"name": "米饭"}]}, "dishes"),
    (None, "lunch", {"dishes": [{"name": "米饭", "price_fen": 100,
                                  "price_per_100g_fen": 100}]}, "dishes"),
    (None, "lunch", {"dishes": []}, "dishes"),
    (None, "lunch", {"dishes": [{"name": "米饭", "price_fen": 100, "$where": "1"}]}, "dishes"),
])
def test_bad_menus_are_422_with_the_field_named_and_nothing_written(
        api, canteen, path_date, meal, change, field):
    site, token = canteen["site"], canteen["staff"]["token"]
    date = day(20)
    body = {"capacity": 30, "booking_cutoff": cutoff(date), "dishes": DISHES}
    body.update({k: (v.format(date=date) if isinstance(v, str) else v) for k, v in change.items()})
    answer = api.put(f"{SITES}/{site['id']}/menus/{path_date or date}/{meal}", body, token)
    assert answer.status_code == 422, answer.text
    assert field in str(error(answer)["details"]), answer.text
    listed = api.get(f"{SITES}/{site['id']}/menus?from={date}&to={date}", token)
    assert listed.json()["items"] == []


def test_only_staff_of_the_sites_community_publish(api, canteen):
    site, date = canteen["site"], day(5)
    resident = api.resident(canteen["community"]["id"])
    assert publish(api, resident["token"], site["id"], date).status_code == 403
    outsider = api.staff(api.community()["id"])
    assert publish(api, outsider["token"], site["id"], date).status_code == 403
    assert publish(api, canteen["staff"]["token"], "no-such-site", date).status_code == 404
    assert publish(api, api.admin(), site["id"], date).status_code == 200


# -- bookings -----------------------------------------------------------------------
def test_book_cancel_and_book_again(api, canteen):
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(2)
    assert publish(api, token, site["id"], date, capacity=5).status_code == 200
    diner = api.resident(canteen["community"]["id"], name="王秀英")
    answer = book(api, diner["token"], site["id"], date, portions=2)
    assert answer.status_code == 201, answer.text
    booking = answer.json()
    assert booking["status"] == "booked" and booking["portions"] == 2
    assert len(booking["pickup_code"]) == 6 and booking["pickup_code"].isalnum()
    assert booking["price_rule"] == "standard" and booking["resident_id"] == diner["id"]

    again = book(api, diner["token"], site["id"], date)
    assert again.status_code == 409 and error(again)["code"] == "already_booked"
    menus = api.get(f"{SITES}/{site['id']}/menus?from={date}&to={date}", diner["token"]).json()
    assert (menus["items"][0]["booked"], menus["items"][0]["remaining"]) == (2, 3)

    mine = api.get(BOOKINGS, diner["token"])
    assert mine.status_code == 200 and [b["id"] for b in mine.json()["items"]] == [booking["id"]]
    assert api.get(f"{BOOKINGS}/{booking['id']}", diner["token"]).json()["status"] == "booked"
    stranger = api.resident(canteen["community"]["id"])
    assert api.get(f"{BOOKINGS}/{booking['id']}", stranger["token"]).status_code == 404
    assert api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, stranger["token"]).status_code == 404

    cancelled = api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, diner["token"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    menus = api.get(f"{SITES}/{site['id']}/menus?from={date}&to={date}", diner["token"]).json()
    assert (menus["items"][0]["booked"], menus["items"][0]["remaining"]) == (0, 5)
    twice = api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, diner["token"])
    assert twice.status_code == 409 and error(twice)["code"] == "illegal_transition"

    rebooked = book(api, diner["token"], site["id"], date, portions=4)
    assert rebooked.status_code == 201 and rebooked.json()["id"] != booking["id"]

    staff_view = api.get(f"{BOOKINGS}?site_id={site['id']}&date={date}&meal=lunch", token)
    assert staff_view.status_code == 200
    assert {b["status"] for b in staff_view.json()["items"]} == {"booked", "cancelled"}
    outsider = api.staff(api.community()["id"])
    assert api.get(f"{BOOKINGS}?site_id={site['id']}", outsider["token"]).status_code == 403


def test_the_diner_gets_booking_and_cancel_messages(api, canteen):
    site, token = canteen["site"], canteen["staff"]["token"]
    date = day(6)
    assert publish(api, token, site["id"], date, "dinner", hour=16).status_code == 200
    diner = api.resident(canteen["community"]["id"])
    booking = book(api, diner["token"], site["id"], date, "dinner").json()

    def inbox_has(category):
        items = api.get("/api/v1/notifications", diner["token"]).json()["items"]
        return [m for m in items if m["category"] == category]

    created = eventually(lambda: inbox_has("canteen.booking_created"))
    assert created[0]["ref"] == {"type": "booking", "id": booking["id"]}
    assert booking["pickup_code"] in created[0]["body"] and site["name"] in created[0]["body"]
    api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, diner["token"])
    cancelled = eventually(lambda: inbox_has("canteen.booking_cancelled"))
    assert site["name"] in cancelled[0]["body"]


def test_a_full_slot_is_409_slot_full(api, canteen):
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(2)
    assert publish(api, token, site["id"], date, capacity=3).status_code == 200
    first = api.resident(canteen["community"]["id"])
    second = api.resident(canteen["community"]["id"])
    assert book(api, first["token"], site["id"], date, portions=2).status_code == 201
    too_many = book(api, second["token"], site["id"], date, portions=2)
    assert too_many.status_code == 409 and error(too_many)["code"] == "slot_full"
    assert book(api, second["token"], site["id"], date, portions=1).status_code == 201
    third = api.resident(canteen["community"]["id"])
    full = book(api, third["token"], site["id"], date)
    assert full.status_code == 409 and error(full)["code"] == "slot_full"


@pytest.mark.parametrize("change, field", [
    ({"site_id": "no-such-site"}, "site_id"),
    ({"date": "2026/12/01"}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({"meal": "supper"}, "meal"),
    ({"portions": 0}, "portions"),
    ({"portions": 5}, "portions"),
    ({"portions": 1.5}, "portions"),
    ({"site_id": {"$ne": ""}}, "site_id"),
    ({"meal": "dinner"}, "meal"),          # no dinner menu published
    ({"resident_id": "someone-else"}, "resident_id"),
])
def test_bad_bookings_are_422_with_the_field_named(api, canteen, change, field):
    site, date = canteen["site"], day(7)
    publish(api, canteen["staff"]["token"], site["id"], date)
    diner = api.resident(canteen["community"]["id"])
    body = {"site_id": site["id"], "date": date, "meal": "lunch", "portions": 1, **change}
    answer = api.post(BOOKINGS, body, diner["token"])
    assert answer.status_code == 422, answer.text
    assert names(answer, field), answer.text
    assert api.get(BOOKINGS, diner["token"]).json()["items"] == []


def test_past_the_cutoff_no_booking_and_no_cancelling(api, canteen):
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(2)
    assert publish(api, token, site["id"], date).status_code == 200
    diner = api.resident(canteen["community"]["id"])
    booking = book(api, diner["token"], site["id"], date).json()
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)).isoformat()
    closed = api.put(f"{SITES}/{site['id']}/menus/{date}/lunch",
                     {"capacity": 50, "booking_cutoff": past, "dishes": DISHES}, token)
    assert closed.status_code == 200, closed.text
    late = book(api, api.resident(canteen["community"]["id"])["token"], site["id"], date)
    assert late.status_code == 422 and error(late)["code"] == "booking_closed"
    no_cancel = api.post(f"{BOOKINGS}/{booking['id']}/cancel", None, diner["token"])
    assert no_cancel.status_code == 422 and "booking_cutoff" in error(no_cancel)["details"]
    assert api.get(f"{BOOKINGS}/{booking['id']}", diner["token"]).json()["status"] == "booked"


# -- the counter ----------------------------------------------------------------------
def test_checkout_by_pickup_code_with_a_weighed_dish_and_the_elder_price(api, canteen):
    site, token = new_site(api, canteen, elder_discount_percent=20), canteen["staff"]["token"]
    date = day(2)
    assert publish(api, token, site["id"], date).status_code == 200
    meal_date = dt.date.fromisoformat(date)
    sixty_today = meal_date.replace(year=meal_date.year - 60).isoformat()
    elder = api.resident(canteen["community"]["id"], birth_date=sixty_today, name="李桂兰")
    booking = book(api, elder["token"], site["id"], date).json()
    assert booking["price_rule"] == "elder"

    items = [{"dish_name": "西红柿炒鸡蛋", "quantity": 1}, {"dish_name": "米饭", "quantity": 1},
             {"dish_name": "自选素菜", "grams": 150}]      # 800 + 100 + 499.5 -> 500
    body = {"site_id": site["id"], "pickup_code": booking["pickup_code"], "date": date,
            "meal": "lunch", "items": items}
    answer = api.post(CHECKOUTS, body, token)
    assert answer.status_code == 201, answer.text
    bill = answer.json()
    assert bill["list_total_fen"] == 1400
    assert (bill["total_fen"], bill["price_rule"]) == (1120, "elder")
    assert [line["amount_fen"] for line in bill["lines"]] == [800, 100, 500]
    assert bill["booking_id"] == booking["id"] and bill["resident_id"] == elder["id"]
    assert api.get(f"{BOOKINGS}/{booking['id']}", elder["token"]).json()["status"] == "served"

    again = api.post(CHECKOUTS, body, token)
    assert again.status_code == 409 and error(again)["code"] == "already_served"
    lower = api.post(CHECKOUTS, {**body, "pickup_code": booking["pickup_code"].lower()}, token)
    assert lower.status_code == 409


def test_fifty_nine_on_the_meal_date_pays_the_list_price(api, canteen):
    site, token = new_site(api, canteen, elder_discount_percent=20), canteen["staff"]["token"]
    date = day(2)
    publish(api, token, site["id"], date)
    meal_date = dt.date.fromisoformat(date)
    turns_sixty_tomorrow = (meal_date.replace(year=meal_date.year - 60)
                            + dt.timedelta(days=1)).isoformat()
    diner = api.resident(canteen["community"]["id"], birth_date=turns_sixty_tomorrow)
    answer = api.post(CHECKOUTS, {"site_id": site["id"], "resident_id": diner["id"], "date": date,
                                  "meal": "lunch", "items": [{"dish_name": "鱼香肉丝"}]}, token)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["total_fen"], answer.json()["price_rule"]) == (1200, "standard")
    assert answer.json()["booking_id"] is None and answer.json()["walk_in"] is True


def diners(stack):
    """The canteen's projection of residents (fed by residents.* events)."""
    return stack.db("canteen")["diners"]


def test_caring_lunch_once_a_day_and_walk_ins_by_resident_id(stack, api, canteen):
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(2)
    publish(api, token, site["id"], date, "lunch")
    publish(api, token, site["id"], date, "dinner", hour=16)
    rider = api.resident(canteen["community"]["id"], name="赵师傅")
    patched = api.patch(f"/api/v1/residents/{rider['id']}", {"groups": ["delivery_rider"]}, token)
    assert patched.status_code == 200, patched.text
    # a group change reaches the canteen by event; the counter always asks residents
    eventually(lambda: diners(stack).find_one({"_id": rider["id"], "groups": ["delivery_rider"]}))
    booking = book(api, rider["token"], site["id"], date).json()
    assert booking["price_rule"] == "caring_lunch"

    big_lunch = [{"dish_name": "鱼香肉丝", "quantity": 1}, {"dish_name": "米饭", "quantity": 2}]
    by_id = {"site_id": site["id"], "resident_id": rider["id"], "date": date, "meal": "lunch",
             "items": big_lunch}
    first = api.post(CHECKOUTS, by_id, token)
    assert first.status_code == 201, first.text
    assert (first.json()["total_fen"], first.json()["price_rule"]) == (990, "caring_lunch")
    assert first.json()["booking_id"] == booking["id"]   # resident id serves their booking
    assert api.get(f"{BOOKINGS}/{booking['id']}", rider["token"]).json()["status"] == "served"

    second = api.post(CHECKOUTS, by_id, token)  # already served: a walk-in, full price
    assert second.status_code == 201, second.text
    assert second.json()["walk_in"] is True and second.json()["booking_id"] is None
    assert (second.json()["total_fen"], second.json()["price_rule"]) == (1400, "standard")

    dinner = api.post(CHECKOUTS, {**by_id, "meal": "dinner"}, token)
    assert (dinner.json()["total_fen"], dinner.json()["price_rule"]) == (1400, "standard")

    small = api.post(CHECKOUTS, {**by_id, "date": date, "items": [{"dish_name": "米饭"}]}, token)
    assert (small.json()["total_fen"], small.json()["price_rule"]) == (100, "standard")


@pytest.mark.parametrize("change, field", [
    ({"items": [{"dish_name": "宫保鸡丁", "quantity": 1}]}, "items.0.dish_name"),
    ({"items": [{"dish_name": "自选素菜", "grams": -100}]}, "items"),
    ({"items": [{"dish_name": "自选素菜", "grams": 50000}]}, "items"),
    ({"items": [{"dish_name": "自选素菜", "grams": 12.5}]}, "items"),
    ({"items": [{"dish_name": "自选素菜"}]}, "items.0.grams"),
    ({"items": [{"dish_name": "米饭", "quantity": 1}, {"dish_name": "鱼香肉丝", "grams": 100}]},
     "items.1.grams"),
    ({"items": []}, "items"),
    ({"site_id": "no-such-site"}, "site_id"),
    ({"meal": "tea"}, "meal"),
    ({"date": "01-12-2026"}, "date"),
    ({"pickup_code": "ZZZZZZ"}, "pickup_code"),
    ({"pickup_code": None, "resident_id": None}, "pickup_code"),
    ({"pickup_code": None, "resident_id": "no-such-resident"}, "resident_id"),
])
def test_bad_checkouts_are_422_and_leave_the_booking_waiting(api, canteen, change, field):
    site, token = canteen["site"], canteen["staff"]["token"]
    date = day(8)
    publish(api, token, site["id"], date)
    diner = api.resident(canteen["community"]["id"])
    booking = book(api, diner["token"], site["id"], date).json()
    body = {"site_id": site["id"], "pickup_code": booking["pickup_code"], "date": date,
            "meal": "lunch", "items": [{"dish_name": "米饭", "quantity": 1}], **change}
    body = {k: v for k, v in body.items() if v is not None}
    answer = api.post(CHECKOUTS, body, token)
    assert answer.status_code == 422, answer.text
    assert names(answer, field), answer.text
    assert api.get(f"{BOOKINGS}/{booking['id']}", diner["token"]).json()["status"] == "booked"


def test_only_staff_of_the_sites_community_work_the_counter(api, canteen):
    site, date = canteen["site"], day(9)
    publish(api, canteen["staff"]["token"], site["id"], date)
    diner = api.resident(canteen["community"]["id"])
    body = {"site_id": site["id"], "resident_id": diner["id"], "date": date, "meal": "lunch",
            "items": [{"dish_name": "米饭"}]}
    assert api.post(CHECKOUTS, body, diner["token"]).status_code == 403
    outsider = api.staff(api.community()["id"])
    assert api.post(CHECKOUTS, body, outsider["token"]).status_code == 403
    assert api.post(CHECKOUTS, {**body, "date": day(30)}, api.admin()).status_code == 422


# -- kitchen and jobs -----------------------------------------------------------------
def test_kitchen_view_and_the_jobs(api):
    community = api.community()   # its own community: staff-run jobs cover only it
    canteen = {"community": community, "staff": api.staff(community["id"])}
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(2)
    publish(api, token, site["id"], date, "lunch", capacity=20)
    diners = [api.resident(canteen["community"]["id"]) for _ in range(4)]
    bookings = [book(api, d["token"], site["id"], date, portions=p).json()
                for d, p in zip(diners, (1, 2, 3, 1))]
    api.post(f"{BOOKINGS}/{bookings[3]['id']}/cancel", None, diners[3]["token"])
    served = api.post(CHECKOUTS, {"site_id": site["id"], "pickup_code": bookings[0]["pickup_code"],
                                  "date": date, "meal": "lunch",
                                  "items": [{"dish_name": "鱼香肉丝"}, {"dish_name": "清炒时蔬"}]},
                      token)
    assert served.status_code == 201

    lunch_start = dt.datetime.fromisoformat(f"{date}T11:30:00+08:00")
    run = lambda name, at, who=token: api.post(  # noqa: E731
        f"/api/v1/admin/jobs/{name}", {"as_of": at.isoformat()}, who)
    early = run("canteen-pickup-reminder", lunch_start - dt.timedelta(minutes=61))
    assert early.status_code == 200 and early.json() == {"processed": 0}
    due = run("canteen-pickup-reminder", lunch_start - dt.timedelta(minutes=60))
    assert due.json() == {"processed": 2}, due.text          # the two still booked
    assert run("canteen-pickup-reminder", lunch_start - dt.timedelta(minutes=60)).json() == \
        {"processed": 0}
    reminded = eventually(lambda: [m for m in api.get("/api/v1/notifications",
                                                      diners[1]["token"]).json()["items"]
                                   if m["category"] == "canteen.pickup_reminder_due"])
    assert bookings[1]["pickup_code"] in reminded[0]["body"]

    assert run("canteen-no-show", lunch_start + dt.timedelta(minutes=30)).json() == {"processed": 0}
    outsider = api.staff(api.community()["id"])
    after = lunch_start + dt.timedelta(hours=3)
    assert run("canteen-no-show", after, outsider["token"]).json() == {"processed": 0}
    assert run("canteen-no-show", after).json() == {"processed": 2}
    assert run("canteen-no-show", after).json() == {"processed": 0}
    assert api.get(f"{BOOKINGS}/{bookings[1]['id']}", diners[1]["token"]).json()["status"] == \
        "no_show"
    resident_run = run("canteen-no-show", after, diners[0]["token"])
    assert resident_run.status_code == 403
    menu = api.get(f"{SITES}/{site['id']}/menus?from={date}&to={date}", token).json()["items"][0]
    assert (menu["booked"], menu["remaining"]) == (1, 19)  # no-shows hold no portions

    kitchen = api.get(f"{SITES}/{site['id']}/kitchen/{date}", token)
    assert kitchen.status_code == 200, kitchen.text
    view = kitchen.json()
    assert view["date"] == date and [m["meal"] for m in view["meals"]] == \
        ["breakfast", "lunch", "dinner"]
    lunch = view["meals"][1]
    assert {k: lunch[k] for k in ("bookings", "portions", "served", "cancelled", "no_shows")} == \
        {"bookings": 3, "portions": 6, "served": 1, "cancelled": 1, "no_shows": 2}
    assert lunch["served_by_tag"] == {"low_salt": 1, "meat": 1, "vegetable": 1}
    assert view["meals"][0]["bookings"] == 0
    assert api.get(f"{SITES}/{site['id']}/kitchen/{date}", diners[0]["token"]).status_code == 403
    assert api.get(f"{SITES}/{site['id']}/kitchen/someday", token).status_code == 422

    def inbox(diner, category):
        items = api.get("/api/v1/notifications", diner["token"]).json()["items"]
        return [m for m in items if m["category"] == category]

    receipt = eventually(lambda: inbox(diners[0], "canteen.meal_served"))
    assert receipt[0]["ref"] == {"type": "booking", "id": bookings[0]["id"]}
    assert eventually(lambda: inbox(diners[1], "canteen.booking_no_show"))


# -- demo data --------------------------------------------------------------------------
class _DemoApi:
    """The shape deploy/local/seed.py hands to ``demo.load``: paths under /api/v1."""

    def __init__(self, api):
        self.api, self.admin_token = api, api.admin()

    def post(self, path, json=None, token=None):
        return self.api.post("/api/v1" + path, json, token or self.admin_token)

    def put(self, path, json=None, token=None):
        return self.api.put("/api/v1" + path, json, token or self.admin_token)

    def get(self, path, token=None):
        return self.api.get("/api/v1" + path, token or self.admin_token)


def test_demo_data_is_a_week_of_menus_with_bookings(api):
    from services.canteen import demo
    community = api.community()
    staff = api.staff(community["id"])
    diners = [api.resident(community["id"]) for _ in range(3)]
    demo.load(_DemoApi(api), community["id"], staff["token"], [d["token"] for d in diners])
    sites = api.get(f"{SITES}?community_id={community['id']}", staff["token"]).json()["items"]
    assert [s["name"] for s in sites] == ["凌云社区初心食堂"]
    menus = api.get(f"{SITES}/{sites[0]['id']}/menus", diners[0]["token"]).json()["items"]
    assert len(menus) == 21
    names = {d["name"] for m in menus for d in m["dishes"]}
    assert {"鱼香肉丝", "西红柿炒鸡蛋", "清炒时蔬", "米饭"} <= names
    assert any(d["price_per_100g_fen"] for m in menus for d in m["dishes"])
    for diner in diners:
        assert len(api.get(BOOKINGS, diner["token"]).json()["items"]) == 1


def test_a_booking_right_after_registering_gets_the_elder_price(api, canteen):
    """The canteen has not heard of the new resident yet: it asks the residents service."""
    site, token = new_site(api, canteen, elder_discount_percent=20), canteen["staff"]["token"]
    date = day(3)
    publish(api, token, site["id"], date)
    meal_date = dt.date.fromisoformat(date)
    seventy = meal_date.replace(year=meal_date.year - 70).isoformat()
    for _ in range(5):
        elder = api.resident(canteen["community"]["id"], birth_date=seventy)
        answer = book(api, elder["token"], site["id"], date)
        assert answer.status_code == 201, answer.text
        assert answer.json()["price_rule"] == "elder"


def test_the_canteen_keeps_each_residents_newest_groups(stack, api, canteen):
    token = canteen["staff"]["token"]
    rider = api.resident(canteen["community"]["id"], birth_date="1985-03-02")
    eventually(lambda: diners(stack).find_one({"_id": rider["id"], "version": 1}))
    for groups in (["delivery_rider"], ["sanitation_worker"], []):
        assert api.patch(f"/api/v1/residents/{rider['id']}", {"groups": groups},
                         token).status_code == 200
    kept = eventually(lambda: diners(stack).find_one({"_id": rider["id"], "version": 4}))
    assert (kept["groups"], kept["birth_date"]) == ([], "1985-03-02")


@pytest.mark.parametrize("path, body", [
    ("menus?from=9999-12-30", None),
    ("menus?from=2026-12-01&to=9999-12-31", None),
    ("menus/0001-01-01/lunch", {"capacity": 5, "booking_cutoff": "0001-01-01T08:00:00+08:00",
                                "dishes": DISHES}),
    ("kitchen/9999-12-31", None),
])
def test_days_at_the_edge_of_the_calendar_are_422_not_500(api, canteen, path, body):
    token, site = canteen["staff"]["token"], canteen["site"]
    url = f"{SITES}/{site['id']}/{path}"
    answer = api.put(url, body, token) if body else api.get(url, token)
    assert answer.status_code == 422, answer.text


@pytest.mark.parametrize("change", [
    {"date": "0001-01-01"}, {"date": "9999-12-31"},
])
def test_a_booking_at_the_edge_of_the_calendar_is_422(api, canteen, change):
    diner = api.resident(canteen["community"]["id"])
    answer = api.post(BOOKINGS, {"site_id": canteen["site"]["id"], "date": day(2),
                                 "meal": "lunch", "portions": 1, **change}, diner["token"])
    assert answer.status_code == 422 and "date" in error(answer)["details"], answer.text


def test_a_trailing_newline_makes_a_pickup_code_or_a_tag_invalid(api, canteen):
    token, site = canteen["staff"]["token"], canteen["site"]
    date = day(5)
    tagged = [{"name": "红烧肉", "tags": ["meat\n"], "price_fen": 1500}]
    menu = api.put(f"{SITES}/{site['id']}/menus/{date}/dinner",
                   {"capacity": 5, "booking_cutoff": cutoff(date, 15), "dishes": tagged}, token)
    assert menu.status_code == 422, menu.text
    checkout = api.post(CHECKOUTS, {"site_id": site["id"], "pickup_code": "ABCDEF\n",
                                    "date": date, "meal": "lunch",
                                    "items": [{"dish_name": "米饭"}]}, token)
    assert checkout.status_code == 422 and "pickup_code" in error(checkout)["details"]


def test_after_a_bookings_201_the_next_menu_read_of_anyone_shows_it(api, canteen):
    """Menu counts are read from the menu itself on every read, never from a cache."""
    site, token = new_site(api, canteen), canteen["staff"]["token"]
    date = day(4)
    publish(api, token, site["id"], date, capacity=9)
    onlooker = api.resident(canteen["community"]["id"])
    menus = f"{SITES}/{site['id']}/menus?from={date}&to={date}"
    for booked in range(1, 4):
        diner = api.resident(canteen["community"]["id"])
        assert book(api, diner["token"], site["id"], date, portions=2).status_code == 201
        menu = api.get(menus, onlooker["token"]).json()["items"][0]
        assert (menu["booked"], menu["remaining"]) == (2 * booked, 9 - 2 * booked)
