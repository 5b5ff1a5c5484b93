"""A hundred residents sign up at once for thirty seats against two activities
replicas: seats never exceed the capacity (one conditional update on the activity's
``remaining``), every party is seated whole or waits whole, and the waitlist numbers
run 1..n without a gap or a repeat. One resident tapping "sign up" ten times at once
gets one sign-up (a unique index)."""
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from services.activities import seating
from tests.e2e.activities_helpers import A, publish, step
from tests.e2e.test_canteen_race import _consumers, _post, _register
from tests.e2e.volunteer_helpers import ok
from tests.helpers import eventually

SEATS = 30
RESIDENTS = 100


def _party(i):
    size = 1 if i % 3 else 2  # every third signs up with a child
    return [{"name": f"居民{i}", "birth_date": "1985-06-01"}] + \
        [{"name": f"孩子{i}", "birth_date": "2017-06-01"}] * (size - 1)


def test_a_hundred_residents_never_take_more_than_thirty_seats(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    course = publish(api, staff, community["id"], capacity=SEATS, title="周末国画班")
    with ThreadPoolExecutor(max_workers=8) as pool:
        tokens = list(pool.map(lambda i: _register(api, community["id"], i), range(RESIDENTS)))

    stack.start_service("activities", replica=1)
    try:
        eventually(lambda: _consumers(stack, "rpc-activities") in (None, 2), seconds=60)
        url = f"{api.base}{A}/{course['id']}/signups"
        start = threading.Barrier(50)

        def sign_up(i):
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            status, answer = _post(url, {"party": _party(i)}, tokens[i])
            return i, status, answer

        with ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(sign_up, range(RESIDENTS)))

        assert Counter(status for _, status, _ in answers) == {201: RESIDENTS}, answers[:3]
        seated = [a for _, _, a in answers if a["status"] == "confirmed"]
        waiting = [a for _, _, a in answers if a["status"] == "waitlisted"]
        assert len(seated) + len(waiting) == RESIDENTS
        taken = sum(a["size"] for a in seated)
        assert taken <= SEATS
        assert sorted(a["position"] for a in waiting) == list(range(1, len(waiting) + 1))
        now = ok(api.get(f"{A}/{course['id']}", staff["token"]))
        assert (now["taken"], now["remaining"], now["waiting"]) == (taken, SEATS - taken,
                                                                   len(waiting))
        if any(a["size"] == 1 for a in waiting):
            assert taken == SEATS  # a party of one waits only when no seat is left

        roster = {}
        cursor = None
        while True:
            page = ok(api.get(f"{A}/{course['id']}/signups", staff["token"],
                              params={"limit": 200, **({"cursor": cursor} if cursor else {})}))
            roster.update({s["id"]: s for s in page["items"]})
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(roster) == RESIDENTS
        assert {a["id"]: a["position"] for a in waiting} == \
            {s["id"]: s["position"] for s in roster.values() if s["status"] == "waitlisted"}

        # a family cancels: its seats go to the first in line that fits, in order
        line = sorted(waiting, key=lambda a: a["position"])
        family = next(a for a in seated if a["size"] == 2)
        owner = next(i for i, _, a in answers if a["id"] == family["id"])
        step(api, family, "cancel", tokens[owner])
        expected = {p["id"] for p in seating.offers_for(line, 2 + SEATS - taken)}
        offered = {s["id"] for s in ok(api.get(f"{A}/{course['id']}/signups", staff["token"],
                                               params={"status": "offered"}))["items"]}
        assert offered == expected and offered

        # one resident, ten taps at once, on a fresh activity: one sign-up
        talk = publish(api, staff, community["id"], capacity=5, kind="talk", title="健康讲座")
        with ThreadPoolExecutor(max_workers=10) as pool:
            taps = list(pool.map(lambda _: _post(f"{api.base}{A}/{talk['id']}/signups",
                                                 {"party": _party(1)}, tokens[1]), range(10)))
        tapped = Counter(status for status, _ in taps)
        assert tapped[201] == 1 and tapped[409] == 9, taps
        assert ok(api.get(f"{A}/{talk['id']}", staff["token"]))["taken"] == 1
    finally:
        stack.stop("activities-1")
