"""The directory through the gateway: staff keep places with weekly hours, residents
search them by category and keyword and see which are open now and which are stale,
a grid worker verifies; every route and status of the contract, and the stale sweep
run by many replicas at once flags each place once."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import eventually

PLACES = "/api/v1/directory/places"
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


def place_body(community_id, name="社区卫生服务站", category="clinic", **extra):
    return {"community_id": community_id, "name": name, "category": category,
            "address": "幸福路 8 号", "phone": "021-6555 1234",
            "hours": [{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "17:00"}], **extra}


def around_now(minutes_before, minutes_after):
    """Hours, today and every day, opening and closing around the community's now."""
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    start = now - dt.timedelta(minutes=minutes_before)
    end = now + dt.timedelta(minutes=minutes_after)
    return [{"days": EVERY_DAY, "open": start.strftime("%H:%M"), "close": end.strftime("%H:%M")}]


@pytest.fixture(scope="module")
def town(api):
    community = api.community()
    other = api.community()
    return {"community": community, "other": other,
            "staff": api.staff(community["id"]), "other_staff": api.staff(other["id"]),
            "resident": api.resident(community["id"]), "admin": api.admin()}


def add(api, town, **body):
    answer = api.post(PLACES, place_body(town["community"]["id"], **body), town["staff"]["token"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def listed(api, token, **params):
    answer = api.get(PLACES, token, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_staff_add_a_place_and_residents_see_it_open_or_closed_now(api, town):
    open_pharmacy = add(api, town, name="益丰大药房 夜间窗口", category="pharmacy",
                        hours=around_now(60, 60))
    closed_locksmith = add(api, town, name="老周开锁", category="repair",
                           hours=around_now(-60, 120))
    assert open_pharmacy["verified_at"] and open_pharmacy["stale"] is False
    assert open_pharmacy["open_now"] is True and closed_locksmith["open_now"] is False
    assert open_pharmacy["name"] == "益丰大药房 夜间窗口"  # Chinese round-trips

    mine = listed(api, town["resident"]["token"])  # the resident's own community by default
    by_id = {p["id"]: p for p in mine["items"]}
    assert by_id[open_pharmacy["id"]]["open_now"] is True
    assert by_id[closed_locksmith["id"]]["open_now"] is False
    open_ids = {p["id"] for p in listed(api, town["resident"]["token"], open_now="true")["items"]}
    assert open_pharmacy["id"] in open_ids and closed_locksmith["id"] not in open_ids
    closed_ids = {p["id"] for p in listed(api, town["resident"]["token"],
                                          open_now="false")["items"]}
    assert closed_locksmith["id"] in closed_ids and open_pharmacy["id"] not in closed_ids


def test_search_by_category_and_keywords(api, town):
    police = add(api, town, name="幸福里派出所", category="police", phone="110",
                 notes="户籍窗口 周六上午")
    add(api, town, name="街道办事处", category="government")
    token = town["resident"]["token"]
    assert [p["id"] for p in listed(api, token, category="police")["items"]] == [police["id"]]
    assert [p["id"] for p in listed(api, token, q="户籍 周六")["items"]] == [police["id"]]
    assert listed(api, token, q="户籍 周日")["items"] == []
    assert listed(api, token, q="派出所", category="clinic")["items"] == []


def test_a_list_pages_with_its_own_cursor(api, town):
    community = api.community()
    staff = api.staff(community["id"])
    made = [api.post(PLACES, place_body(community["id"], name=f"家政 {i}",
                                        category="housekeeping"), staff["token"]).json()["id"]
            for i in range(3)]
    first = listed(api, staff["token"], limit=2)
    assert [p["id"] for p in first["items"]] == made[::-1][:2] and first["next_cursor"]
    second = listed(api, staff["token"], limit=2, cursor=first["next_cursor"])
    assert [p["id"] for p in second["items"]] == [made[0]] and second["next_cursor"] is None
    bad = api.get(PLACES, staff["token"], params={"cursor": "not-ours"})
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["details"]


def test_staff_change_a_place_and_a_grid_worker_verifies_it(api, town, stack):
    place = add(api, town, name="自来水公司营业厅", category="utility")
    changed = api.patch(f"{PLACES}/{place['id']}", {"phone": "96116", "notes": "抄表咨询"},
                        town["staff"]["token"])
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "96116" and changed.json()["notes"] == "抄表咨询"
    assert changed.json()["updated_at"]

    # not verified for 200 days: stale in every list
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200)
    stack.db("directory")["places"].update_one({"_id": place["id"]},
                                               {"$set": {"verified_at": long_ago}})
    seen = {p["id"]: p for p in listed(api, town["resident"]["token"])["items"]}
    assert seen[place["id"]]["stale"] is True

    verified = api.post(f"{PLACES}/{place['id']}/verify", None, town["staff"]["token"])
    assert verified.status_code == 200, verified.text
    assert verified.json()["stale"] is False
    assert dt.datetime.fromisoformat(verified.json()["verified_at"]) > long_ago
    assert verified.json()["verified_by"] == town["staff"]["id"]


def test_the_stale_sweep_flags_each_place_once_however_many_run_it(api, town, stack):
    community = api.community()
    staff = api.staff(community["id"])
    ids = [api.post(PLACES, place_body(community["id"], name=f"养老服务站 {i}",
                                       category="elderly_care"), staff["token"]).json()["id"]
           for i in range(5)]
    as_of = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=181)).isoformat()
    early = api.post("/api/v1/admin/jobs/directory-stale",
                     {"as_of": (dt.datetime.now(dt.timezone.utc)
                                + dt.timedelta(days=179)).isoformat()}, staff["token"])
    assert early.json() == {"processed": 0}

    def run(_):
        answer = api.post("/api/v1/admin/jobs/directory-stale", {"as_of": as_of}, staff["token"])
        assert answer.status_code == 200, answer.text
        return answer.json()["processed"]

    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(run, range(8)))
    assert sum(counts) == len(ids), counts
    flagged = stack.db("directory")["places"].count_documents(
        {"community_id": community["id"], "stale_flagged_at": {"$exists": True}})
    assert flagged == len(ids)
    assert run(0) == 0  # a second run for the same instant changes nothing

    # the community's staff are told once per place, in their inbox
    def told():
        inbox = api.get("/api/v1/notifications", staff["token"], params={"limit": 50}).json()
        return [m for m in inbox["items"] if m["category"] == "directory.place_went_stale"]
    messages = eventually(lambda: len(told()) >= len(ids) and told())
    assert sorted(m["ref"]["id"] for m in messages) == sorted(ids)
    assert all(m["ref"]["type"] == "place" and "180" in m["body"] for m in messages)


def test_who_may_do_what(api, town):
    place = add(api, town, name="社区食堂订餐电话", category="other")
    body = place_body(town["community"]["id"])
    assert api.post(PLACES, body).status_code == 401
    assert api.get(PLACES).status_code == 401
    assert api.post(PLACES, body, town["resident"]["token"]).status_code == 403
    assert api.post(PLACES, body, town["other_staff"]["token"]).status_code == 403
    assert api.patch(f"{PLACES}/{place['id']}", {"phone": "110"},
                     town["other_staff"]["token"]).status_code == 403
    assert api.patch(f"{PLACES}/{place['id']}", {"phone": "110"},
                     town["resident"]["token"]).status_code == 403
    assert api.post(f"{PLACES}/{place['id']}/verify", None,
                    town["resident"]["token"]).status_code == 403
    assert api.post(f"{PLACES}/{place['id']}/verify", None).status_code == 401
    assert api.patch(f"{PLACES}/nope", {"phone": "110"}, town["staff"]["token"]).status_code == 404
    assert api.post(f"{PLACES}/nope/verify", None, town["staff"]["token"]).status_code == 404
    # an admin places anywhere, but only in a community that exists
    assert api.post(PLACES, place_body(town["other"]["id"]), town["admin"]).status_code == 201
    unknown = api.post(PLACES, place_body("no-such-community"), town["admin"])
    assert unknown.status_code == 422 and "community_id" in unknown.json()["error"]["details"]
    # an admin has no community of their own: name one
    assert api.get(PLACES, town["admin"]).status_code == 422
    assert api.get(PLACES, town["admin"],
                   params={"community_id": town["other"]["id"]}).status_code == 200


@pytest.mark.parametrize("change, field", [
    ({"category": "bakery"}, "category"),
    ({"hours": [{"days": [8], "open": "08:00", "close": "17:00"}]}, "hours"),
    ({"hours": [{"days": [1], "open": "8:00", "close": "17:00"}]}, "hours"),
    ({"hours": [{"days": [1], "open": "24:00", "close": "02:00"}]}, "hours"),
    ({"hours": [{"days": [1, 1], "open": "08:00", "close": "17:00"}]}, "hours"),
    ({"phone": "call us"}, "phone"),
    ({"phone": {"$gt": ""}}, "phone"),
    ({"name": ""}, "name"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_422_naming_the_field(api, town, change, field):
    made = api.post(PLACES, {**place_body(town["community"]["id"]), **change},
                    town["staff"]["token"])
    assert made.status_code == 422, made.text
    assert any(key.split(".")[0] == field for key in made.json()["error"]["details"])
    place = add(api, town)
    patched = api.patch(f"{PLACES}/{place['id']}", change, town["staff"]["token"])
    assert patched.status_code == 422
    assert any(key.split(".")[0] == field for key in patched.json()["error"]["details"])


def test_an_empty_change_and_bad_filters_are_422(api, town):
    place = add(api, town)
    assert api.patch(f"{PLACES}/{place['id']}", {}, town["staff"]["token"]).status_code == 422
    token = town["resident"]["token"]
    assert api.get(PLACES, token, params={"category": "bakery"}).status_code == 422
    assert api.get(PLACES, token, params={"open_now": "perhaps"}).status_code == 422
    assert api.get(PLACES, token, params={"limit": 0}).status_code == 422
    assert api.get(PLACES, token, params={"colour": "red"}).status_code == 422
