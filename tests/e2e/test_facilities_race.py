"""Races against two facilities replicas: 50 residents booking the same slot get one
booking (the slot's grid cells are claimed under a unique key with the booking), 50
walk-ins at one door get one, 20 borrowers of one speaker get one loan (a conditional
update of the item's status)."""
import datetime as dt
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.test_canteen_race import _consumers, _post, _register
from tests.helpers import eventually

RESIDENTS = 50
BORROWERS = 20
CST = dt.timezone(dt.timedelta(hours=8))


def _at_once(tokens, url, body):
    start = threading.Barrier(len(tokens))

    def go(token):
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        return _post(url, body, token)

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(go, tokens))


@pytest.fixture(scope="module")
def crowd(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(lambda i: _register(api, community["id"], i), range(RESIDENTS)))
    stack.start_service("facilities", replica=1)
    eventually(lambda: _consumers(stack, "rpc-facilities") in (None, 2), seconds=60,
               interval=0.5)
    yield {"community": community, "staff": staff, "tokens": tokens}
    stack.stop("facilities-1")


def _room(api, crowd):
    answer = api.post("/api/v1/facilities/rooms", {
        "name": f"培训室-{uuid.uuid4().hex[:4]}", "community_id": crowd["community"]["id"],
        "kind": "training", "capacity": 30, "opening": None}, crowd["staff"]["token"])
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_fifty_residents_booking_one_slot_across_two_replicas_get_one_booking(api, crowd):
    room = _room(api, crowd)
    day = dt.date.today() + dt.timedelta(days=2)
    start = dt.datetime.combine(day, dt.time(19, 0), tzinfo=CST)
    body = {"room_id": room["id"], "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=2)).isoformat(), "purpose": "合唱排练"}
    answers = _at_once(crowd["tokens"], api.base + "/api/v1/facilities/room-bookings", body)
    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: RESIDENTS - 1}, statuses
    assert {p["error"]["code"] for s, p in answers if s == 409} == {"slot_taken"}
    day_view = api.get(f"/api/v1/facilities/rooms/{room['id']}/bookings", crowd["staff"]["token"],
                       params={"date": day.isoformat()}).json()["items"]
    assert len(day_view) == 1


def test_fifty_walk_ins_at_one_door_get_one(api, crowd):
    room = _room(api, crowd)
    body = {"door_code": room["door_code"], "minutes": 30}
    answers = _at_once(crowd["tokens"], api.base + f"/api/v1/facilities/rooms/{room['id']}/walk-in",
                       body)
    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: RESIDENTS - 1}, statuses
    assert {p["error"]["code"] for s, p in answers if s == 409} == {"slot_taken"}


def test_twenty_borrowers_of_one_speaker_get_one_loan(api, crowd):
    now = dt.datetime.now(CST)
    allowed = {"start": (now - dt.timedelta(hours=2)).strftime("%H:%M"),
               "end": (now + dt.timedelta(hours=3)).strftime("%H:%M")}
    code = f"SPK-{uuid.uuid4().hex[:6]}"
    item = api.post("/api/v1/facilities/equipment", {
        "name": "广场舞音箱", "kind": "speaker", "community_id": crowd["community"]["id"],
        "code": code, "rules": {"max_volume_db": 65, "allowed": allowed}}, crowd["staff"]["token"])
    assert item.status_code == 201, item.text
    answers = _at_once(crowd["tokens"][:BORROWERS], api.base + "/api/v1/facilities/equipment-loans",
                       {"code": code, "accept_rules": True})
    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: BORROWERS - 1}, statuses
    assert {p["error"]["code"] for s, p in answers if s == 409} == {"not_available"}
    loans = api.get("/api/v1/facilities/equipment-loans", crowd["staff"]["token"]).json()["items"]
    assert [l["code"] for l in loans].count(code) == 1
