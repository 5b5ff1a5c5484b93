"""Volunteer dispatch end to end through the gateway: resident orders, community
dispatches, team accepts; points arrive; the ledger stays balanced."""
import base64
import datetime as dt
import json

import pytest

from tests.e2e.volunteer_helpers import (P, V, act, assert_ledger_balanced, ok, residents,
                                         submit, team)
from tests.helpers import eventually


@pytest.fixture(autouse=True)
def ledger_balanced_after_each_test(api):
    yield
    assert_ledger_balanced(api)


@pytest.fixture
def place(api):
    community = api.community()
    staff = api.staff(community["id"])
    members = residents(api, community["id"], 3)
    elder = api.resident(community["id"], birth_date="1942-02-01", name="王奶奶")
    care = team(api, staff, community["id"], members)
    return {"community": community, "staff": staff, "members": members, "elder": elder,
            "team": care}


def inbox_categories(api, token):
    return [m["category"] for m in ok(api.get("/api/v1/notifications", token))["items"]]


def test_the_whole_path_with_a_reject_and_a_redispatch(api, place):
    staff, elder, members = place["staff"], place["elder"], place["members"]
    repairs = team(api, staff, place["community"]["id"], members[:1], skills=["repair"],
                   areas=["9号楼"], name="维修队")
    request = submit(api, elder)
    assert request["status"] == "submitted"
    assert request["history"][0]["from"] is None and request["history"][0]["to"] == "submitted"

    suggested = ok(api.get(f"{V}/requests/{request['id']}/suggestions", staff["token"]))["items"]
    assert [s["team_id"] for s in suggested] == [place["team"]["id"], repairs["id"]]
    assert "has the skill elderly_care" in suggested[0]["reasons"]
    assert "covers 3号楼" in suggested[0]["reasons"]

    # first dispatch goes to the repair team, which turns it down
    ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": repairs["id"]}))
    rejected = ok(act(api, request["id"], "reject", members[0]["token"], {"reason": "不擅长助老"}))
    assert rejected["status"] == "submitted" and rejected["team_id"] is None

    # the staff dispatch again, to the elder-care team; its members hear of it
    dispatched = ok(act(api, request["id"], "dispatch", staff["token"],
                        {"team_id": place["team"]["id"], "note": "请尽快"}))
    assert dispatched["status"] == "dispatched" and dispatched["team_name"] == "助老服务队"
    eventually(lambda: "volunteer.request_dispatched" in inbox_categories(api, members[2]["token"]))
    seen = ok(api.get(f"{V}/requests", members[2]["token"]))["items"]
    assert request["id"] in [r["id"] for r in seen]

    ok(act(api, request["id"], "accept", members[1]["token"]))
    completed = ok(act(api, request["id"], "complete", members[1]["token"],
                       {"hours": 2.5, "volunteer_ids": [members[1]["id"], members[2]["id"]]}))
    assert completed["status"] == "completed" and completed["hours"] == 2.5
    closed = ok(act(api, request["id"], "confirm", elder["token"], {"rating": 5, "comment": "谢谢"}))
    assert closed["status"] == "closed" and closed["rating"] == 5

    history = ok(api.get(f"{V}/requests/{request['id']}", elder["token"]))["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "submitted"), ("submitted", "dispatched"), ("dispatched", "submitted"),
        ("submitted", "dispatched"), ("dispatched", "accepted"), ("accepted", "completed"),
        ("completed", "closed")]
    assert history[2]["note"] == "不擅长助老" and history[2]["by"] == members[0]["id"]
    assert history[3]["note"] == "请尽快" and history[1]["by"] == staff["id"]
    assert all(h["at"] for h in history)

    for volunteer in members[1:]:
        mine = ok(api.get(f"{P}/me", volunteer["token"]))
        assert mine["balance"] == 25
        assert [(e["kind"], e["points"], e["request_id"]) for e in mine["entries"]] == [
            ("credit", 25, request["id"])]
        eventually(lambda v=volunteer: "volunteer.points_credited" in inbox_categories(api, v["token"]))
    assert ok(api.get(f"{P}/me", members[0]["token"]))["balance"] == 0
    for step in ("volunteer.request_accepted", "volunteer.request_rejected",
                 "volunteer.request_completed"):
        eventually(lambda s=step: s in inbox_categories(api, elder["token"]))

    # a second confirmation is an illegal transition and credits nothing more
    again = act(api, request["id"], "confirm", elder["token"], {"rating": 4})
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    assert ok(api.get(f"{P}/me", members[1]["token"]))["balance"] == 25
    rated = [t for t in ok(api.get(f"{V}/teams", staff["token"])) if t["id"] == place["team"]["id"]]
    assert rated[0]["average_rating"] == 5.0


def test_sla_escalation_by_the_job_returns_the_request_and_tells_the_staff(api, place):
    staff, elder = place["staff"], place["elder"]
    normal = submit(api, elder)
    urgent = submit(api, elder, urgency="urgent")
    for request in (normal, urgent):
        ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    now = dt.datetime.now(dt.timezone.utc)

    def run(minutes):
        as_of = (now + dt.timedelta(minutes=minutes)).isoformat()
        return ok(api.post("/api/v1/admin/jobs/volunteer-sla", {"as_of": as_of},
                           staff["token"]))["processed"]

    assert run(5) == 0
    assert run(11) == 1          # only the urgent one is past its 10 minutes
    assert run(11) == 0          # the same as_of again changes nothing
    assert ok(api.get(f"{V}/requests/{normal['id']}", staff["token"]))["status"] == "dispatched"
    assert run(31) == 1
    for request in (normal, urgent):
        back = ok(api.get(f"{V}/requests/{request['id']}", staff["token"]))
        assert back["status"] == "submitted" and back["team_id"] is None
        assert back["history"][-1]["by"] == "system"
        assert (back["history"][-1]["from"], back["history"][-1]["to"]) == ("dispatched", "submitted")
    eventually(lambda: inbox_categories(api, staff["token"]).count(
        "volunteer.request_escalated") == 2)
    # an escalated request can be dispatched again
    ok(act(api, normal["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))


def test_another_communitys_staff_job_does_not_touch_ours(api, place):
    request = submit(api, place["elder"], urgency="urgent")
    ok(act(api, request["id"], "dispatch", place["staff"]["token"], {"team_id": place["team"]["id"]}))
    other_staff = api.staff(api.community()["id"])
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).isoformat()
    assert ok(api.post("/api/v1/admin/jobs/volunteer-sla", {"as_of": later},
                       other_staff["token"]))["processed"] == 0
    assert ok(api.get(f"{V}/requests/{request['id']}", place["staff"]["token"]))["status"] == "dispatched"
    resident_try = api.post("/api/v1/admin/jobs/volunteer-sla", {"as_of": later},
                            place["elder"]["token"])
    assert resident_try.status_code == 403


def test_the_resident_cancels_before_acceptance_but_not_after(api, place):
    staff, elder, member = place["staff"], place["elder"], place["members"][0]
    first = submit(api, elder)
    assert ok(act(api, first["id"], "cancel", elder["token"]))["status"] == "cancelled"
    second = submit(api, elder)
    ok(act(api, second["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    ok(act(api, second["id"], "accept", member["token"]))
    late = act(api, second["id"], "cancel", elder["token"])
    assert late.status_code == 409 and late.json()["error"]["code"] == "illegal_transition"
    not_mine = act(api, second["id"], "cancel", member["token"])
    assert not_mine.status_code == 403


def test_bad_input_and_access(api, place):
    staff, elder, members, care = place["staff"], place["elder"], place["members"], place["team"]
    stranger = api.resident(place["community"]["id"], name="路人")
    bad = api.post(f"{V}/requests", {"category": "juggling", "description": "x", "address": "y"},
                   elder["token"])
    assert bad.status_code == 422 and "category" in bad.json()["error"]["details"]
    sneaky = api.post(f"{V}/requests", {"category": "repair", "description": {"$gt": ""},
                                        "address": "y"}, elder["token"])
    assert sneaky.status_code == 422
    assert api.post(f"{V}/requests", {"category": "repair", "description": "x", "address": "y"},
                    staff["token"]).status_code == 403

    # a team of another community, and staff of another community
    elsewhere = api.community()
    other_staff = api.staff(elsewhere["id"])
    foreign = team(api, other_staff, elsewhere["id"], [], name="外区队")
    request = submit(api, elder)
    wrong_team = act(api, request["id"], "dispatch", staff["token"], {"team_id": foreign["id"]})
    assert wrong_team.status_code == 422 and "team_id" in wrong_team.json()["error"]["details"]
    assert act(api, request["id"], "dispatch", other_staff["token"],
               {"team_id": care["id"]}).status_code == 403
    assert api.get(f"{V}/requests/{request['id']}/suggestions",
                   other_staff["token"]).status_code == 403
    assert api.post(f"{V}/teams", {"name": "x", "community_id": place["community"]["id"]},
                    other_staff["token"]).status_code == 403
    assert api.post(f"{V}/teams/{care['id']}/members", {"resident_id": api.resident(
        elsewhere["id"])["id"]}, staff["token"]).status_code == 422

    # accept by a non-member; accept before dispatch
    assert act(api, request["id"], "accept", members[0]["token"]).status_code == 409
    ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": care["id"]}))
    assert act(api, request["id"], "accept", stranger["token"]).status_code == 403
    assert api.get(f"{V}/requests/{request['id']}", stranger["token"]).status_code == 403
    early = act(api, request["id"], "complete", members[0]["token"],
                {"hours": 1, "volunteer_ids": [members[0]["id"]]})
    assert early.status_code == 409 and early.json()["error"]["code"] == "illegal_transition"
    ok(act(api, request["id"], "accept", members[0]["token"]))

    # hours and volunteers
    for hours in (-1, 0, 25):
        answer = act(api, request["id"], "complete", members[0]["token"],
                     {"hours": hours, "volunteer_ids": [members[0]["id"]]})
        assert answer.status_code == 422 and "hours" in answer.json()["error"]["details"], hours
    outsider = act(api, request["id"], "complete", members[0]["token"],
                   {"hours": 1, "volunteer_ids": [members[0]["id"], stranger["id"]]})
    assert outsider.status_code == 422 and "volunteer_ids" in outsider.json()["error"]["details"]
    ok(act(api, request["id"], "complete", members[0]["token"],
           {"hours": 1, "volunteer_ids": [members[0]["id"]]}))

    # confirmation: only the requester, rating 1-5
    for rating in (0, 6, "5"):
        answer = act(api, request["id"], "confirm", elder["token"], {"rating": rating})
        assert answer.status_code == 422 and "rating" in answer.json()["error"]["details"]
    assert act(api, request["id"], "confirm", stranger["token"], {"rating": 5}).status_code == 403
    assert act(api, "no-such-request", "confirm", elder["token"], {"rating": 5}).status_code == 404
    assert api.get(f"{V}/requests", None).status_code == 401


def test_points_supermarket_redeem_hand_over_and_reverse(api, place):
    staff, elder, member = place["staff"], place["elder"], place["members"][0]
    rice = ok(api.post(f"{P}/rewards", {"name": "大米 5kg", "cost_points": 30, "stock": 1},
                       staff["token"]), 201)
    assert api.post(f"{P}/rewards", {"name": "x", "cost_points": 1, "stock": 1},
                    elder["token"]).status_code == 403
    assert rice["id"] in [r["id"] for r in ok(api.get(f"{P}/rewards", elder["token"]))]

    poor = api.post(f"{P}/redemptions", {"reward_id": rice["id"]}, member["token"])
    assert poor.status_code == 409 and poor.json()["error"]["code"] == "insufficient_points"

    grant = ok(api.post(f"{P}/grants", {"resident_id": member["id"], "points": 70,
                                        "reason": "开户积分", "key": "opening"}, staff["token"]), 201)
    again = ok(api.post(f"{P}/grants", {"resident_id": member["id"], "points": 70,
                                        "reason": "开户积分", "key": "opening"}, staff["token"]), 201)
    assert again["id"] == grant["id"]
    assert ok(api.get(f"{P}/me", member["token"]))["balance"] == 70

    redemption = ok(api.post(f"{P}/redemptions", {"reward_id": rice["id"]}, member["token"]), 201)
    assert redemption["status"] == "pending" and redemption["points"] == 30
    assert ok(api.get(f"{P}/me", member["token"]))["balance"] == 40
    empty = api.post(f"{P}/redemptions", {"reward_id": rice["id"]}, member["token"])
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "out_of_stock"
    assert ok(api.get(f"{P}/me", member["token"]))["balance"] == 40
    eventually(lambda: "volunteer.points_redeemed" in inbox_categories(api, member["token"]))

    assert api.post(f"{P}/redemptions/{redemption['id']}/handover", {},
                    member["token"]).status_code == 403
    handed = ok(api.post(f"{P}/redemptions/{redemption['id']}/handover", {}, staff["token"]))
    assert handed["status"] == "handed_over" and handed["handed_over_by"] == staff["id"]
    assert api.post(f"{P}/redemptions/{redemption['id']}/handover", {},
                    staff["token"]).status_code == 409

    # the grant was too big for what is left: reversing it would go below zero
    short = api.post(f"{P}/transfers/{grant['id']}/reverse", {"reason": "录入错误"}, staff["token"])
    assert short.status_code == 409 and short.json()["error"]["code"] == "insufficient_points"
    small = ok(api.post(f"{P}/grants", {"resident_id": member["id"], "points": 15,
                                        "reason": "活动积分"}, staff["token"]), 201)
    reversed_ = ok(api.post(f"{P}/transfers/{small['id']}/reverse", {"reason": "重复录入"},
                            staff["token"]))
    assert reversed_["reversed_by"]
    twice = api.post(f"{P}/transfers/{small['id']}/reverse", {"reason": "x"}, staff["token"])
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reversed"
    mine = ok(api.get(f"{P}/me", member["token"]))
    assert mine["balance"] == 40
    assert [e["kind"] for e in mine["entries"]] == ["reversal", "grant", "redemption", "grant"]
    eventually(lambda: "volunteer.points_reversed" in inbox_categories(api, member["token"]))
    check = assert_ledger_balanced(api)
    assert check["transfers"] >= 4


def test_rpc_for_other_services_balance_activity_credit_and_status(api, stack, place):
    from nameko.standalone.rpc import ClusterRpcProxy

    member, elder = place["members"][0], place["elder"]
    request = submit(api, elder)
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=15) as rpc:
        first = rpc.volunteer.credit_activity(place["community"]["id"], member["id"], 12,
                                              "clean-up-day-2026-11", "社区清洁日")
        again = rpc.volunteer.credit_activity(place["community"]["id"], member["id"], 12,
                                              "clean-up-day-2026-11", "社区清洁日")
        assert again["id"] == first["id"] and first["kind"] == "grant"
        assert rpc.volunteer.balance_of(member["id"]) == {"resident_id": member["id"], "balance": 12}
        assert rpc.volunteer.request_status(request["id"])["status"] == "submitted"
        sums = rpc.volunteer.ledger_sum()
        assert sums["entries_sum"] == 0 and sums["balances_sum"] == 0
    eventually(lambda: "volunteer.points_credited" in inbox_categories(api, member["token"]))


def test_staff_see_their_community_by_status_and_a_bodiless_cancel_works(api, place):
    staff, elder = place["staff"], place["elder"]
    waiting = submit(api, elder)
    gone = submit(api, elder)
    cancelled = api.post(f"{V}/requests/{gone['id']}/cancel", None, elder["token"])
    assert cancelled.status_code == 200, cancelled.text
    listed = ok(api.get(f"{V}/requests?status=submitted", staff["token"]))["items"]
    assert [r["id"] for r in listed] == [waiting["id"]]
    assert ok(api.get(f"{V}/requests?status=cancelled&limit=1", staff["token"]))["items"][0]["id"] == gone["id"]
    assert api.get(f"{V}/requests?status=lost", staff["token"]).status_code == 422
    other_staff = api.staff(api.community()["id"])
    assert ok(api.get(f"{V}/requests", other_staff["token"]))["items"] == []
    assert api.get(f"{V}/requests/{waiting['id']}", other_staff["token"]).status_code == 403


def test_service_too_short_to_earn_a_point_is_refused_when_reported(api, place):
    staff, elder, member = place["staff"], place["elder"], place["members"][0]
    request = submit(api, elder)
    ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    ok(act(api, request["id"], "accept", member["token"]))
    for hours in (0.01, 0.04):
        short = act(api, request["id"], "complete", member["token"],
                    {"hours": hours, "volunteer_ids": [member["id"]]})
        assert short.status_code == 422, short.text
        assert "0.05" in " ".join(short.json()["error"]["details"]["hours"])
    # still accepted, so the least that earns a point can be reported and confirmed
    ok(act(api, request["id"], "complete", member["token"],
           {"hours": 0.05, "volunteer_ids": [member["id"]]}))
    closed = ok(act(api, request["id"], "confirm", elder["token"], {"rating": 4}))
    assert closed["status"] == "closed"
    assert ok(api.get(f"{P}/me", member["token"]))["balance"] == 1


def test_a_requester_is_never_credited_for_their_own_request(api, place):
    staff, elder, member = place["staff"], place["elder"], place["members"][0]
    ok(api.post(f"{V}/teams/{place['team']['id']}/members", {"resident_id": elder["id"]},
                staff["token"]), 201)
    request = submit(api, elder)
    ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    own = act(api, request["id"], "accept", elder["token"])
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_request", own.text
    ok(act(api, request["id"], "accept", member["token"]))
    listed = act(api, request["id"], "complete", member["token"],
                 {"hours": 2, "volunteer_ids": [member["id"], elder["id"]]})
    assert listed.status_code == 422 and "volunteer_ids" in listed.json()["error"]["details"]
    ok(act(api, request["id"], "complete", member["token"],
           {"hours": 2, "volunteer_ids": [member["id"]]}))
    ok(act(api, request["id"], "confirm", elder["token"], {"rating": 5}))
    assert ok(api.get(f"{P}/me", elder["token"]))["balance"] == 0
    assert ok(api.get(f"{P}/me", member["token"]))["balance"] == 20


def test_an_as_of_the_calendar_cannot_hold_is_refused_naming_it(api, place):
    staff, elder = place["staff"], place["elder"]
    for as_of in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+08:00"):
        answer = api.post("/api/v1/admin/jobs/volunteer-sla", {"as_of": as_of}, staff["token"])
        assert answer.status_code == 422, (as_of, answer.text)
        assert "as_of" in answer.json()["error"]["details"]
    # jobs run within 2000-2999; the last day of that range is a day like any other
    request = submit(api, elder, urgency="urgent")
    ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    assert ok(api.post("/api/v1/admin/jobs/volunteer-sla", {"as_of": "2999-12-30T23:59:59Z"},
                       staff["token"]))["processed"] == 1


def cursor_of(*position):
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def test_a_cursor_of_the_wrong_type_or_past_the_calendar_is_refused_naming_it(api, place):
    staff, elder = place["staff"], place["elder"]
    for position in (("0001-01-01T00:00:00+01:00", "x"), ("9999-12-31T23:59:59-01:00", "x"),
                     ("2026-11-23T08:00:00+00:00", {"$gt": ""}),
                     ("2026-11-23T08:00:00+00:00", 5), (5, "x"), ("x",)):
        for path, token in ((f"{V}/requests", elder["token"]), (f"{V}/requests", staff["token"]),
                            (f"{P}/redemptions", elder["token"])):
            answer = api.get(path, token, params={"cursor": cursor_of(*position)})
            assert answer.status_code == 422, (position, path, answer.text)
            assert "cursor" in answer.json()["error"]["details"]


def test_a_member_pages_through_their_own_and_their_teams_requests_once_each(api, place):
    staff, elder, member = place["staff"], place["elder"], place["members"][0]
    theirs = [submit(api, elder) for _ in range(3)]
    for request in theirs:
        ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    own = [submit(api, member) for _ in range(2)]
    ok(act(api, own[0]["id"], "dispatch", staff["token"], {"team_id": place["team"]["id"]}))
    seen, cursor = [], None
    while True:
        page = ok(api.get(f"{V}/requests", member["token"],
                          params={"limit": 2, **({"cursor": cursor} if cursor else {})}))
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    newest_first = [r["id"] for r in sorted(theirs + own, key=lambda r: (r["created_at"], r["id"]),
                                            reverse=True)]
    assert seen == newest_first
    dispatched = ok(api.get(f"{V}/requests", member["token"],
                            params={"status": "dispatched", "limit": 10}))["items"]
    assert {r["id"] for r in dispatched} == {r["id"] for r in theirs} | {own[0]["id"]}
