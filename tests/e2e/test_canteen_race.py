"""Hundreds of diners book the same meal at once against two canteen replicas: the
capacity holds exactly (one conditional update on the menu's ``remaining``), and one
diner pressing "book" ten times at once gets one booking (a unique index)."""
import datetime as dt
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import _rabbitmqctl

CAPACITY = 37
DINERS = 210
_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _post(url, body, token):
    answer = _session().post(url, json=body, headers={"Authorization": f"Bearer {token}"},
                             timeout=60)
    return answer.status_code, answer.json()


def _register(api, community_id, i):
    phone = f"17{uuid.uuid4().int % 10**9:09d}"
    password = "race-" + uuid.uuid4().hex[:8]
    body = {"phone": phone, "password": password, "name": f"居民{i}", "birth_date": "1985-06-01",
            "community_id": community_id}
    registered = _session().post(api.base + "/api/v1/auth/register", json=body, timeout=60)
    assert registered.status_code == 201, registered.text
    token = _session().post(api.base + "/api/v1/auth/token",
                            json={"phone": phone, "password": password}, timeout=60)
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


def _consumers(stack, queue_name):
    if not stack.vhost:
        return None
    listed = _rabbitmqctl("list_queues", "-p", stack.vhost, "name", "consumers")
    for line in listed.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == queue_name:
            return int(parts[1])
    return 0


def _wait_for_second_replica(stack, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = _consumers(stack, "rpc-canteen")
        if count is None or count >= 2:
            return
        time.sleep(0.5)
    raise AssertionError("the second canteen replica did not start consuming")


def test_two_hundred_diners_never_overbook_a_slot_of_37(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    site = api.post("/api/v1/canteen/sites", {"name": "抢餐测试食堂", "community_id": community["id"],
                                              "elder_discount_percent": 10}, staff["token"]).json()
    date = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    menu = api.put(f"/api/v1/canteen/sites/{site['id']}/menus/{date}/lunch", {
        "capacity": CAPACITY, "booking_cutoff": f"{date}T10:00:00+08:00",
        "dishes": [{"name": "红烧肉", "tags": ["meat"], "price_fen": 1500}]}, staff["token"])
    assert menu.status_code == 200, menu.text
    with ThreadPoolExecutor(max_workers=12) as pool:
        tokens = list(pool.map(lambda i: _register(api, community["id"], i), range(DINERS)))

    stack.start_service("canteen", replica=1)
    try:
        _wait_for_second_replica(stack)
        url = api.base + "/api/v1/canteen/bookings"
        body = {"site_id": site["id"], "date": date, "meal": "lunch", "portions": 1}
        start = threading.Barrier(64)

        def book(token):
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            return _post(url, body, token)

        with ThreadPoolExecutor(max_workers=64) as pool:
            answers = list(pool.map(book, tokens))

        statuses = Counter(status for status, _ in answers)
        assert statuses[201] == CAPACITY, statuses
        assert statuses[409] == DINERS - CAPACITY, statuses
        assert {payload["error"]["code"] for status, payload in answers if status == 409} == \
            {"slot_full"}
        codes = [payload["pickup_code"] for status, payload in answers if status == 201]
        assert len(set(codes)) == CAPACITY

        menus = api.get(f"/api/v1/canteen/sites/{site['id']}/menus?from={date}&to={date}",
                        staff["token"]).json()["items"]
        assert (menus[0]["booked"], menus[0]["remaining"]) == (CAPACITY, 0)
        kitchen = api.get(f"/api/v1/canteen/sites/{site['id']}/kitchen/{date}",
                          staff["token"]).json()
        lunch = [m for m in kitchen["meals"] if m["meal"] == "lunch"][0]
        assert (lunch["bookings"], lunch["portions"]) == (CAPACITY, CAPACITY)

        # one diner, ten taps at once, on a fresh slot: exactly one booking
        dinner = api.put(f"/api/v1/canteen/sites/{site['id']}/menus/{date}/dinner", {
            "capacity": 10, "booking_cutoff": f"{date}T16:00:00+08:00",
            "dishes": [{"name": "米饭", "tags": [], "price_fen": 100}]}, staff["token"])
        assert dinner.status_code == 200
        same = {**body, "meal": "dinner"}
        with ThreadPoolExecutor(max_workers=10) as pool:
            taps = list(pool.map(lambda _: _post(url, same, tokens[0]), range(10)))
        tapped = Counter(status for status, _ in taps)
        assert tapped[201] == 1 and tapped[409] == 9, taps
        assert {p["error"]["code"] for s, p in taps if s == 409} == {"already_booked"}
        menus = api.get(f"/api/v1/canteen/sites/{site['id']}/menus?from={date}&to={date}",
                        staff["token"]).json()["items"]
        assert [(m["meal"], m["booked"]) for m in menus] == [("lunch", CAPACITY), ("dinner", 1)]
    finally:
        stack.stop("canteen-1")
