"""Races through the gateway with two replicas of the volunteer service: one accept
of many, one credit of many confirmations, and a reward's stock never oversold."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.volunteer_helpers import (P, V, act, assert_ledger_balanced, ok, residents,
                                         submit, team)


@pytest.fixture(scope="module")
def two_replicas(stack):
    stack.start_service("volunteer", replica=1)
    yield
    stack.stop("volunteer-1")


@pytest.fixture(scope="module")
def crowd(api, two_replicas):
    community = api.community()
    staff = api.staff(community["id"])
    people = residents(api, community["id"], 100, name="居民")
    return {"community": community, "staff": staff, "people": people,
            "elder": api.resident(community["id"], birth_date="1940-01-01", name="刘爷爷")}


@pytest.fixture(autouse=True)
def ledger_balanced_after_each_test(api):
    yield
    assert_ledger_balanced(api)


def all_at_once(api, calls):
    """Fire every (path, body, token) at the same time, each on its own connection."""
    def fire(call):
        path, payload, token = call
        return requests.post(api.base + path, json=payload, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(fire, calls))


def statuses(answers):
    return sorted(a.status_code for a in answers)


def test_fifty_members_accepting_at_once_give_one_accept(api, crowd):
    members = crowd["people"][:50]
    crew = team(api, crowd["staff"], crowd["community"]["id"], members, name="应急队")
    request = submit(api, crowd["elder"], urgency="urgent")
    ok(act(api, request["id"], "dispatch", crowd["staff"]["token"], {"team_id": crew["id"]}))
    answers = all_at_once(api, [(f"{V}/requests/{request['id']}/accept", {}, m["token"])
                                for m in members])
    assert statuses(answers) == [200] + [409] * 49, [a.text for a in answers if a.status_code >= 500]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"illegal_transition"}
    history = ok(api.get(f"{V}/requests/{request['id']}", crowd["elder"]["token"]))["history"]
    assert [h["to"] for h in history] == ["submitted", "dispatched", "accepted"]
    winner = next(a.json() for a in answers if a.status_code == 200)
    assert history[-1]["by"] in {m["id"] for m in members} and winner["status"] == "accepted"


def test_fifty_confirmations_at_once_credit_once(api, crowd):
    members = crowd["people"][50:53]
    crew = team(api, crowd["staff"], crowd["community"]["id"], members, skills=["escort"],
                name="陪诊队")
    request = submit(api, crowd["elder"], category="escort")
    ok(act(api, request["id"], "dispatch", crowd["staff"]["token"], {"team_id": crew["id"]}))
    ok(act(api, request["id"], "accept", members[0]["token"]))
    ok(act(api, request["id"], "complete", members[0]["token"],
           {"hours": 3, "volunteer_ids": [m["id"] for m in members]}))
    answers = all_at_once(api, [(f"{V}/requests/{request['id']}/confirm", {"rating": 4},
                                 crowd["elder"]["token"])] * 50)
    assert statuses(answers) == [200] + [409] * 49, [a.text for a in answers if a.status_code >= 500]
    for member in members:
        mine = ok(api.get(f"{P}/me", member["token"]))
        assert mine["balance"] == 30
        assert [e["kind"] for e in mine["entries"]] == ["credit"]


def test_a_hundred_redemptions_of_seven_in_stock_give_exactly_seven(api, crowd):
    staff, people = crowd["staff"], crowd["people"]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda p: ok(api.post(f"{P}/grants", {
            "resident_id": p["id"], "points": 50, "reason": "开户积分", "key": "race-opening"},
            staff["token"]), 201), people))
    before = {p["id"]: ok(api.get(f"{P}/me", p["token"]))["balance"] for p in people}
    oil = ok(api.post(f"{P}/rewards", {"name": "食用油 5L", "cost_points": 40, "stock": 7},
                      staff["token"]), 201)
    answers = all_at_once(api, [(f"{P}/redemptions", {"reward_id": oil["id"]}, p["token"])
                                for p in people])
    assert statuses(answers) == [201] * 7 + [409] * 93, [a.text for a in answers if a.status_code >= 500]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"out_of_stock"}
    left = [r for r in ok(api.get(f"{P}/rewards", staff["token"])) if r["id"] == oil["id"]]
    assert left[0]["stock"] == 0
    winners = {a.json()["resident_id"] for a in answers if a.status_code == 201}
    assert len(winners) == 7
    for person in people:
        expected = before[person["id"]] - (40 if person["id"] in winners else 0)
        assert ok(api.get(f"{P}/me", person["token"]))["balance"] == expected
