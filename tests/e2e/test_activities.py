"""Classes and gatherings end to end through the gateway: parties seated whole or
waitlisted whole, freed seats offered down the waitlist with offers that expire,
attendance that earns points once, the birthday gathering's invitations."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.events import make_envelope, publisher
from tests.e2e.activities_helpers import A, at, error_code, publish, sign_up, step
from tests.e2e.volunteer_helpers import P, assert_ledger_balanced, ok
from tests.helpers import eventually


@pytest.fixture
def place(api):
    community = api.community()
    return {"community": community, "staff": api.staff(community["id"]),
            "people": [api.resident(community["id"], name=f"居民{i}") for i in range(4)]}


def inbox(api, person):
    return ok(api.get("/api/v1/notifications", person["token"]))["items"]


def messages_of(api, person, category):
    return [m for m in inbox(api, person) if m["category"] == category]


def test_staff_publish_residents_list_and_read(api, place):
    staff, someone = place["staff"], place["people"][0]
    cid = place["community"]["id"]
    made = publish(api, staff, cid, capacity=12, min_age=6)
    assert (made["taken"], made["remaining"], made["waiting"]) == (0, 12, 0)
    assert made["kind"] == "course" and made["attendance_points"] == 0
    assert made["starts_at"].endswith("+08:00")
    talk = publish(api, staff, cid, kind="talk", title="家庭教育讲座")
    seen = ok(api.get(A, someone["token"]))["items"]
    assert {made["id"], talk["id"]} <= {a["id"] for a in seen}
    talks = ok(api.get(A, someone["token"], params={"kind": "talk"}))["items"]
    assert [a["id"] for a in talks] == [talk["id"]]
    later = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    assert ok(api.get(A, someone["token"], params={"from": later}))["items"] == []
    first = ok(api.get(A, someone["token"], params={"limit": 1}))
    assert len(first["items"]) == 1 and first["next_cursor"]
    assert ok(api.get(f"{A}/{made['id']}", someone["token"]))["title"] == "周末书法班"

    assert error_code(api.get(f"{A}/nope", someone["token"]), 404) == "not_found"
    assert api.get(A).status_code == 401
    assert error_code(api.get(A, someone["token"], params={"cursor": "zz"}), 422)
    other = api.community()
    assert api.get(A, someone["token"], params={"community_id": other["id"]}).status_code == 403
    # only staff of the community publish
    assert publish(api, someone, cid, status=403)
    assert publish(api, api.staff(other["id"]), cid, status=403)


@pytest.mark.parametrize("change, field", [
    ({"kind": "party"}, "kind"),
    ({"capacity": 0}, "capacity"),
    ({"sessions": []}, "sessions"),
    ({"min_age": 12, "max_age": 6}, "max_age"),
    ({"birthday_month": 13, "kind": "gathering"}, "birthday_month"),
    ({"birthday_month": 5}, "birthday_month"),              # only a gathering has one
    ({"signup_closes_at": at(days=3)}, "signup_closes_at"),  # after the first start
    ({"signup_closes_at": at(hours=-1)}, "signup_closes_at"),  # already closed
    ({"title": {"$gt": ""}}, "title.$gt"),
    ({"colour": "red"}, "colour"),
    ({"community_id": "no-such-community"}, "community_id"),
])
def test_an_invalid_activity_is_refused_naming_the_field(api, place, change, field):
    answer = api.post(A, {"community_id": place["community"]["id"], "title": "观影之夜",
                          "kind": "screening", "capacity": 5, "location": "多功能厅",
                          "sessions": [{"start": at(days=2), "end": at(days=2, hours=2)}],
                          "signup_closes_at": at(days=1), **change}, place["staff"]["token"])
    if field == "community_id":  # staff of one community naming another: refused first
        assert answer.status_code in (403, 422), answer.text
        return
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["details"], answer.text


def test_a_session_ending_before_it_starts_is_refused(api, place):
    answer = api.post(A, {"community_id": place["community"]["id"], "title": "x", "kind": "talk",
                          "capacity": 5, "location": "y", "signup_closes_at": at(days=1),
                          "sessions": [{"start": at(days=2), "end": at(days=2, hours=-1)}]},
                      place["staff"]["token"])
    assert answer.status_code == 422 and "sessions" in answer.json()["error"]["details"]


def test_a_party_is_seated_whole_or_waitlisted_whole(api, place):
    staff, (mother, father, grandma, neighbour) = place["staff"], place["people"]
    reading = publish(api, staff, place["community"]["id"], capacity=3,
                      title="亲子阅读时光", kind="class")
    first = sign_up(api, mother, reading, ("小明", "2019-03-02"))
    assert (first["status"], first["size"], first["position"]) == ("confirmed", 2, None)
    second = sign_up(api, father, reading, ("小红", "2018-07-07"))
    assert (second["status"], second["position"]) == ("waitlisted", 1)
    third = sign_up(api, grandma, reading)  # one seat left: a party of one fits
    assert third["status"] == "confirmed"
    fourth = sign_up(api, neighbour, reading)
    assert (fourth["status"], fourth["position"]) == ("waitlisted", 2)
    now = ok(api.get(f"{A}/{reading['id']}", mother["token"]))
    assert (now["taken"], now["remaining"], now["waiting"]) == (3, 0, 2)

    again = api.post(f"{A}/{reading['id']}/signups",
                     {"party": [{"name": "妈妈", "birth_date": "1990-01-01"}]}, mother["token"])
    assert error_code(again, 409) == "already_signed_up"
    five = [{"name": f"p{i}", "birth_date": "2000-01-01"} for i in range(5)]
    assert api.post(f"{A}/{reading['id']}/signups", {"party": five},
                    api.resident(place["community"]["id"])["token"]).status_code == 422
    assert api.post(f"{A}/{reading['id']}/signups", {"party": []},
                    mother["token"]).status_code == 422
    assert api.post(f"{A}/nope/signups", {"party": five[:1]}, mother["token"]).status_code == 404

    roster = ok(api.get(f"{A}/{reading['id']}/signups", staff["token"]))["items"]
    assert {(s["id"], s["status"], s["position"]) for s in roster} == {
        (first["id"], "confirmed", None), (second["id"], "waitlisted", 1),
        (third["id"], "confirmed", None), (fourth["id"], "waitlisted", 2)}
    assert api.get(f"{A}/{reading['id']}/signups", mother["token"]).status_code == 403
    mine = ok(api.get(f"{A}/signups", father["token"]))["items"]
    assert [(s["id"], s["position"]) for s in mine] == [(second["id"], 1)]
    assert ok(api.get(f"{A}/signups/{second['id']}", father["token"]))["position"] == 1
    assert api.get(f"{A}/signups/{second['id']}", mother["token"]).status_code == 404


def test_ages_are_checked_for_every_member_on_the_first_sessions_date(api, place):
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)
    day = start.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    tutoring = publish(api, place["staff"], place["community"]["id"], title="假期免费托管",
                       kind="class", min_age=6, max_age=40, starts_in=dt.timedelta(days=3))
    six_that_day = day.replace(year=day.year - 6).isoformat()
    six_next_day = (day.replace(year=day.year - 6) + dt.timedelta(days=1)).isoformat()
    parent = place["people"][0]
    young = api.post(f"{A}/{tutoring['id']}/signups", {"party": [
        {"name": "妈妈", "birth_date": "1990-05-01"}, {"name": "小宝", "birth_date": six_next_day}]},
        parent["token"])
    assert error_code(young, 422) == "age_limit"
    assert list(young.json()["error"]["details"]["party"]) == ["1"]
    old = api.post(f"{A}/{tutoring['id']}/signups", {"party": [
        {"name": "爷爷", "birth_date": "1950-05-01"}]}, parent["token"])
    assert list(old.json()["error"]["details"]["party"]) == ["0"]
    seated = sign_up(api, parent, tutoring, ("小宝", six_that_day))
    assert seated["status"] == "confirmed"


def test_cancelled_seats_go_down_the_waitlist_and_a_cancelled_party_is_never_offered(api, place):
    staff, (a, b, c, d) = place["staff"], place["people"]
    film = publish(api, staff, place["community"]["id"], capacity=2, title="周五电影之夜",
                   kind="screening")
    seated = sign_up(api, a, film, ("孩子", "2015-01-01"))
    big = sign_up(api, b, film, ("伴侣", "1988-01-01"), ("孩子", "2016-01-01"))  # 3: never fits
    small = sign_up(api, c, film)
    gone = sign_up(api, d, film)
    assert [s["position"] for s in (big, small, gone)] == [1, 2, 3]
    assert step(api, gone, "cancel", d["token"])["status"] == "cancelled"  # leaves the line

    left = step(api, seated, "cancel", a["token"])
    assert left["status"] == "cancelled"
    offered = ok(api.get(f"{A}/signups/{small['id']}", c["token"]))
    assert offered["status"] == "offered" and offered["offer_expires_at"]
    assert ok(api.get(f"{A}/signups/{big['id']}", b["token"]))["status"] == "waitlisted"
    assert ok(api.get(f"{A}/signups/{gone['id']}", d["token"]))["status"] == "cancelled"
    now = ok(api.get(f"{A}/{film['id']}", c["token"]))
    assert (now["taken"], now["remaining"], now["waiting"]) == (1, 1, 1)

    assert error_code(api.post(f"{A}/signups/{big['id']}/accept", {}, b["token"]), 409) == \
        "illegal_transition"
    assert api.post(f"{A}/signups/{small['id']}/accept", {}, b["token"]).status_code == 404
    accepted = step(api, small, "accept", c["token"])
    assert (accepted["status"], accepted["offer_expires_at"]) == ("confirmed", None)
    assert error_code(api.post(f"{A}/signups/{small['id']}/accept", {}, c["token"]), 409) == \
        "illegal_transition"
    assert error_code(api.post(f"{A}/signups/{seated['id']}/cancel", {}, a["token"]), 409) == \
        "illegal_transition"
    assert api.post(f"{A}/signups/{small['id']}/cancel", {}, b["token"]).status_code == 404
    # a resident who cancelled may sign up again: a new entry at the back of the line
    back = sign_up(api, a, film)
    assert back["status"] == "confirmed" and back["id"] != seated["id"]
    assert ok(api.get(f"{A}/signups/{seated['id']}", a["token"]))["status"] == "cancelled"
    # staff cancel for a resident; the seat is offered to the next that fits (none)
    assert step(api, back, "cancel", staff["token"])["status"] == "cancelled"
    assert ok(api.get(f"{A}/signups/{big['id']}", b["token"]))["status"] == "waitlisted"


def test_a_declined_offer_passes_on_and_each_step_is_told(api, place):
    staff, (a, b, c, _) = place["staff"], place["people"]
    talk = publish(api, staff, place["community"]["id"], capacity=1, kind="talk",
                   title="防诈骗讲座")
    seated = sign_up(api, a, talk)
    first, second = sign_up(api, b, talk), sign_up(api, c, talk)
    step(api, seated, "cancel", a["token"])
    assert ok(api.get(f"{A}/signups/{first['id']}", b["token"]))["status"] == "offered"
    assert step(api, first, "decline", b["token"])["status"] == "declined"
    assert ok(api.get(f"{A}/signups/{second['id']}", c["token"]))["status"] == "offered"
    assert error_code(api.post(f"{A}/signups/{first['id']}/decline", {}, b["token"]), 409) == \
        "illegal_transition"
    assert step(api, second, "accept", c["token"])["status"] == "confirmed"

    eventually(lambda: messages_of(api, a, "activities.signup_confirmed"))
    waiting = eventually(lambda: messages_of(api, b, "activities.signup_waitlisted"))
    assert "防诈骗讲座" in waiting[0]["body"] and "1" in waiting[0]["body"]
    eventually(lambda: messages_of(api, b, "activities.seat_offered"))
    eventually(lambda: messages_of(api, c, "activities.seat_offered"))
    eventually(lambda: messages_of(api, c, "activities.signup_confirmed"))


def test_an_offer_not_answered_in_time_expires_and_passes_on(api, place):
    staff, (a, b, c, _) = place["staff"], place["people"]
    course = publish(api, staff, place["community"]["id"], capacity=1, title="非洲鼓体验课",
                     kind="class", starts_in=dt.timedelta(days=3))
    seated = sign_up(api, a, course)
    first, second = sign_up(api, b, course), sign_up(api, c, course)
    step(api, seated, "cancel", a["token"])
    offer = ok(api.get(f"{A}/signups/{first['id']}", b["token"]))
    expires = dt.datetime.fromisoformat(offer["offer_expires_at"])
    hours = (expires - dt.datetime.now(dt.timezone.utc)).total_seconds() / 3600
    assert 23.9 < hours <= 24  # 24 hours: the first session is three days away

    def run(as_of):
        return ok(api.post("/api/v1/admin/jobs/activities-offer-expiry",
                           {"as_of": as_of.isoformat()}, staff["token"]))["processed"]

    assert run(expires - dt.timedelta(minutes=1)) == 0
    assert run(expires + dt.timedelta(seconds=1)) == 1
    assert run(expires + dt.timedelta(seconds=1)) == 0  # a second run finds nothing
    assert ok(api.get(f"{A}/signups/{first['id']}", b["token"]))["status"] == "expired"
    assert ok(api.get(f"{A}/signups/{second['id']}", c["token"]))["status"] == "offered"
    assert error_code(api.post(f"{A}/signups/{first['id']}/accept", {}, b["token"]), 409) == \
        "illegal_transition"
    told = eventually(lambda: messages_of(api, b, "activities.offer_expired"))
    assert "非洲鼓体验课" in told[0]["body"]


def test_an_offer_made_near_the_start_expires_at_the_start(api, place):
    staff, (a, b, _, _) = place["staff"], place["people"]
    soon = publish(api, staff, place["community"]["id"], capacity=1, kind="screening",
                   starts_in=dt.timedelta(hours=5))
    seated, waiting = sign_up(api, a, soon), sign_up(api, b, soon)
    step(api, seated, "cancel", a["token"])
    offer = ok(api.get(f"{A}/signups/{waiting['id']}", b["token"]))
    assert offer["offer_expires_at"] == soon["starts_at"]


def test_sign_up_closes_and_attendance_earns_points_once(api, stack, place):
    staff, (a, b, c, _) = place["staff"], place["people"]
    points = 7
    now = dt.datetime.now(dt.timezone.utc)
    start = now + dt.timedelta(seconds=6)
    gathering = ok(api.post(A, {
        "community_id": place["community"]["id"], "title": "书法展示课", "kind": "class",
        "sessions": [{"start": start.isoformat(),
                      "end": (start + dt.timedelta(hours=1)).isoformat()}],
        "capacity": 2, "location": "活动室", "signup_closes_at": start.isoformat(),
        "attendance_points": points}, staff["token"]), 201)
    family = sign_up(api, a, gathering, ("女儿", "2016-04-04"))
    waiting = sign_up(api, b, gathering)
    door = f"{A}/{gathering['id']}/attendance"
    early = api.post(door, {"signup_id": family["id"], "attended": True}, staff["token"])
    assert error_code(early, 409) == "not_started"

    def late():
        answer = api.post(f"{A}/{gathering['id']}/signups",
                          {"party": [{"name": "晚到", "birth_date": "1990-01-01"}]}, c["token"])
        return answer.status_code == 422 and answer.json()["error"]["code"]

    assert eventually(late, seconds=20) == "signup_closed"
    assert api.post(door, {"signup_id": family["id"]}, a["token"]).status_code == 403
    assert error_code(api.post(door, {"signup_id": waiting["id"]}, staff["token"]), 409) == \
        "not_confirmed"
    assert api.post(door, {"signup_id": "nope"}, staff["token"]).status_code == 422
    assert api.post(door, {"signup_id": family["id"], "attended": False},
                    staff["token"]).status_code == 422
    assert error_code(api.post(f"{A}/signups/{family['id']}/cancel", {}, a["token"]), 409) == \
        "activity_started"

    with ThreadPoolExecutor(6) as pool:  # the door's phone taps six times at once
        answers = list(pool.map(lambda _: api.post(door, {"signup_id": family["id"],
                                                          "attended": True}, staff["token"]),
                                range(6)))
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["attended"] for a in answers} == {True}
    again = ok(api.post(door, {"signup_id": family["id"], "attended": True}, staff["token"]))
    assert again["attended"] is True
    # the party of two earns the resident who signed up 7 points, once
    eventually(lambda: ok(api.get(f"{P}/me", a["token"]))["balance"] == points)
    eventually(lambda: messages_of(api, a, "activities.attendance_recorded"))
    eventually(lambda: messages_of(api, a, "volunteer.points_credited"))
    assert ok(api.get(f"{P}/me", a["token"]))["balance"] == points
    assert len(messages_of(api, a, "activities.attendance_recorded")) == 1
    assert_ledger_balanced(api)

    # the event delivered again, and a second event for the same sign-up: no second
    # credit; then one for another sign-up, which shows the others were handled first
    row = stack.db("activities")["outbox"].find_one(
        {"type": "activities.attendance_recorded", "envelope.data.signup_id": family["id"]})
    for _ in range(3):
        publisher().publish(row["envelope"])
    publisher().publish(make_envelope("activities.attendance_recorded", row["envelope"]["data"],
                                      source="activities"))
    publisher().publish(make_envelope("activities.attendance_recorded", {
        **row["envelope"]["data"], "signup_id": "another-signup", "points": 1},
        source="activities"))
    eventually(lambda: ok(api.get(f"{P}/me", a["token"]))["balance"] == points + 1)
    grants = [e for e in ok(api.get(f"{P}/me", a["token"]))["entries"] if e["kind"] == "grant"]
    assert sorted(e["points"] for e in grants) == [1, points]
    assert_ledger_balanced(api)


def test_a_birthday_gathering_invites_each_elder_born_that_month_once(api, stack, place):
    staff, cid = place["staff"], place["community"]["id"]
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    day = start.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    month = day.month
    elder = api.resident(cid, name="王奶奶", birth_date=f"{day.year - 75}-{month:02d}-01")
    sixty = day.replace(year=day.year - 60)
    just_sixty = api.resident(cid, name="刘阿姨", birth_date=sixty.isoformat())
    other_month = api.resident(cid, name="赵大爷", birth_date=(
        f"{day.year - 70}-{(month % 12) + 1:02d}-10"))
    young = api.resident(cid, name="孙先生", birth_date=f"{day.year - 40}-{month:02d}-01")
    elsewhere = api.resident(api.community()["id"], name="钱奶奶",
                             birth_date=f"{day.year - 80}-{month:02d}-02")
    members = stack.db("activities")["members"]
    everyone = (elder, just_sixty, other_month, young, elsewhere)
    eventually(lambda: members.count_documents({"_id": {"$in": [p["id"] for p in everyone]}})
               == len(everyone))
    party = publish(api, staff, cid, kind="gathering", title=f"{month}月长者生日会",
                    birthday_month=month, capacity=30, starts_in=dt.timedelta(days=2))
    assert party["invited"] == 2 and party["birthday_month"] == month
    for invited in (elder, just_sixty):
        told = eventually(lambda: messages_of(api, invited, "activities.invited"))
        assert f"{month}月长者生日会" in told[0]["body"]
    for left_out in (other_month, young, elsewhere):
        assert messages_of(api, left_out, "activities.invited") == []
    assert len(messages_of(api, elder, "activities.invited")) == 1
    assert sign_up(api, elder, party)["status"] == "confirmed"
