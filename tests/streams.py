"""A stream of canteen bookings through the gateway, for fault and rollout tests:
every booking answered 201 must exist exactly once with exactly one inbox message."""
import datetime as dt
import threading
import time

import requests

from shared import clock
from tests.helpers import eventually

BOOKED = "canteen.booking_created"


def canteen_world(api, days=14):
    """A community, its staff, a site and menus for ``days`` days x three meals."""
    community = api.community()
    staff = api.staff(community["id"])
    site = api.post("/api/v1/canteen/sites", {
        "name": "演练食堂", "community_id": community["id"],
        "elder_discount_percent": 20, "caring_lunch_price_fen": 990}, staff["token"]).json()
    slots = []
    for offset in range(2, days + 2):  # from the day after tomorrow in the community's zone
        date = (clock.today_local() + dt.timedelta(days=offset)).isoformat()
        for meal in ("breakfast", "lunch", "dinner"):
            answer = api.put(f"/api/v1/canteen/sites/{site['id']}/menus/{date}/{meal}", {
                "capacity": 500, "booking_cutoff": f"{date}T06:00:00+08:00",
                "dishes": [{"name": "米饭", "tags": [], "price_fen": 100}]}, staff["token"])
            assert answer.status_code == 200, answer.text
            slots.append((date, meal))
    return {"api": api, "site": site, "slots": slots, "community": community}


class BookingStream:
    """Bookings through the gateway from a few threads, each diner booking each slot at
    most once, recording what the gateway answered."""

    def __init__(self, world, diners=6, threads=4):
        self.api, self.site = world["api"], world["site"]
        self.diners = [self.api.resident(world["community"]["id"]) for _ in range(diners)]
        self.todo = [(d, s) for s in world["slots"] for d in self.diners]
        self.lock = threading.Lock()
        self.answers: list[tuple[dict, int, dict | None, float]] = []
        self.running = True
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        for t in self.threads:
            t.join(60)

    def _run(self):
        session = requests.Session()
        while self.running:
            with self.lock:
                if not self.todo:
                    return
                diner, (date, meal) = self.todo.pop(0)
            started = time.monotonic()
            try:
                answer = session.post(self.api.base + "/api/v1/canteen/bookings", json={
                    "site_id": self.site["id"], "date": date, "meal": meal, "portions": 1},
                    headers={"Authorization": f"Bearer {diner['token']}"}, timeout=30)
                status, body = answer.status_code, answer.json()
            except requests.RequestException as exc:
                status, body = type(exc).__name__, None
            with self.lock:
                self.answers.append((diner, status, body, time.monotonic() - started))
            time.sleep(0.05)

    def statuses(self):
        return [status for _, status, _, _ in self.answers]


def assert_nothing_lost_or_doubled(world, stream):
    api = world["api"]
    statuses = stream.statuses()
    assert set(statuses) <= {201, 503}, statuses
    assert max(seconds for *_, seconds in stream.answers) < 20  # bounded, never a hang
    for diner in stream.diners:
        answered = {body["id"] for d, status, body, _ in stream.answers
                    if d is diner and status == 201}
        listed = api.get("/api/v1/canteen/bookings?limit=200", diner["token"])
        assert listed.status_code == 200, listed.text
        ids = [b["id"] for b in listed.json()["items"]]
        assert len(ids) == len(set(ids))
        assert answered <= set(ids)

        def inbox_refs():
            answer = api.get("/api/v1/notifications?limit=200", diner["token"])
            if answer.status_code != 200:
                return None
            items = answer.json()["items"]
            refs = [m["ref"]["id"] for m in items if m["category"] == BOOKED]
            return refs if set(ids) <= set(refs) else None
        refs = eventually(inbox_refs, seconds=60)
        assert len(refs) == len(set(refs))  # one message per booking, never two
