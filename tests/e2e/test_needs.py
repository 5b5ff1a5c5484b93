"""The needs list and the micro-wish wall through the gateway: every route, rule and
status of the contract, the privacy of the wall, and the messages people get."""
import datetime as dt

import pytest

from tests.e2e.needs_helpers import (N, W, categories, community_with_staff, open_wish,
                                     post_wish, record, step, wisher)
from tests.e2e.volunteer_helpers import P, assert_ledger_balanced, ok
from tests.helpers import eventually


@pytest.fixture(autouse=True)
def ledger_balanced_after_each_test(api):
    yield
    assert_ledger_balanced(api)


# -- the needs list -------------------------------------------------------------------
def test_a_resident_records_a_need_in_the_app_and_is_told(api):
    community, _ = community_with_staff(api)
    resident = wisher(api, community["id"])
    need = record(api, resident, address="幸福里5栋楼梯间")
    assert need["status"] == "open"
    assert need["resident_id"] == resident["id"]
    assert need["source"] == "app" and need["category"] == "safety"
    assert need["address"] == "幸福里5栋楼梯间"
    eventually(lambda: "needs.need_recorded" in categories(api, resident["token"]))


def test_staff_record_a_need_for_a_resident_who_phoned(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"], name="赵大爷")
    need = ok(api.post(N, {"category": "elderly_care", "description": "独居，想有人每周来看看",
                           "source": "phone", "resident_id": resident["id"]}, staff["token"]), 201)
    assert need["resident_id"] == resident["id"] and need["recorded_by"] == staff["id"]
    assert need["resident_name"] == "赵大爷"
    mine = ok(api.get(N, resident["token"]))["items"]
    assert [n["id"] for n in mine] == [need["id"]]


@pytest.mark.parametrize("body,field", [
    ({"category": "culture", "description": "x", "source": "visit"}, "source"),
    ({"category": "weather", "description": "x", "source": "app"}, "category"),
    ({"category": "culture", "description": "", "source": "app"}, "description"),
    ({"category": "culture", "description": "x"}, "source"),
    ({"category": "culture", "description": "x", "source": "app", "colour": "red"}, "colour"),
    ({"category": {"$gt": ""}, "description": "x", "source": "app"}, "category.$gt"),
])
def test_a_need_that_does_not_fit_is_422_naming_the_field(api, body, field):
    community, _ = community_with_staff(api)
    resident = wisher(api, community["id"])
    answer = api.post(N, body, resident["token"])
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["details"]


def test_staff_need_a_resident_of_their_own_community_and_a_real_source(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    other_community, _ = community_with_staff(api)
    stranger = wisher(api, other_community["id"])
    base = {"category": "hardship", "description": "失业，孩子学费有困难"}
    assert api.post(N, {**base, "source": "visit"}, staff["token"]).status_code == 422
    assert api.post(N, {**base, "source": "app", "resident_id": resident["id"]},
                    staff["token"]).status_code == 422
    assert api.post(N, {**base, "source": "visit", "resident_id": "nobody"},
                    staff["token"]).status_code == 422
    assert api.post(N, {**base, "source": "visit", "resident_id": stranger["id"]},
                    staff["token"]).status_code == 403
    assert api.post(N, {**base, "source": "app", "resident_id": stranger["id"]},
                    resident["token"]).status_code == 403
    assert api.post(N, {**base, "source": "app"}).status_code == 401


def test_staff_list_their_community_filtered_and_residents_only_their_own(api):
    community, staff = community_with_staff(api)
    first, second = wisher(api, community["id"]), wisher(api, community["id"], name="孙阿姨")
    lamp = record(api, first, category="safety")
    books = record(api, second, category="culture", description="想要给孩子借绘本")
    other_community, other_staff = community_with_staff(api)
    record(api, wisher(api, other_community["id"]))

    every = ok(api.get(N, staff["token"]))["items"]
    assert [n["id"] for n in every] == [books["id"], lamp["id"]]
    assert [n["id"] for n in ok(api.get(f"{N}?category=culture", staff["token"]))["items"]] == [
        books["id"]]
    ok(api.post(f"{N}/{lamp['id']}/close", {"resolution": "物业已换灯泡"}, staff["token"]))
    assert [n["id"] for n in ok(api.get(f"{N}?status=closed", staff["token"]))["items"]] == [
        lamp["id"]]
    assert ok(api.get(f"{N}?status=closed&category=culture", staff["token"]))["items"] == []
    assert [n["id"] for n in ok(api.get(N, first["token"]))["items"]] == [lamp["id"]]
    assert [n["id"] for n in ok(api.get(f"{N}?status=closed", first["token"]))["items"]] == [
        lamp["id"]]
    assert ok(api.get(f"{N}?status=open", first["token"]))["items"] == []
    assert api.get(f"{N}?community_id={community['id']}", other_staff["token"]).status_code == 403
    assert api.get(f"{N}?status=lost", staff["token"]).status_code == 422
    assert api.get(f"{N}?cursor=not-a-cursor", staff["token"]).status_code == 422
    assert ok(api.get(f"{N}/{lamp['id']}", first["token"]))["status"] == "closed"
    assert api.get(f"{N}/{lamp['id']}", second["token"]).status_code == 403
    assert api.get(f"{N}/{lamp['id']}", other_staff["token"]).status_code == 403
    assert api.get(f"{N}/nothing-here", staff["token"]).status_code == 404


def test_the_needs_list_pages_newest_first(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    made = [record(api, resident, description=f"需求{i}")["id"] for i in range(5)]
    first = ok(api.get(f"{N}?limit=3", staff["token"]))
    rest = ok(api.get(f"{N}?limit=3&cursor={first['next_cursor']}", staff["token"]))
    assert [n["id"] for n in first["items"] + rest["items"]] == made[::-1]
    assert rest["next_cursor"] is None


def test_the_summary_counts_by_category_and_status_for_staff_only(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    record(api, resident, category="safety")
    record(api, resident, category="safety")
    closed = record(api, resident, category="culture")
    ok(api.post(f"{N}/{closed['id']}/close", {"resolution": "已推荐社区读书会"}, staff["token"]))
    summary = ok(api.get(f"{N}/summary?community_id={community['id']}", staff["token"]))
    assert summary["by_category"]["safety"] == 2 and summary["by_category"]["culture"] == 1
    assert summary["by_category"]["childcare"] == 0
    assert summary["by_status"] == {"open": 2, "routed": 0, "resolved": 0, "closed": 1}
    assert ok(api.get(f"{N}/summary", staff["token"]))["by_status"]["open"] == 2
    assert api.get(f"{N}/summary", resident["token"]).status_code == 403
    _, other_staff = community_with_staff(api)
    assert api.get(f"{N}/summary?community_id={community['id']}",
                   other_staff["token"]).status_code == 403


def test_staff_close_a_need_with_a_resolution_once(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    need = record(api, resident)
    assert api.post(f"{N}/{need['id']}/close", {"resolution": "x"},
                    resident["token"]).status_code == 403
    assert api.post(f"{N}/{need['id']}/close", {}, staff["token"]).status_code == 422
    closed = ok(api.post(f"{N}/{need['id']}/close", {"resolution": "物业已换灯泡"}, staff["token"]))
    assert closed["status"] == "closed" and closed["resolution"] == "物业已换灯泡"
    again = api.post(f"{N}/{need['id']}/close", {"resolution": "again"}, staff["token"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    assert api.post(f"{N}/{need['id']}/route", {"to": "wish"}, staff["token"]).status_code == 409
    assert api.post(f"{N}/nothing/close", {"resolution": "x"}, staff["token"]).status_code == 404
    eventually(lambda: "needs.need_closed" in categories(api, resident["token"]))


def test_a_need_routed_to_a_wish_is_resolved_when_the_wish_is_fulfilled(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"], name="周奶奶")
    need = record(api, resident, category="elderly_care", description="眼睛不好，想要一盏护眼台灯")
    assert api.post(f"{N}/{need['id']}/route", {"to": "wish"},
                    resident["token"]).status_code == 403
    assert api.post(f"{N}/{need['id']}/route", {"to": "mars"},
                    staff["token"]).status_code == 422
    routed = ok(api.post(f"{N}/{need['id']}/route", {"to": "wish", "budget_fen": 9000},
                         staff["token"]))
    assert routed["status"] == "routed" and routed["ref"]["type"] == "wish"
    wish_id = routed["ref"]["id"]
    wish = ok(api.get(f"{W}/{wish_id}", resident["token"]))
    assert wish["status"] == "pending_review" and wish["mine"] and wish["need_id"] == need["id"]
    assert wish["title"] == "眼睛不好，想要一盏护眼台灯" and wish["budget_fen"] == 9000
    again = api.post(f"{N}/{need['id']}/route", {"to": "wish"}, staff["token"])
    assert again.status_code == 409

    ok(api.post(f"{W}/{wish_id}/approve", {}, staff["token"]))
    neighbour = api.resident(community["id"], name="陈志愿")
    ok(step(api, wish_id, "claim", neighbour["token"]))
    ok(step(api, wish_id, "fulfil", neighbour["token"], {"note": "送去了一盏LED台灯"}))
    assert ok(api.get(f"{N}/{need['id']}", resident["token"]))["status"] == "resolved"
    eventually(lambda: {"needs.need_recorded", "needs.need_routed", "needs.need_resolved"}
               <= set(categories(api, resident["token"])))


# -- the wish wall ----------------------------------------------------------------------
def test_a_wish_waits_for_review_before_it_shows(api):
    community, staff = community_with_staff(api)
    resident, neighbour = wisher(api, community["id"]), api.resident(community["id"])
    wish = post_wish(api, resident)
    assert wish["status"] == "pending_review" and wish["budget_fen"] == 8000
    assert ok(api.get(W, neighbour["token"]))["items"] == []
    assert api.get(f"{W}/{wish['id']}", neighbour["token"]).status_code == 404
    assert api.get(f"{W}?status=pending_review", neighbour["token"]).status_code == 403
    assert [w["id"] for w in ok(api.get(f"{W}?status=pending_review", staff["token"]))["items"]] \
        == [wish["id"]]
    assert [w["id"] for w in ok(api.get(f"{W}?mine=wished", resident["token"]))["items"]] == [
        wish["id"]]
    assert step(api, wish["id"], "claim", neighbour["token"]).status_code == 404
    assert step(api, wish["id"], "approve", neighbour["token"]).status_code == 403
    assert step(api, wish["id"], "approve", staff["token"], {"points": 51}).status_code == 422
    approved = ok(step(api, wish["id"], "approve", staff["token"]))
    assert approved["status"] == "open" and approved["points"] == 5
    assert [w["id"] for w in ok(api.get(W, neighbour["token"]))["items"]] == [wish["id"]]
    assert step(api, wish["id"], "approve", staff["token"]).status_code == 409
    eventually(lambda: "needs.wish_approved" in categories(api, resident["token"]))


def test_a_rejected_wish_never_shows_and_its_wisher_is_told_why(api):
    community, staff = community_with_staff(api)
    resident, neighbour = wisher(api, community["id"]), api.resident(community["id"])
    wish = post_wish(api, resident, title="想要一部新手机", budget_fen=20000)
    assert step(api, wish["id"], "reject", staff["token"]).status_code == 422
    rejected = ok(step(api, wish["id"], "reject", staff["token"], {"reason": "超出微心愿范围"}))
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "超出微心愿范围"
    assert ok(api.get(W, neighbour["token"]))["items"] == []
    assert step(api, wish["id"], "approve", staff["token"]).status_code == 409
    eventually(lambda: "needs.wish_rejected" in categories(api, resident["token"]))


@pytest.mark.parametrize("body,field", [
    ({"title": "书包", "description": "x", "budget_fen": 20001}, "budget_fen"),
    ({"title": "书包", "description": "x", "budget_fen": -1}, "budget_fen"),
    ({"title": "书包", "description": "x", "budget_fen": 99.5}, "budget_fen"),
    ({"title": "", "description": "x"}, "title"),
    ({"description": "x"}, "title"),
    ({"title": "书包", "description": "x", "wisher": "me"}, "wisher"),
])
def test_a_micro_wish_is_small_and_well_formed(api, body, field):
    community, _ = community_with_staff(api)
    answer = api.post(W, body, wisher(api, community["id"])["token"])
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["details"]


def test_staff_post_a_wish_for_a_resident_of_their_community(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"], name="吴爷爷")
    wish = ok(api.post(W, {"title": "想要一副老花镜", "description": "看报纸看不清",
                           "resident_id": resident["id"]}, staff["token"]), 201)
    assert wish["status"] == "pending_review" and wish["wisher"] == "吴爷爷"
    assert [w["id"] for w in ok(api.get(f"{W}?mine=wished", resident["token"]))["items"]] == [
        wish["id"]]
    assert api.post(W, {"title": "x", "description": "y"}, staff["token"]).status_code == 422
    _, other_staff = community_with_staff(api)
    assert api.post(W, {"title": "x", "description": "y", "resident_id": resident["id"]},
                    other_staff["token"]).status_code == 403


def test_the_wall_hides_the_wisher_from_everyone_else(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"], name="王小明")
    wish = open_wish(api, staff, resident)
    other, claimer = api.resident(community["id"], name="李四"), api.resident(community["id"])

    def wall_text(token):
        answer = api.get(W, token)
        assert answer.status_code == 200
        return answer.text

    for text in (wall_text(other["token"]), wall_text(claimer["token"]),
                 api.get(f"{W}/{wish['id']}", other["token"]).text):
        assert "王小明" not in text and resident["phone"] not in text
        assert "5栋" not in text and "2单元" not in text and resident["id"] not in text
        assert "王**" in text
    seen = ok(api.get(W, other["token"]))["items"][0]
    assert seen["wisher"] == "王**" and seen["wisher_contact"] is None

    for viewer in (resident, staff):
        shown = ok(api.get(f"{W}/{wish['id']}", viewer["token"]))
        assert shown["wisher"] == "王小明"
        assert shown["wisher_contact"] == {"name": "王小明", "phone": resident["phone"],
                                           "address": "5栋 2单元"}

    ok(step(api, wish["id"], "claim", claimer["token"]))
    shown = ok(api.get(f"{W}/{wish['id']}", claimer["token"]))
    assert shown["wisher_contact"]["phone"] == resident["phone"] and shown["claimed_by_me"]
    text = wall_text(other["token"])
    assert "王小明" not in text and resident["phone"] not in text and claimer["phone"] not in text
    ok(step(api, wish["id"], "unclaim", claimer["token"]))
    assert resident["phone"] not in api.get(f"{W}/{wish['id']}", claimer["token"]).text


def test_a_wish_from_claim_to_thanks_credits_the_claimer(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    wish = open_wish(api, staff, resident, points=8)
    claimer, other = api.resident(community["id"], name="陈志愿"), api.resident(community["id"])

    mine = step(api, wish["id"], "claim", resident["token"])
    assert mine.status_code == 403 and mine.json()["error"]["code"] == "own_wish"
    assert step(api, wish["id"], "claim", staff["token"]).status_code == 403
    assert step(api, wish["id"], "fulfil", claimer["token"], {"note": "x"}).status_code == 409
    claimed = ok(step(api, wish["id"], "claim", claimer["token"]))
    assert claimed["status"] == "claimed" and claimed["claimed_by_me"]
    taken = step(api, wish["id"], "claim", other["token"])
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_claimed"
    assert step(api, wish["id"], "unclaim", other["token"]).status_code == 403
    assert step(api, wish["id"], "fulfil", other["token"], {"note": "x"}).status_code == 403
    assert step(api, wish["id"], "confirm", resident["token"]).status_code == 409
    assert step(api, wish["id"], "fulfil", claimer["token"], {}).status_code == 422
    assert [w["id"] for w in ok(api.get(f"{W}?mine=claimed", claimer["token"]))["items"]] == [
        wish["id"]]

    fulfilled = ok(step(api, wish["id"], "fulfil", claimer["token"], {"note": "新书包已送到家"}))
    assert fulfilled["status"] == "fulfilled" and fulfilled["fulfil_note"] == "新书包已送到家"
    assert step(api, wish["id"], "confirm", other["token"]).status_code == 403
    closed = ok(step(api, wish["id"], "confirm", resident["token"], {"thanks": "谢谢好邻居！"}))
    assert closed["status"] == "closed" and closed["thanks"] == "谢谢好邻居！"
    assert step(api, wish["id"], "confirm", resident["token"]).status_code == 409

    points = eventually(lambda: (lambda p: p if p["balance"] == 8 else None)(
        ok(api.get(f"{P}/me", claimer["token"]))))
    assert points["entries"][0]["points"] == 8
    eventually(lambda: {"needs.wish_claimed", "needs.wish_fulfilled"}
               <= set(categories(api, resident["token"])))
    eventually(lambda: {"needs.wish_closed", "volunteer.points_credited"}
               <= set(categories(api, claimer["token"])))


def test_staff_may_confirm_and_an_unclaimed_wish_is_open_again(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    wish = open_wish(api, staff, resident, points=0)
    first, second = api.resident(community["id"]), api.resident(community["id"])
    ok(step(api, wish["id"], "claim", first["token"]))
    reopened = ok(step(api, wish["id"], "unclaim", first["token"]))
    assert reopened["status"] == "open" and reopened["claimer"] is None
    assert step(api, wish["id"], "unclaim", first["token"]).status_code == 409
    eventually(lambda: "needs.wish_unclaimed" in categories(api, resident["token"]))
    ok(step(api, wish["id"], "claim", second["token"]))
    ok(step(api, wish["id"], "fulfil", second["token"], {"note": "done"}))
    closed = ok(step(api, wish["id"], "confirm", staff["token"]))
    assert closed["status"] == "closed" and closed["claimer"]["name"]
    assert ok(api.get(f"{P}/me", second["token"]))["balance"] == 0  # a wish of 0 points


def test_the_wall_is_per_community(api):
    community, staff = community_with_staff(api)
    wish = open_wish(api, staff, wisher(api, community["id"]))
    other_community, _ = community_with_staff(api)
    outsider = api.resident(other_community["id"])
    assert ok(api.get(W, outsider["token"]))["items"] == []
    assert api.get(f"{W}?community_id={community['id']}", outsider["token"]).status_code == 403
    assert step(api, wish["id"], "claim", outsider["token"]).status_code == 403
    assert api.get(f"{W}/{wish['id']}", outsider["token"]).status_code == 403
    assert api.get(f"{W}/nothing", outsider["token"]).status_code == 404
    assert [w["id"] for w in ok(api.get(f"{W}?community_id={community['id']}",
                                        api.admin()))["items"]] == [wish["id"]]
    assert api.get(W).status_code == 401


def test_a_claim_not_fulfilled_in_time_goes_back_on_the_wall_by_the_job(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    wish = open_wish(api, staff, resident)
    claimer = api.resident(community["id"])
    claimed = ok(step(api, wish["id"], "claim", claimer["token"]))
    due = dt.datetime.fromisoformat(claimed["claimed_at"]) + dt.timedelta(days=14)

    def run(at, token):
        return ok(api.post("/api/v1/admin/jobs/needs-claim-expiry", {"as_of": at.isoformat()},
                           token))["processed"]

    assert run(due - dt.timedelta(minutes=1), staff["token"]) == 0
    _, other_staff = community_with_staff(api)
    assert run(due + dt.timedelta(minutes=1), other_staff["token"]) == 0
    assert ok(api.get(f"{W}/{wish['id']}", claimer["token"]))["status"] == "claimed"
    assert run(due + dt.timedelta(minutes=1), staff["token"]) == 1
    assert run(due + dt.timedelta(minutes=1), staff["token"]) == 0
    back = ok(api.get(f"{W}/{wish['id']}", staff["token"]))
    assert back["status"] == "open" and back["claimer"] is None
    assert step(api, wish["id"], "fulfil", claimer["token"], {"note": "x"}).status_code == 409
    assert api.post("/api/v1/admin/jobs/needs-claim-expiry", {},
                    resident["token"]).status_code == 403
    eventually(lambda: "needs.wish_unclaimed" in categories(api, resident["token"]))
    ok(step(api, wish["id"], "claim", api.resident(community["id"])["token"]))


def test_demo_data_reads_like_a_community_and_walks_every_step(api):
    from services.needs import demo
    from tests.e2e.test_canteen import _DemoApi
    community, staff = community_with_staff(api)
    people = [api.resident(community["id"], name=n) for n in ("王秀英", "张建国", "李娜", "陈志强", "赵敏")]
    demo.load(_DemoApi(api), community["id"], staff["token"], [p["token"] for p in people])
    needs = ok(api.get(N, staff["token"]))["items"]
    assert {n["status"] for n in needs} == {"open", "routed", "resolved", "closed"}
    assert any("楼梯灯" in n["description"] and n["category"] == "safety" for n in needs)
    wishes = ok(api.get(W, staff["token"]))["items"]
    assert {w["title"] for w in wishes} >= {"给上三年级的孩子买一个新书包", "想要一盏护眼台灯"}
    assert {w["status"] for w in wishes} == {"pending_review", "open", "closed"}
    eventually(lambda: ok(api.get(f"{P}/me", people[3]["token"]))["balance"] == 10)


def test_staff_are_told_of_a_wish_to_review(api):
    community, staff = community_with_staff(api)
    post_wish(api, wisher(api, community["id"]))
    eventually(lambda: "needs.wish_submitted" in categories(api, staff["token"]))
