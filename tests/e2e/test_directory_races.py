"""Races against two replicas of each service: forty plays pressed at once by twenty
listeners (each twice) count twenty, one per listener; the stale sweep fired eight
times at once while a grid worker verifies half the places flags each place at most
once, tells the staff once per flag, and never leaves a verified place stale."""
import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import _rabbitmqctl
from tests.helpers import eventually

LIB = "/api/v1/library"
PLACES = "/api/v1/directory/places"


def _consumers(stack, queue):
    if not stack.vhost:
        return 2
    listed = _rabbitmqctl("list_queues", "-p", stack.vhost, "name", "consumers")
    for line in listed.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == queue:
            return int(parts[1])
    return 0


def _with_second_replica(stack, service, work):
    stack.start_service(service, replica=1)
    try:
        eventually(lambda: _consumers(stack, f"rpc-{service}") >= 2, seconds=60, interval=0.5)
        return work()
    finally:
        stack.stop(f"{service}-1")


def _at_once(calls):
    """Run every call in its own thread, all released together."""
    start = threading.Barrier(len(calls))

    def run(call):
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        return call()
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_forty_plays_at_once_count_once_per_listener(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    title = api.post(f"{LIB}/titles", {"title": "骆驼祥子", "author": "老舍"}, staff["token"]).json()
    edition = api.post(f"{LIB}/titles/{title['id']}/editions",
                       {"kind": "audiobook", "url": "https://audio.example.org/x.mp3"},
                       staff["token"]).json()
    listeners = [f"race-{n}-{uuid.uuid4().hex[:8]}" for n in range(20)]
    url = api.base + f"{LIB}/editions/{edition['id']}/plays"

    def press(listener):
        return lambda: requests.post(url, json={"listener": listener}, timeout=60).status_code

    statuses = _with_second_replica(stack, "library", lambda: _at_once(
        [press(listener) for listener in listeners * 2]))
    assert sorted(statuses) == [201] * 20 + [429] * 20, statuses
    assert api.get(f"{LIB}/editions/{edition['id']}").json()["plays"] == 20


def test_the_stale_sweep_and_verifications_at_once(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    ids = [api.post(PLACES, {"community_id": community["id"], "name": f"老小区维修点 {n}",
                             "category": "repair", "address": "幸福路", "phone": "021-6000 0000",
                             "hours": []}, staff["token"]).json()["id"] for n in range(10)]
    # last verified 200 days ago: due for the sweep now
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=200)
    stack.db("directory")["places"].update_many(
        {"_id": {"$in": ids}},
        {"$set": {"verified_at": long_ago, "stale_from": long_ago + dt.timedelta(days=180)}})
    as_of = dt.datetime.now(dt.timezone.utc).isoformat()
    sweep_url = api.base + "/api/v1/admin/jobs/directory-stale"
    headers = {"Authorization": f"Bearer {staff['token']}"}

    def sweep():
        answer = requests.post(sweep_url, json={"as_of": as_of}, headers=headers, timeout=60)
        assert answer.status_code == 200, answer.text
        return ("sweep", answer.json()["processed"])

    def verify(place_id):
        def call():
            answer = requests.post(api.base + f"{PLACES}/{place_id}/verify", headers=headers,
                                   timeout=60)
            assert answer.status_code == 200, answer.text
            return ("verify", place_id)
        return call

    results = _with_second_replica(stack, "directory", lambda: _at_once(
        [sweep] * 8 + [verify(place_id) for place_id in ids[:5]]))
    flagged = sum(n for kind, n in results if kind == "sweep")
    assert 5 <= flagged <= 10, results
    answer = api.get(PLACES, staff["token"], params={"limit": 200}).json()
    listed = {p["id"]: p for p in answer["items"]}
    assert all(not listed[i]["stale"] for i in ids[:5])   # verified wins, whatever the order
    assert all(listed[i]["stale"] for i in ids[5:])
    places = stack.db("directory")["places"]
    flag = {"stale_flagged_at": {"$exists": True}}
    assert places.count_documents({"_id": {"$in": ids[:5]}, **flag}) == 0
    assert places.count_documents({"_id": {"$in": ids[5:]}, **flag}) == 5

    def told():
        inbox = api.get("/api/v1/notifications", staff["token"], params={"limit": 200}).json()
        return [m for m in inbox["items"] if m["category"] == "directory.place_went_stale"]
    messages = eventually(lambda: len(told()) >= flagged and told())
    assert len(messages) == flagged  # one message per flag (each place at most once)
    assert len({m["ref"]["id"] for m in messages}) == flagged
