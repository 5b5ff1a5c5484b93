"""Faults with real processes: the broker restarted, the database killed, a service
killed or stopped mid-stream. Every booking the gateway answered 201 exists exactly once
with its event and inbox message; during an outage the answer is 503, never a hang or a
500; everything reconnects by itself.

These tests run on a private RabbitMQ node (its own port and data) so that restarting
it disturbs nothing else, and on their own stack."""
import datetime as dt
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from shared import devstack
from tests.conftest import Api, Stack
from tests.helpers import eventually

NODE = "linli-faults@localhost"
BOOKED = "canteen.booking_created"


class PrivateBroker:
    """A RabbitMQ node of our own, started with Debian's rabbitmq-server."""

    def __init__(self):
        assert shutil.which("rabbitmq-server"), "fault tests need rabbitmq-server (make test installs it)"
        self.port = devstack.free_port()
        self.home = Path(f"/tmp/linli-rabbit-{uuid.uuid4().hex[:8]}")
        self.home.mkdir()
        (self.home / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n")
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.home)], check=False)
        self.env = {**os.environ,
                    "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
                    "RABBITMQ_NODENAME": NODE, "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_DIST_PORT": str(devstack.free_port()),
                    "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.home / "log"),
                    "RABBITMQ_PID_FILE": str(self.home / "pid"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "plugins"),
                    "RABBITMQ_ENABLED_PLUGINS": "none"}
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=60)
        assert devstack.wait_for_port("127.0.0.1", self.port, 90), "private RabbitMQ did not start"
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args):
        subprocess.run(["rabbitmqctl", "-n", NODE, *args], env=self.env, check=True,
                       capture_output=True, timeout=120)

    def close(self):
        subprocess.run(["rabbitmqctl", "-n", NODE, "stop"], env=self.env, capture_output=True,
                       timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="module")
def world():
    broker = PrivateBroker()
    stack = None
    try:
        stack = Stack(amqp_uri=broker.uri, services=["residents", "notifications", "canteen"])
        api = Api(stack)
        community = api.community()
        staff = api.staff(community["id"])
        site = api.post("/api/v1/canteen/sites", {
            "name": "故障演练食堂", "community_id": community["id"],
            "elder_discount_percent": 20, "caring_lunch_price_fen": 990}, staff["token"]).json()
        slots = []
        for offset in range(1, 15):
            date = (dt.date.today() + dt.timedelta(days=offset)).isoformat()
            for meal in ("breakfast", "lunch", "dinner"):
                answer = api.put(f"/api/v1/canteen/sites/{site['id']}/menus/{date}/{meal}", {
                    "capacity": 500, "booking_cutoff": f"{date}T06:00:00+08:00",
                    "dishes": [{"name": "米饭", "tags": [], "price_fen": 100}]}, staff["token"])
                assert answer.status_code == 200, answer.text
                slots.append((date, meal))
        yield {"broker": broker, "stack": stack, "api": api, "site": site, "slots": slots,
               "community": community}
    finally:
        if stack:
            stack.close()
        broker.close()


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


def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(world):
    with BookingStream(world) as stream:
        time.sleep(3)
        world["broker"].ctl("stop_app")
        time.sleep(6)
        world["broker"].ctl("start_app")
        time.sleep(8)
    statuses = stream.statuses()
    assert 503 in statuses  # the outage was seen, and answered 503
    assert statuses[-5:] == [201] * 5  # and the system came back by itself
    assert_nothing_lost_or_doubled(world, stream)


def test_a_killed_database_restarted_mid_stream_loses_and_doubles_nothing(world):
    stack = world["stack"]
    with BookingStream(world) as stream:
        time.sleep(3)
        stack.stop("mongo", sig=signal.SIGKILL)
        time.sleep(5)
        stack.start_mongo()
        time.sleep(10)
    statuses = stream.statuses()
    assert 503 in statuses
    assert statuses[-5:] == [201] * 5
    assert_nothing_lost_or_doubled(world, stream)


def test_notifications_killed_while_handling_events_handles_each_once(world):
    stack = world["stack"]
    with BookingStream(world) as stream:
        time.sleep(2)
        stack.stop("notifications", sig=signal.SIGKILL)
        time.sleep(3)
        stack.start_service("notifications")
        time.sleep(4)
    assert set(stream.statuses()) == {201}
    assert_nothing_lost_or_doubled(world, stream)


def test_sigterm_lets_a_service_finish_its_work_and_exit(world):
    stack = world["stack"]
    with BookingStream(world) as stream:
        time.sleep(2)
        process = stack.processes["canteen"]
        started = time.monotonic()
        stack.stop("canteen", sig=signal.SIGTERM, wait=25)
        stopped_in = time.monotonic() - started
        assert process.returncode is not None and stopped_in < 25
        time.sleep(2)
        stack.start_service("canteen")
        stack.wait_ready()
        time.sleep(3)
    assert_nothing_lost_or_doubled(world, stream)
