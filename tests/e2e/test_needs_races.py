"""The needs service under contention and through real events: thirty neighbours
claim one wish at once against two replicas (one claim); a wish confirmed twice, and
its event delivered again, credits the claimer once; a need routed to a volunteer
request is resolved when the volunteer service closes that request."""
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from shared.events import publisher
from tests.e2e.needs_helpers import N, W, categories, community_with_staff, open_wish, record, step, wisher
from tests.e2e.test_canteen_race import _consumers, _post
from tests.e2e.volunteer_helpers import P, V, act, assert_ledger_balanced, ok, residents, team
from tests.helpers import eventually

CLAIMERS = 30


def _wait_for_replicas(stack, queue, count, seconds=60):
    eventually(lambda: (_consumers(stack, queue) or count) >= count, seconds=seconds)


def _at_once(n, work):
    start = threading.Barrier(n)

    def go(i):
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(go, range(n)))


def test_thirty_neighbours_claiming_one_wish_at_once_give_one_claim(api, stack):
    community, staff = community_with_staff(api)
    wish = open_wish(api, staff, wisher(api, community["id"]))
    neighbours = residents(api, community["id"], CLAIMERS, name="邻居")
    stack.start_service("needs", replica=1)
    try:
        _wait_for_replicas(stack, "rpc-needs", 2)
        url = f"{api.base}{W}/{wish['id']}/claim"
        answers = _at_once(CLAIMERS, lambda i: _post(url, {}, neighbours[i]["token"]))
    finally:
        stack.stop("needs-1")
    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: 1, 409: CLAIMERS - 1}, answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {
        "already_claimed"}
    winner = next(i for i, (status, _) in enumerate(answers) if status == 200)
    shown = ok(api.get(f"{W}/{wish['id']}", staff["token"]))
    assert shown["status"] == "claimed" and shown["claimer"]["name"] == neighbours[winner]["name"]
    assert ok(api.get(f"{W}/{wish['id']}", neighbours[winner]["token"]))["claimed_by_me"]
    losers = [n for i, n in enumerate(neighbours) if i != winner]
    assert not any(ok(api.get(f"{W}?mine=claimed", n["token"]))["items"] for n in losers[:5])


def test_a_wish_confirmed_twice_and_its_event_delivered_again_credits_once(api, stack):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    claimer = api.resident(community["id"], name="陈志愿")
    wish = open_wish(api, staff, resident, points=7)
    ok(step(api, wish["id"], "claim", claimer["token"]))
    ok(step(api, wish["id"], "fulfil", claimer["token"], {"note": "书包送到了"}))

    confirmers = [resident, staff] * 5
    url = f"{api.base}{W}/{wish['id']}/confirm"
    answers = _at_once(len(confirmers), lambda i: _post(url, {"thanks": "谢谢"},
                                                        confirmers[i]["token"]))
    assert Counter(status for status, _ in answers) == {200: 1, 409: len(confirmers) - 1}, answers
    eventually(lambda: ok(api.get(f"{P}/me", claimer["token"]))["balance"] == 7)

    closed = stack.db("needs")["outbox"].find_one({"type": "needs.wish_closed",
                                                  "envelope.data.wish_id": wish["id"]})
    for _ in range(3):
        publisher().publish(closed["envelope"])
    # a later wish's credit, published after the redeliveries, arrives after them
    later = open_wish(api, staff, resident, points=3, title="想要一盏台灯")
    ok(step(api, later["id"], "claim", claimer["token"]))
    ok(step(api, later["id"], "fulfil", claimer["token"], {"note": "台灯送到了"}))
    ok(step(api, later["id"], "confirm", resident["token"]))
    eventually(lambda: ok(api.get(f"{P}/me", claimer["token"]))["balance"] >= 10)
    assert stack.db("volunteer")["processed_events"].count_documents(
        {"_id": f"{closed['_id']}:credit-wish"}) == 1
    mine = ok(api.get(f"{P}/me", claimer["token"]))
    assert mine["balance"] == 10
    assert sorted(e["points"] for e in mine["entries"]) == [3, 7]
    assert_ledger_balanced(api)


def test_a_need_routed_to_a_volunteer_request_is_resolved_when_that_request_closes(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"], name="钱奶奶")
    members = residents(api, community["id"], 2, name="维修队员")
    repairs = team(api, staff, community["id"], members, skills=("repair",), name="维修服务队")
    need = record(api, resident, category="safety", description="5栋楼梯灯坏了，晚上一片黑")
    routed = ok(api.post(f"{N}/{need['id']}/route", {"to": "volunteer_request"}, staff["token"]))
    assert routed["status"] == "routed" and routed["ref"]["type"] == "volunteer_request"
    request_id = routed["ref"]["id"]
    again = api.post(f"{N}/{need['id']}/route", {"to": "volunteer_request"}, staff["token"])
    assert again.status_code == 409

    request = ok(api.get(f"{V}/requests/{request_id}", resident["token"]))
    assert request["resident_id"] == resident["id"] and request["status"] == "submitted"
    assert (request["category"], request["urgency"]) == ("repair", "urgent")
    assert request["address"] == "5栋 2单元"
    ok(act(api, request_id, "dispatch", staff["token"], {"team_id": repairs["id"]}))
    ok(act(api, request_id, "accept", members[0]["token"]))
    ok(act(api, request_id, "complete", members[0]["token"],
           {"hours": 1, "volunteer_ids": [members[0]["id"]]}))
    assert ok(api.get(f"{N}/{need['id']}", staff["token"]))["status"] == "routed"
    ok(act(api, request_id, "confirm", resident["token"], {"rating": 5}))

    resolved = eventually(lambda: (lambda n: n if n["status"] == "resolved" else None)(
        ok(api.get(f"{N}/{need['id']}", resident["token"]))))
    assert resolved["resolved_at"] and resolved["ref"] == {"type": "volunteer_request",
                                                           "id": request_id}
    eventually(lambda: {"needs.need_routed", "needs.need_resolved"}
               <= set(categories(api, resident["token"])))
    assert_ledger_balanced(api)


def test_a_need_is_open_again_when_its_request_is_cancelled_or_its_wish_rejected(api):
    community, staff = community_with_staff(api)
    resident = wisher(api, community["id"])
    need = record(api, resident, category="health", description="想找人陪同去医院复查")
    request_id = ok(api.post(f"{N}/{need['id']}/route", {"to": "volunteer_request"},
                             staff["token"]))["ref"]["id"]
    ok(act(api, request_id, "cancel", resident["token"], {"reason": "儿子回来了，能陪我去"}))
    reopened = eventually(lambda: (lambda n: n if n["status"] == "open" else None)(
        ok(api.get(f"{N}/{need['id']}", staff["token"]))))
    assert reopened["ref"] is None

    wish_id = ok(api.post(f"{N}/{need['id']}/route", {"to": "wish"}, staff["token"]))["ref"]["id"]
    ok(step(api, wish_id, "reject", staff["token"], {"reason": "请走志愿服务"}))
    assert ok(api.get(f"{N}/{need['id']}", staff["token"]))["status"] == "open"
    closed = ok(api.post(f"{N}/{need['id']}/close", {"resolution": "家属陪同"}, staff["token"]))
    assert closed["status"] == "closed"
