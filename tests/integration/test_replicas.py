"""Three replicas of every service at once: RPC load spreads over them, the outbox
relay publishes each event once, handlers and jobs never act twice."""
import datetime as dt
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from shared import clock
from tests.helpers import eventually
from tests.streams import BookingStream, assert_nothing_lost_or_doubled, canteen_world

REPLICAS = 3


@pytest.fixture(scope="module")
def scaled(stack):
    extra = [(name, i) for name in stack.services for i in range(1, REPLICAS)]
    for name, i in extra:
        stack.start_service(name, replica=i)
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=30) as cluster:
        for name in stack.services:
            # every replica is up once pings have come back from three of them
            eventually(lambda: len({getattr(cluster, name).ping()["replica"]
                                    for _ in range(30)}) == REPLICAS, seconds=60)
    yield stack
    for name, i in extra:
        stack.stop(f"{name}-{i}")


def test_rpc_load_spreads_over_the_replicas(scaled):
    with ClusterRpcProxy({"AMQP_URI": scaled.amqp_uri}, timeout=30) as cluster:
        for name in scaled.services:
            answers = [getattr(cluster, name).ping()["replica"] for _ in range(60)]
            counts = {replica: answers.count(replica) for replica in set(answers)}
            assert len(counts) == REPLICAS, (name, counts)
            assert min(counts.values()) >= 5, (name, counts)  # spread, not one hot replica


def test_the_outbox_relay_publishes_each_event_once_and_each_is_handled_once(scaled, api):
    community = api.community()
    with ThreadPoolExecutor(12) as pool:
        people = list(pool.map(lambda _: api.resident(community["id"]), range(24)))
    outbox = scaled.db("residents")["outbox"]
    ids = [p["id"] for p in people]

    def all_sent():
        rows = list(outbox.find({"type": "residents.resident_registered",
                                 "envelope.data.resident_id": {"$in": ids}}))
        return rows if len(rows) == len(ids) and all(r["state"] == "sent" for r in rows) else None
    rows = eventually(all_sent, seconds=30)
    assert [r["attempts"] for r in rows] == [1] * len(ids)  # claimed once, by one replica
    messages = scaled.db("notifications")["messages"]
    eventually(lambda: messages.count_documents({"resident_id": {"$in": ids}}) >= len(ids))
    for row in rows:
        assert messages.count_documents({"event_id": row["_id"]}) == 1


def test_a_job_fired_at_every_replica_at_once_acts_once(scaled, api):
    L = "/api/v1/library"
    community = api.community()
    staff = api.staff(community["id"])["token"]
    branch = api.post(f"{L}/branches", {"name": "书屋", "community_id": community["id"],
                                        "kind": "book_house"}, staff).json()
    title = api.post(f"{L}/titles", {"title": "繁星·春水", "author": "冰心", "tags": ["诗歌"]},
                     staff).json()
    readers = []
    for _ in range(8):
        code = "RP-" + uuid.uuid4().hex[:10]
        assert api.post(f"{L}/copies", {"title_id": title["id"], "code": code,
                                        "branch_id": branch["id"]}, staff).status_code == 201
        reader = api.resident(community["id"])
        assert api.post(f"{L}/loans", {"code": code, "branch_id": branch["id"]},
                        reader["token"]).status_code == 201
        readers.append(reader)
    as_of = clock.iso(clock.now() + dt.timedelta(days=45))

    def fire(_):
        answer = api.post("/api/v1/admin/jobs/library-overdue", {"as_of": as_of}, staff)
        assert answer.status_code == 200, answer.text
        return answer.json()["processed"]
    with ThreadPoolExecutor(12) as pool:
        processed = list(pool.map(fire, range(24)))
    assert sum(processed) == len(readers)  # every loan once, however many replicas raced
    for reader in readers:
        def overdue_notices():
            items = api.get("/api/v1/notifications", reader["token"]).json()["items"]
            return [m for m in items if m["category"] == "library.loan_overdue"]
        assert len(eventually(overdue_notices)) == 1


def test_a_rolling_restart_under_load_loses_and_doubles_nothing(scaled, api):
    """One replica at a time, each SIGTERMed (it stops taking work, finishes what it
    has, exits) and replaced, while bookings stream in: no request fails."""
    world = canteen_world(api, days=10)
    with BookingStream(world, diners=4, threads=3) as stream:
        for name in scaled.services:
            for i in range(REPLICAS):
                key = f"{name}-{i}" if i else name
                scaled.stop(key, sig=signal.SIGTERM, wait=25)
                scaled.start_service(name, replica=i)
                time.sleep(2)  # the new replica starts consuming before the next goes
    assert stream.answers and set(stream.statuses()) == {201}, stream.statuses()
    assert_nothing_lost_or_doubled(world, stream)
